#!/bin/sh
# Runs one test program with the suite's defaults for the variables a caller may set:
#   XDG_CACHE_HOME          Pixeen's pipeline cache; default: the build's test-cache folder
#   MESA_SHADER_CACHE_DIR   Mesa's shader cache; default: where Mesa itself would put it for the
#                           caller (so the plain and sanitizer builds share lavapipe's compiles)
# A value the caller set wins; nothing is ever written into the source tree.
# Usage: test_env.sh BUILD_DIR PROGRAM [ARGS...]
set -eu
build=$1
shift
if [ -z "${MESA_SHADER_CACHE_DIR:-}" ]; then
  home_cache=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}}
  MESA_SHADER_CACHE_DIR=${home_cache:-$build/test-cache}
  export MESA_SHADER_CACHE_DIR
fi
mkdir -p "$MESA_SHADER_CACHE_DIR" 2>/dev/null || true
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$build/test-cache}"
exec "$@"
