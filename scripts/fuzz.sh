#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer, leak checks)
# in their own build directory and runs every CTest test labelled "fuzz": each fuzzer runs for
# BEING_FUZZ_SECONDS on a seed corpus generated at test time. Exits non-zero on any crash, leak,
# sanitizer report or build failure; a crashing input is kept under <build>/tests/fuzz/*/artifacts/.
#
# Usage: scripts/fuzz.sh [BUILD_DIR]      (default: build-fuzz in the repository root)
# Environment: BEING_FUZZ_SECONDS (default 60)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-fuzz}"
seconds="${BEING_FUZZ_SECONDS:-60}"

for tool in clang clang++ cmake ctest; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (apt-get install clang libclang-rt-14-dev cmake)" >&2; exit 2; }
done
generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBEING_FUZZ=ON -DBEING_FUZZ_SECONDS="$seconds" -DBEING_BUILD_TESTS=ON -DBEING_BUILD_BENCH=OFF \
  -DBEING_WITH_TORCH=OFF -DBEING_WITH_CUDA=OFF -DBEING_WITH_VULKAN=OFF -DBEING_WITH_FFMPEG=OFF \
  -DBEING_WITH_OPENCV=OFF -DBEING_WITH_SDL2=OFF -DBEING_WITH_OPENAL=OFF -DBEING_WITH_IMGUI=OFF
cmake --build "$build" --target being_fuzz_targets
ctest --test-dir "$build" -L fuzz --output-on-failure
