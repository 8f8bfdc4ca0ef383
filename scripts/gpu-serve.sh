#!/usr/bin/env bash
# GPU machine: `being serve` end-to-end latency per session count (docs/BENCHMARKS.md, "Streaming
# server"), with bench_serve on the test avatar and on a trained avatar.
#
#   source .device/env.sh && scripts/gpu-serve.sh DATA_DIR [SESSION_COUNTS...]
#
# DATA_DIR holds libboost1.74-dev_*.deb (Boost headers: the GPU machine has none; on the development
# machine `apt-get download libboost1.74-dev` into it) and, optionally, trained .avatar files.
# Carry DATA_DIR (git-ignored) with the run, next to .device. BENCH_ARGS adds bench_serve options
# (e.g. "--render-threads 1").
set -uo pipefail
data=${1:?usage: scripts/gpu-serve.sh DATA_DIR [SESSION_COUNTS...]}
shift
counts=${*:-1 2 4 8 16 32}
build=${BUILD:-/tmp/build-serve}
if [ ! -d /opt/boost/usr/include/boost ]; then
  mkdir -p /opt/boost && dpkg -x "$data"/libboost1.74-dev_*.deb /opt/boost || { echo "gpu-serve: no Boost .deb in $data" >&2; exit 1; }
fi
export CMAKE_PREFIX_PATH=/opt/boost/usr:$CMAKE_PREFIX_PATH
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
cmake -S . -B "$build" -G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DBEING_WITH_TORCH=OFF -DBEING_WITH_CUDA=ON \
  -DBEING_WITH_VULKAN=ON -DBEING_WITH_BOOST=ON -DBEING_BUILD_TESTS=OFF >"$build.configure.log" 2>&1 || { tail -30 "$build.configure.log"; exit 1; }
cmake --build "$build" --target bench_serve >"$build.build.log" 2>&1 || { grep -E "error|FAILED" "$build.build.log" | head -30; exit 1; }
# shellcheck disable=SC2086
"$build/bench/bench_serve" --size 512 --seconds 6 --sessions $counts ${BENCH_ARGS:-}
for avatar in "$data"/*.avatar; do
  [ -f "$avatar" ] || continue
  echo "== $avatar"
  # shellcheck disable=SC2086
  "$build/bench/bench_serve" --avatar "$avatar" --size 512 --seconds 6 --sessions $counts ${BENCH_ARGS:-}
done
