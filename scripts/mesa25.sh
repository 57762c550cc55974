#!/bin/sh
# Makes Mesa 25's lavapipe (Debian bookworm-backports) available next to the system driver, without
# installing it: the packages are downloaded with a private apt configuration and unpacked into
# DIR (default: build/mesa25). Prints the environment that selects it, for `eval`:
#
#   eval "$(scripts/mesa25.sh)"        # then ./build/pixeen devices, ctest, pixeen bench ...
#
# Users on current distributions run Mesa 24-25; Debian 12's own driver is Mesa 22.3. The two differ
# in speed and in what their SPIR-V readers warn about, so the tests run on both (.ci/run).
# The system's LLVM 15 is reused; only libdrm needs the newer version (>= 2.4.121).
set -eu
cd "$(dirname "$0")/.."
DIR=${1:-build/mesa25}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ICD="$DIR/lvp_icd.json"
LIB="$DIR/root/usr/lib/x86_64-linux-gnu"

if [ ! -f "$ICD" ]; then
  APT="$DIR/apt"
  mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$DIR/debs"
  echo "deb http://deb.debian.org/debian bookworm-backports main" >"$APT/sources.list"
  opts="-o Dir::Etc::SourceList=$APT/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$APT/lists
        -o Dir::Cache::Archives=$APT/archives -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
  # shellcheck disable=SC2086
  apt-get $opts update -qq >&2
  # shellcheck disable=SC2086
  (cd "$DIR/debs" && apt-get $opts download -qq mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 >&2)
  for deb in "$DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$DIR/root"; done
  src=$(ls "$DIR"/root/usr/share/vulkan/icd.d/lvp_icd*.json | head -n 1)
  # The packaged ICD names the library by its installed path; point it at the unpacked copy.
  sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$LIB/libvulkan_lvp.so\"#" "$src" >"$ICD.tmp"
  mv "$ICD.tmp" "$ICD"
fi
echo "export VK_ICD_FILENAMES='$ICD' VK_DRIVER_FILES='$ICD' LD_LIBRARY_PATH='$LIB'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
