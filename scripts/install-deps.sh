#!/bin/sh
# Installs everything Pixeen needs to build and test on Debian 12 (bookworm), from Debian's archive.
# Used by the README and by .ci/run. Run as root (or it uses sudo).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PACKAGES="
  cmake ninja-build gcc clang pkg-config
  libvulkan-dev libvulkan-volk-dev glslang-tools
  libsodium-dev libstb-dev libcjson-dev
  mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libsdl2-dev
  age
"
# Only call apt-get when something is missing: a second run is instant and needs no network.
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm fetches the C2SP CCTV age test vectors; a machine with Node.js from elsewhere already has it
# (Debian's npm package would conflict with that nodejs).
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
