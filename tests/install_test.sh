#!/bin/sh
# install_test.sh BUILD_DIR SOURCE_DIR — installs the build into a temporary prefix
# (`cmake --install BUILD --prefix TMP`) and builds tests/install/consumer.c against the INSTALLED
# files only: through pkg-config in C99 and C++11 (shared library), against the static archive
# (pkg-config --static), and through find_package(pixeen) in a separate CMake project; runs each.
# Environment: CC, CXX (the build's compilers), PIXEEN_CONSUMER_FLAGS (e.g. the sanitizer flags
# a sanitized library's consumers need).
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name pixeen.pc)
[ -n "$pc" ] || { echo "no pixeen.pc installed"; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir pixeen)
test -f "$prefix/include/pixeen/pixeen.h"
test -e "$libdir/libpixeen.so" && test -e "$libdir/libpixeen.a"
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

consumer=$src/tests/install/consumer.c
cc=${CC:-cc}
cxx=${CXX:-}
[ -n "$cxx" ] || ! command -v c++ >/dev/null 2>&1 || cxx=c++
flags=${PIXEEN_CONSUMER_FLAGS:-}
# shellcheck disable=SC2046 # pkg-config output is meant to be split
$cc $flags -std=c99 -Wall -Wextra -Werror -pedantic "$consumer" $(pkg-config --cflags --libs pixeen) -o "$tmp/c"
LD_LIBRARY_PATH=$libdir "$tmp/c"
if [ -n "$cxx" ]; then
  # shellcheck disable=SC2046
  $cxx $flags -std=c++11 -Wall -Wextra -Werror -x c++ "$consumer" -x none $(pkg-config --cflags --libs pixeen) -o "$tmp/cxx"
  LD_LIBRARY_PATH=$libdir "$tmp/cxx"
else
  echo "install test: no C++ compiler: the C++ consumer is not built (the header's C++ validity is unchecked)"
fi
# the static archive is self-contained: only system libraries besides it
# shellcheck disable=SC2046
$cc $flags -std=c99 "$consumer" $(pkg-config --cflags pixeen) "$libdir/libpixeen.a" \
  $(pkg-config --static --libs pixeen | sed 's/-lpixeen//') -o "$tmp/static"
"$tmp/static"

cmake -S "$src/tests/install" -B "$tmp/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/cmake/consumer_c"
[ ! -e "$tmp/cmake/consumer_cxx" ] || LD_LIBRARY_PATH=$libdir "$tmp/cmake/consumer_cxx"
echo "install test: ok"
