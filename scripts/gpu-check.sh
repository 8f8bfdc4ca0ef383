#!/usr/bin/env bash
# The GPU machine's check, in one command (docs/BUILDING.md): configure the whole tree with what
# .device provides, build every target that can be built there, run every test (tests that need
# ../shared skip), compute-sanitizer on the CUDA rasterizer, and the GPU benchmarks.
#   scripts/device-pack.sh                      # once, on the development machine
#   run: source .device/env.sh && scripts/gpu-check.sh
# BUILD picks the build directory (default /tmp/build); PROFILE=1 adds per-kernel times (ncu).
# The log is copied to $OUT when the device tool sets it.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-/tmp/build}
LOG=${OUT:-/tmp}/gpu-check.log
status=0
source scripts/gpu-common.sh
# The validation layer comes from .device (vulkan-validationlayers); the loader only finds it here.
export VK_LAYER_PATH=/opt/sysroot/usr/share/vulkan/explicit_layer.d
{
  gpu_configure_and_build || status=1
  echo "== ctest"
  BEING_SKIP_SHARED=1 BEING_VULKAN_DEVICE=nvidia BEING_VULKAN_VALIDATION=1 \
    ctest --test-dir "$BUILD" --output-on-failure -j 8 || status=1
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  for tool in memcheck racecheck; do
    echo "== compute-sanitizer --tool $tool"
    "$sanitizer" --tool "$tool" --error-exitcode 3 "$BUILD/tests/kernels/splat_cuda_test" \
      --gtest_filter='*MatchesCpuReference/37x29*:*MatchesCpuReference/250x170*' --gtest_brief=1 || status=1
  done
  echo "== bench_rasterizer"
  "$BUILD/bench/bench_rasterizer" || status=1
  echo "== bench_sort"
  BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_sort" --iterations 20 || status=1
  BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_sort" --iterations 20 --key-bits 16 || status=1
  echo "== bench_render"
  for n in 10000 100000; do BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_render" --count $n --iterations 50 || status=1; done
  echo "== bench_audio_to_frame"
  for n in 0 100000; do
    BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_audio_to_frame" --gaussians $n --seconds 20 || status=1
    BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_audio_to_frame" --gaussians $n --seconds 20 --read-back || status=1
    BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_audio_to_frame" --gaussians $n --seconds 20 --cuda-deform || status=1
    BEING_VULKAN_DEVICE=nvidia "$BUILD/bench/bench_audio_to_frame" --gaussians $n --seconds 20 --cuda-interop || status=1
  done
  echo "== bench_face_analysis"
  if [ -f "${BEING_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/being/models}/mediapipe_face/face_detector.tflite" ]; then
    for b in 1 8 32; do "$BUILD/bench/bench_face_analysis" --device cuda --batch $b --iterations 20 || status=1; done
  else
    echo "skipped: no model cache (set BEING_MODEL_CACHE to a folder with mediapipe_face/ and mediapipe_segmentation/)"
  fi
  if [ "${PROFILE:-0}" = 1 ]; then
    echo "== per-kernel times (ncu), 100k Gaussians at 512x512, one forward+backward"
    ncu --clock-control none --metrics gpu__time_duration.sum "$BUILD/bench/bench_rasterizer" \
      --gaussians 100000 --sizes 512 --runs 1 --warmup 0 2>&1 | grep -E "^  [a-z_]|gpu__time_duration" || true
  fi
  exit $status
} 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
