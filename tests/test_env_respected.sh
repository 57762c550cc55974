#!/bin/sh
# Regression test (#15 F20): the suite's launcher keeps a caller's cache locations and never points a
# cache into the source tree. Usage: test_env_respected.sh SOURCE_DIR BUILD_DIR
set -eu
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
launch="$src/tests/test_env.sh"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The caller's values are kept as they are.
got=$(env MESA_SHADER_CACHE_DIR="$tmp/mesa" XDG_CACHE_HOME="$tmp/xdg" sh "$launch" "$build" \
      sh -c 'echo "$MESA_SHADER_CACHE_DIR|$XDG_CACHE_HOME"')
[ "$got" = "$tmp/mesa|$tmp/xdg" ] || fail "caller's MESA_SHADER_CACHE_DIR/XDG_CACHE_HOME replaced: $got"

# With only XDG_CACHE_HOME set, Mesa's cache goes where Mesa would put it for that caller.
got=$(env -u MESA_SHADER_CACHE_DIR XDG_CACHE_HOME="$tmp/xdg" sh "$launch" "$build" sh -c 'echo "$MESA_SHADER_CACHE_DIR"')
[ "$got" = "$tmp/xdg" ] || fail "Mesa cache default with XDG_CACHE_HOME set: $got"

# Nothing set: defaults, none of them inside the source tree (the build folder may sit there).
for var in MESA_SHADER_CACHE_DIR XDG_CACHE_HOME; do
  got=$(env -u MESA_SHADER_CACHE_DIR -u XDG_CACHE_HOME HOME="$tmp/home" sh "$launch" "$build" sh -c "echo \"\$$var\"")
  [ -n "$got" ] || fail "$var has no default"
  case "$got/" in "$build"/*) ;; "$src"/*) fail "$var defaults into the source tree: $got" ;; esac
done
[ ! -e "$src/.cache" ] || fail "a cache folder exists in the source tree: $src/.cache"

# Every shader declares texel buffers as textureBuffer: Mesa 25's SPIR-V reader warns on the sampled
# image type that `samplerBuffer` emits (#15 F19); the full suite on Mesa 25 is in .ci/run.
if grep -rln 'samplerBuffer' "$src/shaders"; then fail "shaders above declare samplerBuffer"; fi
echo "test_env_respected: 1 passed, 0 failed"
