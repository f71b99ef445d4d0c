#!/bin/sh
# tests/runtimes/rust/build.sh OUTDIR
#
# Builds the Rust corpus (tokio 1.24 / mio 0.8 programs, see README.md) in
# release mode, fully offline, against Debian's packaged crates in
# /usr/share/cargo/registry, and copies the binaries to OUTDIR.  Needs only
#     apt-get install cargo rustc librust-tokio-dev librust-mio-dev
# Uses /usr/bin/cargo and /usr/bin/rustc (not a rustup toolchain), unless
# LOOPSCOPE_CARGO / LOOPSCOPE_RUSTC name others.  CARGO_HOME and the target
# dir live under build/runtimes/rust/ of the repository.  V=1: cargo's
# full output.
#
# The sources are copied (mtimes kept) to build/runtimes/rust/src and built
# there, so the tree is never written to: the committed Cargo.lock is used
# when it resolves against the local registry, and re-resolved (in the copy
# only) when the registry holds other versions.
set -eu

me=tests/runtimes/rust/build.sh
bins="tokio_echo mio_echo mio_waker tokio_half_duplex tokio_nested tokio_blocking tokio_client"
die() { echo "$me: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $me OUTDIR" >&2; exit 2; }
out=$1

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$root/build/runtimes/rust
registry=/usr/share/cargo/registry
cargo=${LOOPSCOPE_CARGO:-/usr/bin/cargo}
rustc=${LOOPSCOPE_RUSTC:-/usr/bin/rustc}
pkgs="apt-get install cargo rustc librust-tokio-dev librust-mio-dev"

[ -x "$cargo" ] || die "$cargo not found (needs: $pkgs)"
[ -x "$rustc" ] || die "$rustc not found (needs: $pkgs)"
missing=
for c in tokio-1. tokio-macros-1. mio-0.8. bytes-1. libc-0.2. socket2-0.4.; do
    ls -d "$registry/$c"* >/dev/null 2>&1 || missing="$missing ${c%-*}"
done
[ -z "$missing" ] || die "Debian crates missing from $registry:$missing (needs: $pkgs)"

# A private copy of the package (cp -p keeps mtimes: no needless rebuilds).
src=$build/src
mkdir -p "$src" "$out"
rm -rf "$src/src" "$src/.cargo"
cp -pR "$here/Cargo.toml" "$here/src" "$here/.cargo" "$src/"
if ! cmp -s "$here/Cargo.lock" "$src/Cargo.lock.committed" 2>/dev/null; then
    cp -p "$here/Cargo.lock" "$src/Cargo.lock"
    cp -p "$here/Cargo.lock" "$src/Cargo.lock.committed"
fi

export CARGO_HOME="$build/cargo-home" CARGO_TARGET_DIR="$build/target" RUSTC="$rustc"
export PATH="$(dirname "$rustc"):$PATH"
unset RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_BUILD_TARGET 2>/dev/null || true
q=-q
[ "${V:-0}" = 1 ] && q=

cd "$src"
if ! "$cargo" build $q --release --offline --locked --bins 2>"$build/locked.err"; then
    # Another set of Debian crate versions: resolve again, in the copy.
    rm -f Cargo.lock
    "$cargo" build $q --release --offline --bins \
        || die "cargo build failed (see above; locked attempt: $build/locked.err)"
else
    cat "$build/locked.err" >&2
fi

for b in $bins; do
    [ -x "$CARGO_TARGET_DIR/release/$b" ] || die "cargo built no $b"
    cp "$CARGO_TARGET_DIR/release/$b" "$out/$b"
done
echo "$me: $(echo $bins | wc -w) binaries in $out"
