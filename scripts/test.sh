#!/usr/bin/env bash
# The test command: builds what changed and runs the whole suite, then fuzzes the asset loader and
# runs the C API tests under ASan/UBSan.
# Run scripts/setup.sh once before (packages, model cache). CI runs exactly this script.
#   BEING_BUILD_DIR   build directory (default build/)
#   BEING_SKIP_FUZZ=1 skip the libFuzzer run (it needs clang and takes about a minute)
#   BEING_SKIP_SANITIZE=1 skip the ASan/UBSan build and run of the C API tests (scripts/sanitize-capi.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${BEING_BUILD_DIR:-$root/build}
jobs=${BEING_JOBS:-$(nproc)}

if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$dir" -G Ninja ${BEING_CMAKE_ARGS:-}
fi
cmake --build "$dir" --parallel "$jobs"
ctest --test-dir "$dir" --output-on-failure --parallel "$jobs"

if [ "${BEING_SKIP_FUZZ:-0}" != 1 ]; then
  "$root/scripts/fuzz.sh"
fi

if [ "${BEING_SKIP_SANITIZE:-0}" != 1 ]; then
  "$root/scripts/sanitize-capi.sh"
fi
