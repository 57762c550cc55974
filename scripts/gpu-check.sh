#!/bin/sh
# The real-GPU check: one prepared run of at most ~8 minutes on a machine with a GPU driver but none of
# our build dependencies (no compiler packages, no network).
#
#   scripts/gpu-check.sh prepare       # here (Debian 12): Release build, then everything the run needs
#                                      # gathered into .gpu-check/ (binaries, runtime libraries, the
#                                      # Khronos validation layer), about 30 MiB (.gitignore lists it)
#   scripts/gpu-check.sh run [OUTDIR]  # there, from the repository root (OUTDIR: $OUT, else gpu-check-out)
#
# The run lists the devices, runs the GPU tests with the validation layer on (real drivers enforce the
# limits lavapipe forgives, and run subgroups of 32 or 64), `pixeen bench --quick --json`, and a timed
# full-size SD 1.5 (random weights, made there) 512x512 x 20-step generation with the per-operator GPU
# profile (GPU_CHECK_SIZE / GPU_CHECK_STEPS shrink it for a smoke run on lavapipe). Results: OUTDIR/{summary.txt,devices.txt,tests.txt,bench.json,bench.txt,generate.txt}.
set -eu
cd "$(dirname "$0")/.."
KIT=.gpu-check

prepare() {
  scripts/install-deps.sh
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-gpu -j "$(nproc)"
  rm -rf "$KIT"
  mkdir -p "$KIT/bin" "$KIT/tests" "$KIT/lib" "$KIT/layers"
  cp build-gpu/src/pixeen build-gpu/tools/make_test_model "$KIT/bin/"
  for t in build-gpu/tests/test_gpu build-gpu/tests/test_op_* build-gpu/tests/test_models_parity \
           build-gpu/tests/test_pipeline_parity build-gpu/tests/test_api_generate; do
    [ -x "$t" ] && cp "$t" "$KIT/tests/"
  done
  strip "$KIT"/bin/* "$KIT"/tests/*
  # The runtime libraries as Debian 12 builds them (the GPU machine's own may be absent or older).
  for l in libvulkan.so.1 libsodium.so.23 libcjson.so.1; do cp -L "/usr/lib/x86_64-linux-gnu/$l" "$KIT/lib/"; done
  cp /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$KIT/layers/"
  sed 's#"library_path": *"[^"]*"#"library_path": "./libVkLayer_khronos_validation.so"#' \
    /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json >"$KIT/layers/VkLayer_khronos_validation.json"
  du -sh "$KIT"
  echo "gpu-check: ready; carry $KIT and run: sh scripts/gpu-check.sh run"
}

# Runs "$@" with a time limit, appending its output to a log; never stops the whole check.
step() {
  log=$1 limit=$2
  shift 2
  echo "\$ $*" >>"$log"
  start=$(date +%s)
  if timeout "$limit" "$@" >>"$log" 2>&1; then rc=0; else rc=$?; fi
  echo "[exit $rc, $(( $(date +%s) - start )) s]" >>"$log"
  return 0
}

run() {
  out=${1:-${OUT:-gpu-check-out}}
  mkdir -p "$out"
  [ -x "$KIT/bin/pixeen" ] || { echo "gpu-check: no $KIT (run 'scripts/gpu-check.sh prepare' first and carry it)"; exit 2; }
  root=$(pwd)
  export LD_LIBRARY_PATH="$root/$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export VK_LAYER_PATH="$root/$KIT/layers"
  # Where the system loader config does not name the NVIDIA driver, point at it directly.
  nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nv" ]; then export VK_DRIVER_FILES="$nv"; fi
  export XDG_CACHE_HOME=/tmp/pixeen-gpu-check-cache
  P="$root/$KIT/bin/pixeen"
  summary="$out/summary.txt"
  : >"$summary"

  step "$out/devices.txt" 30 "$P" devices
  cat "$out/devices.txt" >>"$summary"

  # GPU tests, validation on: a test fails on any validation message.
  : >"$out/tests.txt"
  for t in "$KIT"/tests/*; do
    PIXEEN_VALIDATION=1 PIXEEN_TEST_DATA="$root/tests/data" PIXEEN_TEST_QUICK=1 step "$out/tests.txt" 120 "$t"
  done
  echo "tests: $(grep -c '^\[exit 0,' "$out/tests.txt") of $(ls "$KIT"/tests | wc -l) passed" >>"$summary"
  grep '^\[exit [^0]' -B3 "$out/tests.txt" >>"$summary" || true

  step "$out/bench.txt" 150 "$P" bench --quick --json "$out/bench.json"
  tail -n 40 "$out/bench.txt" >>"$summary"

  # Full-size SD 1.5 layout with random weights (the same code loads real checkpoints).
  # Its tokenizer (the real vocabulary size) is written beside the file.
  mkdir -p /tmp/pixeen-sd15
  model=/tmp/pixeen-sd15/sd15.safetensors
  [ -f "$model" ] || step "$out/generate.txt" 120 "$KIT/bin/make_test_model" --config sd15 --layout single --dtype f16 "$model"
  for run_no in cold warm; do
    echo "--- $run_no" >>"$out/generate.txt"
    PIXEEN_PROFILE=1 step "$out/generate.txt" 150 "$P" generate -m "$model" -p "a lighthouse at dawn" \
      -W "${GPU_CHECK_SIZE:-512}" -H "${GPU_CHECK_SIZE:-512}" --steps "${GPU_CHECK_STEPS:-20}" --seed 1 -v
  done
  tail -n 60 "$out/generate.txt" >>"$summary"
  cat "$summary"
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/gpu-check.sh prepare | run [OUTDIR]"; exit 2 ;;
esac
