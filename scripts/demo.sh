#!/bin/sh
# The README's first command: installs the Debian packages, builds Pixeen, makes the tiny demo
# model, and generates an image with it, saved encrypted to a demo identity.
#   scripts/demo.sh [MODEL]   MODEL: a real SD 1.x, SD 2.x or SDXL checkpoint (diffusers folder or .safetensors)
# The demo model has random weights: its image is coloured noise, honestly. The pipeline that runs
# it is the one that runs real checkpoints.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
GENERATOR=""
command -v ninja >/dev/null 2>&1 && GENERATOR="-G Ninja"
cmake -S . -B "$BUILD_DIR" $GENERATOR -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
PIXEEN="$BUILD_DIR/src/pixeen"
"$PIXEEN" devices

DEMO="$BUILD_DIR/demo"
mkdir -p "$DEMO"
MODEL=${1:-}
if [ -z "$MODEL" ]; then
  MODEL="$DEMO/sd15-tiny"
  [ -d "$MODEL" ] || "$BUILD_DIR/tools/make_test_model" --config sd15-tiny --layout diffusers --dtype f16 --seed 1 "$MODEL"
  echo "demo: the tiny model has random weights, so the image is noise; give a real SD 1.x, SD 2.x or SDXL checkpoint as argument for a picture"
fi
# A demo identity (a real age key) so the encrypted save needs no passphrase prompt.
[ -f "$DEMO/identity.txt" ] || "$PIXEEN" keygen -o "$DEMO/identity.txt" >/dev/null
RECIPIENT=$(sed -n 's/^# public key: //p' "$DEMO/identity.txt")
"$PIXEEN" generate -m "$MODEL" -p "a lighthouse at dawn, oil painting" -n "blurry" --steps 20 --seed 42 \
  --save "$DEMO/lighthouse.png.age" --recipient "$RECIPIENT" --force
echo "demo: saved encrypted to $DEMO/lighthouse.png.age; to look at it:"
echo "  $PIXEEN open $DEMO/lighthouse.png.age -i $DEMO/identity.txt -o lighthouse.png"
