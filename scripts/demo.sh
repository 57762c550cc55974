#!/bin/sh
# The first command of the README: installs the Debian packages, builds Pixeen, and runs it.
# (Until the generation pipeline lands this shows the devices Pixeen sees and would use.)
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
GENERATOR=""
command -v ninja >/dev/null 2>&1 && GENERATOR="-G Ninja"
cmake -S . -B "$BUILD_DIR" $GENERATOR -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
"$BUILD_DIR/src/pixeen" devices
