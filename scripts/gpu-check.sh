#!/usr/bin/env bash
# Builds, tests and benchmarks the CUDA splatting rasterizer on the GPU machine in one command,
# printing everything (and copying the log to $OUT when the device tool sets it):
#   source .device/env.sh && scripts/gpu-check.sh
# BUILD picks the build directory (default /tmp/build); PROFILE=1 adds a per-kernel time listing
# from Nsight Compute for 100k Gaussians at 512x512.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-/tmp/build}
LOG=${OUT:-/tmp}/gpu-check.log
status=0
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  # CMAKE_POLICY_VERSION_MINIMUM: Debian's kissfft-config.cmake asks for CMake < 3.5, which CMake 4 refuses.
  options=(-G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DBEING_WITH_FFMPEG=OFF -DBEING_WITH_OPENCV=OFF -DBEING_WITH_SDL2=OFF -DBEING_WITH_OPENAL=OFF
    -DBEING_WITH_IMGUI=OFF)
  if ! cmake -S . -B "$BUILD" "${options[@]}" >"$BUILD.configure.log" 2>&1; then
    # Another module's missing dependency should not keep the rasterizer from being checked:
    # configure a project holding only the splat folders (same helpers, same options).
    grep -A3 "CMake Error" "$BUILD.configure.log"
    echo "== full-tree configure failed; configuring the splat folders alone"
    root=$(pwd)
    mkdir -p "$BUILD-src"
    cat >"$BUILD-src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(BeingSplat LANGUAGES C CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_BUILD_TYPE RelWithDebInfo)
list(APPEND CMAKE_MODULE_PATH $root/cmake)
include(BeingDependencies)
include(BeingTargets)
enable_testing()
add_subdirectory($root/kernels kernels)
add_subdirectory($root/toolchain/splat_torch toolchain/splat_torch)
add_library(being_test_support INTERFACE)
target_include_directories(being_test_support INTERFACE $root/tests/support)
target_link_libraries(being_test_support INTERFACE GTest::gtest)
target_compile_definitions(being_test_support INTERFACE BEING_TEST_SHARED_DIR="\${BEING_SHARED_DIR}"
  BEING_TEST_SOURCE_DIR="$root" BEING_TEST_BINARY_DIR="\${PROJECT_BINARY_DIR}")
add_subdirectory($root/tests/kernels tests/kernels)
add_subdirectory($root/bench bench)
CMAKE
    rm -rf "$BUILD"
    cmake -S "$BUILD-src" -B "$BUILD" "${options[@]}" >"$BUILD.configure.log" 2>&1 ||
      { cat "$BUILD.configure.log"; exit 1; }
  fi
  cmake --build "$BUILD" --target being_splat_cuda being_splat_torch splat_cpu_test splat_cuda_test \
    splat_torch_test bench_rasterizer || exit 1
  BEING_SKIP_SHARED=1 ctest --test-dir "$BUILD" -R '^splat_' --output-on-failure || status=1
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  for tool in memcheck racecheck; do
    echo "== compute-sanitizer --tool $tool"
    "$sanitizer" --tool "$tool" --error-exitcode 3 "$BUILD/tests/kernels/splat_cuda_test" \
      --gtest_filter='*MatchesCpuReference/37x29*:*MatchesCpuReference/250x170*' --gtest_brief=1 || status=1
  done
  echo "== bench_rasterizer"
  "$BUILD/bench/bench_rasterizer" || status=1
  if [ "${PROFILE:-0}" = 1 ]; then
    echo "== per-kernel times (ncu), 100k Gaussians at 512x512, one forward+backward"
    ncu --clock-control none --metrics gpu__time_duration.sum "$BUILD/bench/bench_rasterizer" \
      --gaussians 100000 --sizes 512 --runs 1 --warmup 0 2>&1 | grep -E "^  [a-z_]|gpu__time_duration" || true
  fi
  exit $status
} 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
