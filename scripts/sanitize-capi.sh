#!/usr/bin/env bash
# Builds libbeing and its C API tests with clang's AddressSanitizer + UndefinedBehaviorSanitizer
# (leak checks on) in their own build directory, and runs them on the default Vulkan device
# (lavapipe in CI). Exits non-zero on any build failure, test failure or sanitizer report.
# The C API is where foreign callers' pointers and sizes enter the runtime: this is the check that
# its argument checks hold and that nothing leaks or overflows behind them.
#
# Usage: scripts/sanitize-capi.sh [BUILD_DIR]      (default: build-sanitize-capi in the repository root)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-sanitize-capi}"

for tool in clang clang++ cmake ctest; do
  command -v "$tool" >/dev/null || { echo "sanitize-capi.sh: $tool not found (apt-get install clang libclang-rt-14-dev cmake)" >&2; exit 2; }
done
generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="-O1 $sanitize" -DCMAKE_CXX_FLAGS="-O1 $sanitize" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitize" -DCMAKE_SHARED_LINKER_FLAGS="$sanitize" \
  -DBEING_BUILD_TESTS=ON -DBEING_BUILD_BENCH=OFF \
  -DBEING_WITH_TORCH=OFF -DBEING_WITH_CUDA=OFF -DBEING_WITH_VULKAN=ON -DBEING_WITH_FFMPEG=OFF \
  -DBEING_WITH_OPENCV=OFF -DBEING_WITH_SDL2=OFF -DBEING_WITH_OPENAL=OFF -DBEING_WITH_IMGUI=OFF \
  -DBEING_WITH_BOOST=OFF
cmake --build "$build" --target test_capi_errors test_capi_player test_avatar

# The Vulkan driver and loader are not built with the sanitizers; what they keep until exit is theirs.
export LSAN_OPTIONS="suppressions=$root/scripts/sanitize-capi.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$build" -R '^test_capi_(errors|player)\.' --output-on-failure
