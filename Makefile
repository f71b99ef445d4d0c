# loopscope - build, test, bench, deps.  `make help` lists the targets.
ARCH       ?= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
OUT        := build
VMLINUX    := vmlinux/$(ARCH)/vmlinux.h

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS   += -Iuser -Ibpf -I$(OUT) -D_GNU_SOURCE
LDLIBS     := -lbpf -lelf -lz -ljson-c $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer

BPF_SRCS   := bpf/loopscope.bpf.c
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# Every user/*.c is part of the program.  The core (all but the files that
# need the BPF skeleton, ncurses or main()) needs no root: unit tests link it.
APP_SRCS   := $(sort $(wildcard user/*.c))
NOT_CORE   := user/probes.c user/collector.c user/main.c user/viewer.c user/replay_view.c
CORE_SRCS  := $(filter-out $(NOT_CORE),$(APP_SRCS))
CORE_OBJS  := $(patsubst user/%.c,$(OUT)/%.o,$(CORE_SRCS))
APP_OBJS   := $(patsubst user/%.c,$(OUT)/%.o,$(APP_SRCS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))
WORKLOADS  := $(patsubst tests/workloads/%.c,$(OUT)/workloads/%,$(wildcard tests/workloads/*.c))
BENCH_BINS := $(OUT)/bench/loadgen $(OUT)/bench/floor

# What `make bench` compares loopscope with; in DEB_PKGS too, so that CI runs
# the whole benchmark harness (in its tiny mode) and nothing is skipped there.
BENCH_PKGS := redis-server redis-tools nginx-light wrk bpftrace strace linux-perf
# The real runtimes the tests run loopscope on (tests/runtimes/): tokio and
# mio from Debian's crates (built offline), Go, Node, asyncio and aiohttp,
# nginx, redis and memcached.
RUNTIME_PKGS := cargo rustc librust-tokio-dev librust-mio-dev golang-go nodejs python3-aiohttp \
              memcached redis-server nginx-light wrk
DEB_PKGS   := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libncurses-dev \
              libjson-c-dev libcmocka-dev pkg-config python3 make gcc tmux $(BENCH_PKGS) \
              $(RUNTIME_PKGS)

.SECONDARY:
.PHONY: all clean test unit e2e deps vmlinux demo help workloads bench fuzz runtimes
all: $(OUT)/loopscope workloads $(BENCH_BINS)

help:
	@echo "make            build ./build/loopscope and the test workloads"
	@echo "make deps       install the Debian packages loopscope needs (root)"
	@echo "make test       unit tests (no root) and end-to-end tests (root, real BPF)"
	@echo "make unit       unit tests only"
	@echo "make runtimes   the real-runtime programs the tests observe (tokio, mio, Go: tests/runtimes/)"
	@echo "make fuzz       fuzz the trace file reader and the viewers' socket for FUZZ_SECONDS (default 600) each"
	@echo "make demo       run loopscope on the bundled echo workload (root)"
	@echo "make vmlinux    regenerate $(VMLINUX) from /sys/kernel/btf/vmlinux"
	@echo "make bench      what loopscope costs, beside strace, perf trace, bpftrace (root;"
	@echo "                BENCH_QUICK=1 for a shorter run); results in bench/results/"

$(OUT) $(OUT)/tests $(OUT)/workloads $(OUT)/san $(OUT)/fuzz:
	@mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c bpf/loopscope.h bpf/syscalls.def $(VMLINUX) | $(OUT)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) -Ibpf \
		-Wall -Werror -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(OUT)/%.o: user/%.c $(wildcard user/*.h) bpf/loopscope.h bpf/syscalls.def | $(OUT)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(OUT)/probes.o: $(SKELS)

$(OUT)/loopscope: $(APP_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# Unit tests build with the sanitizers, against their own copy of the core.
$(OUT)/san/%.o: user/%.c $(wildcard user/*.h) bpf/loopscope.h bpf/syscalls.def | $(OUT)/san
	$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -c $< -o $@

$(OUT)/tests/%: tests/unit/%.c tests/unit/records.h $(patsubst user/%.c,$(OUT)/san/%.o,$(CORE_SRCS)) | $(OUT)/tests
	$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) $(filter-out %.h,$^) -lcmocka -ljson-c -lz -pthread -o $@

# The trace reader's fuzz target (libFuzzer, clang): a short run is part of
# `make test`, a long one is `make fuzz`.
FUZZ_BIN     := $(OUT)/fuzz/fuzz_trace
FUZZ_SECONDS ?= 600
$(FUZZ_BIN): tests/fuzz/fuzz_trace.c $(CORE_SRCS) $(wildcard user/*.h) bpf/loopscope.h bpf/syscalls.def | $(OUT)/fuzz
	$(CLANG) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) tests/fuzz/fuzz_trace.c $(CORE_SRCS) -ljson-c -lz -pthread -o $@

# The viewers' socket's fuzz target: what one viewer sends, to a real server.
FUZZ_SERVER_BIN := $(OUT)/fuzz/fuzz_server
$(FUZZ_SERVER_BIN): tests/fuzz/fuzz_server.c $(CORE_SRCS) $(wildcard user/*.h) bpf/loopscope.h | $(OUT)/fuzz
	$(CLANG) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) tests/fuzz/fuzz_server.c $(CORE_SRCS) -ljson-c -lz -pthread -o $@

fuzz: $(FUZZ_BIN) $(FUZZ_SERVER_BIN)
	@tests/fuzz/run $(FUZZ_BIN) $(FUZZ_SECONDS)
	@tests/fuzz/run $(FUZZ_SERVER_BIN) $(FUZZ_SECONDS) tests/fuzz/corpus_server

# The corpus of real runtimes (tests/runtimes/README.md) in $(OUT)/runtimes/bin.
RT_BIN     := $(OUT)/runtimes/bin
RT_RUST    := $(wildcard tests/runtimes/rust/src/*.rs tests/runtimes/rust/src/bin/*.rs) \
              tests/runtimes/rust/Cargo.toml tests/runtimes/rust/build.sh
RT_GO      := $(wildcard tests/runtimes/go/*.go) tests/runtimes/go/build.sh
runtimes: $(RT_BIN)/.rust $(RT_BIN)/.go $(RT_BIN)/echo_load
$(RT_BIN):
	@mkdir -p $@
$(RT_BIN)/.rust: $(RT_RUST) | $(RT_BIN)
	tests/runtimes/rust/build.sh $(abspath $(RT_BIN)) && touch $@
$(RT_BIN)/.go: $(RT_GO) | $(RT_BIN)
	tests/runtimes/go/build.sh $(abspath $(RT_BIN)) && touch $@
$(RT_BIN)/echo_load: tests/runtimes/echo_load.c | $(RT_BIN)
	$(CC) -O2 -g -Wall -Wextra -Werror -pthread $< -o $@

workloads: $(WORKLOADS)
$(OUT)/workloads/%: tests/workloads/%.c tests/workloads/workload.h | $(OUT)/workloads
	$(CC) -O2 -g -Wall -Wextra -Werror -pthread $< -o $@

# The benchmarks' programs (bench/*.c) and their floor: empty BPF programs on
# loopscope's tracepoints.
$(OUT)/bench:
	@mkdir -p $@

$(OUT)/bench/loadgen: bench/loadgen.c tests/workloads/workload.h | $(OUT)/bench
	$(CC) -O2 -g $(WARN) -pthread $< -o $@

$(OUT)/bench/floor: bench/floor.c $(OUT)/empty.skel.h | $(OUT)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $< -lbpf -lelf -lz -o $@

bench: all
	@missing=$$(for p in $(BENCH_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	bench/run $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

unit: $(UNIT_TESTS)
	@tests/run-unit $(UNIT_TESTS)

test: all runtimes $(UNIT_TESTS) $(FUZZ_BIN) $(FUZZ_SERVER_BIN)
	@tests/run $(UNIT_TESTS)

demo: all
	@tools/demo

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

vmlinux:
	@mkdir -p $(dir $(VMLINUX))
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX)

clean:
	rm -rf $(OUT)
