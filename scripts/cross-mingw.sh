#!/bin/sh
# Cross-builds libpixeen (static and DLL) and the CLI for 64-bit Windows with Debian's mingw-w64, and
# runs the tests that need no GPU under wine. What this proves and what it does not: README, "Windows
# and macOS".
#   BUILD_DIR=build-mingw   where to build (default: build-mingw)
#   PIXEEN_MINGW_NO_WINE=1  build only
# Dependencies for the Windows side: Vulkan headers, volk (source) and stb (headers) are copied from
# the host's Debian packages (they are platform-neutral); libsodium and cJSON have no mingw package in
# Debian, so their Debian source packages are fetched with `apt-get source` (a private deb-src list;
# the system's apt configuration is untouched) and compiled as static libraries by
# cmake/mingw/deps/CMakeLists.txt. Nothing else comes from outside Debian.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build-mingw}
mkdir -p "$BUILD_DIR"
BUILD=$(cd "$BUILD_DIR" && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# 1. Toolchain and wine (the win32-threads compiler only: Pixeen uses no threads library).
PACKAGES="gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev"
[ "${PIXEEN_MINGW_NO_WINE:-0}" = 1 ] || PACKAGES="$PACKAGES wine64"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "cross-mingw: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 2. libsodium and cJSON from Debian's source packages, built once per version into the prefix.
PREFIX=$BUILD/prefix
SRC=$BUILD/deps-src
STAMP=$PREFIX/.deps-libsodium-1.0.18-1+deb12u1-cjson-1.7.15-1+deb12u4
if [ ! -e "$STAMP" ]; then
  rm -rf "$SRC" "$PREFIX" "$BUILD/deps-build"
  mkdir -p "$SRC/apt/lists/partial"
  cat > "$SRC/apt/deb-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  APT="-q -o Dir::Etc::SourceList=$SRC/apt/deb-src.sources -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$SRC/apt/lists -o APT::Sandbox::User=root"
  # shellcheck disable=SC2086 # APT is a list of options
  apt-get $APT update >/dev/null
  # shellcheck disable=SC2086
  (cd "$SRC" && apt-get $APT source --download-only libsodium=1.0.18-1+deb12u1 cjson=1.7.15-1+deb12u4 >/dev/null)
  for pkg in libsodium-1.0.18:libsodium_1.0.18 cJSON-1.7.15:cjson_1.7.15; do
    dir=${pkg%%:*}; base=${pkg#*:}
    tar -xzf "$SRC/$base.orig.tar.gz" -C "$SRC"
    tar -xJf "$SRC/${base}-"*.debian.tar.xz -C "$SRC/$dir"
    # Debian's patches (security fixes), in the order of their series file.
    while read -r patch; do
      case $patch in ''|'#'*) continue ;; esac
      patch -s -d "$SRC/$dir" -p1 < "$SRC/$dir/debian/patches/$patch"
    done < "$SRC/$dir/debian/patches/series"
  done
  GENERATOR=""
  command -v ninja >/dev/null 2>&1 && GENERATOR="-G Ninja"
  # shellcheck disable=SC2086
  PIXEEN_MINGW_PREFIX=$PREFIX cmake -S cmake/mingw/deps -B "$BUILD/deps-build" $GENERATOR \
    -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/mingw/toolchain-x86_64-w64-mingw32.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DSODIUM_SOURCE_DIR="$SRC/libsodium-1.0.18" \
    -DCJSON_SOURCE_DIR="$SRC/cJSON-1.7.15" >/dev/null
  cmake --build "$BUILD/deps-build" -j 2 >/dev/null
  cmake --install "$BUILD/deps-build" >/dev/null
  # Header-only and source dependencies, copied (never the host's whole /usr/include: glibc's headers
  # must not shadow mingw's).
  cp -r /usr/include/vulkan /usr/include/vk_video "$PREFIX/include/"
  cp /usr/include/volk.h /usr/include/volk.c "$PREFIX/include/"
  cp -r /usr/include/stb "$PREFIX/include/"
  touch "$STAMP"
fi

# 3. Pixeen: library, DLL, CLI and the GPU-free tests.
GENERATOR=""
command -v ninja >/dev/null 2>&1 && GENERATOR="-G Ninja"
export PIXEEN_MINGW_PREFIX="$PREFIX"
# shellcheck disable=SC2086
PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig PKG_CONFIG_PATH="" cmake -S . -B "$BUILD/pixeen" $GENERATOR \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/mingw/toolchain-x86_64-w64-mingw32.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIXEEN_WERROR=ON -DPIXEEN_EXAMPLES=OFF >/dev/null
# test_vault_file and test_vault_passphrase are left out: they drive POSIX itself (RLIMIT_FSIZE,
# pipes, a pseudo-terminal and fork).
TESTS="test_core test_npy test_tokenizer test_prompt_weights test_safetensors test_rng test_sampler test_schedule
       test_vault_age test_vault_png test_gguf test_lora_file"
# shellcheck disable=SC2086
cmake --build "$BUILD/pixeen" -j 2 --target pixeen_static pixeen_shared pixeen $TESTS
echo "cross-mingw: built $(cd "$BUILD/pixeen" && ls src/*.exe src/*.dll src/*.a 2>/dev/null | tr '\n' ' ')"

# 4. Under wine: the tests that need no GPU (no Vulkan loader is installed in the wine prefix, so
# tests that would create a context skip their GPU part, exactly as on a machine without a device).
if [ "${PIXEEN_MINGW_NO_WINE:-0}" = 1 ]; then exit 0; fi
WINE=$(command -v wine64 || command -v wine || true)
[ -n "$WINE" ] || { [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64; }
[ -n "$WINE" ] || { echo "cross-mingw: wine not found"; exit 1; }
export WINEPREFIX="$BUILD/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export PIXEEN_TEST_DATA="$ROOT/tests/data" PIXEEN_SHARED_DIR="$ROOT/../shared" PIXEEN_TEST_BIN="$BUILD/pixeen"
export XDG_DATA_HOME="$BUILD/test-data-home"
# One wineserver for the whole run, and the prefix made before the first test: a test whose wine
# client connected while the previous wineserver was exiting (or while the first run's prefix setup
# restarted it) once failed with "recvmsg: Connection reset by peer" though the test itself passed.
WINESERVER=$(command -v wineserver64 || command -v wineserver || echo /usr/lib/wine/wineserver64)
mkdir -p "$WINEPREFIX"
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
"$WINE" wineboot -i > "$BUILD/wineboot.log" 2>&1 || { echo "cross-mingw: wineboot failed:"; tail -5 "$BUILD/wineboot.log"; exit 1; }
passed=0; failed=0; skipped=0
for t in $TESTS; do
  rc=0
  "$WINE" "$BUILD/pixeen/tests/$t.exe" > "$BUILD/$t.log" 2>&1 || rc=$?
  case $rc in
    0) passed=$((passed + 1)); echo "wine: $t passed" ;;
    77) skipped=$((skipped + 1)); echo "wine: $t skipped: $(tail -1 "$BUILD/$t.log")" ;;
    *) failed=$((failed + 1)); echo "wine: $t FAILED (exit $rc):"; tail -20 "$BUILD/$t.log" ;;
  esac
done
echo "wine: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
