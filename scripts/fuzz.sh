#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang and runs each for a bounded time,
# starting from its seed corpus in tests/data/corpus/<parser>/ (copied: the repo is not written).
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-30}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
GENERATOR=""
command -v ninja >/dev/null 2>&1 && GENERATOR="-G Ninja"
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" $GENERATOR -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIXEEN_FUZZ=ON >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.c 2>/dev/null | sed 's/\.c$//')
[ -n "$targets" ] || { echo "fuzz: no targets"; exit 0; }
cmake --build "$BUILD_DIR" -j "$(nproc)" --target $targets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
for t in $targets; do
  parser=${t#fuzz_}
  mkdir -p "$work/$parser"
  [ -d "tests/data/corpus/$parser" ] && cp -r "tests/data/corpus/$parser/." "$work/$parser/"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  "$BUILD_DIR/tests/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/" "$work/$parser" 2>"$work/$t.log" || {
    tail -40 "$work/$t.log"; echo "fuzz: $t FAILED"; exit 1; }
  grep -E "^(#[0-9]+.*DONE|Done)" "$work/$t.log" | tail -1 || true
done
echo "fuzz: all targets ran without findings"
