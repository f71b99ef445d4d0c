#!/bin/sh
# build.sh OUTDIR: builds go_http and go_echo (tests/runtimes/go/*.go, standard
# library only) into OUTDIR, offline: no module proxy, no toolchain download.
# The build cache and GOPATH live under build/runtimes/go of the repository.
# Exit 0 on success; a missing go or a failed build: one line on stderr, 1.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: build.sh OUTDIR" >&2
	exit 2
fi
out=$1
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(cd "$here" && pwd)
root=$(cd "$here/../../.." && pwd)
if ! command -v go >/dev/null 2>&1; then
	echo "build.sh: go not found (apt-get install golang-go)" >&2
	exit 1
fi
mkdir -p "$out" "$root/build/runtimes/go/cache" "$root/build/runtimes/go/path"
out=$(cd "$out" && pwd)
export GOCACHE="$root/build/runtimes/go/cache"
export GOPATH="$root/build/runtimes/go/path"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GO111MODULE=on GOWORK=off CGO_ENABLED=0
cd "$here"
log="$root/build/runtimes/go/build.log"
for p in http_server:go_http echo_server:go_echo; do
	src=${p%%:*}.go
	bin=${p##*:}
	if ! go build -trimpath -o "$out/$bin" "$src" >"$log" 2>&1; then
		echo "build.sh: go build $src failed: $(head -n 1 "$log")" >&2
		exit 1
	fi
done
