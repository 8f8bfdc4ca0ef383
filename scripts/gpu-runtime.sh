#!/usr/bin/env bash
# GPU machine: the runtime numbers that need FFmpeg there (docs/BENCHMARKS.md, "Headless render to
# MP4" and "Long streams"): `being render` to MP4 (real-time factor including H.264/AAC encoding) and
# to the null sink, and a one-hour stream to the null sink with its resident memory sampled.
#
#   source .device/env.sh && scripts/gpu-runtime.sh DATA_DIR [renders|hour|latency]...
#
# Without parts it runs all three: MP4 and null-sink renders of 60 s, the one-hour null-sink stream,
# and bench_live_latency (mic-to-photon latency with a timed source) on both avatars.
# DATA_DIR: acosta.avatar (a trained avatar), minute.wav (60 s of speech), hour.opus (one hour).
# FFmpeg comes from .gpu-ffmpeg/ffpack.txz (scripts/gpu-ffmpeg-pack.sh), unpacked to /opt/ffpack.
set -uo pipefail
data=${1:?usage: scripts/gpu-runtime.sh DATA_DIR [renders|hour|latency]...}
shift
parts=${*:-renders hour latency}
build=${BUILD:-/tmp/build-runtime}
if [ ! -d /opt/ffpack ]; then
  [ -f .gpu-ffmpeg/ffpack.txz ] || { echo "gpu-runtime: /opt/ffpack missing and no .gpu-ffmpeg/ffpack.txz" >&2; exit 1; }
  tar xJf .gpu-ffmpeg/ffpack.txz -C /opt
fi
export PKG_CONFIG_PATH=/opt/ffpack/pkgconfig PATH=/opt/ffpack/bin:$PATH
export LD_LIBRARY_PATH=/opt/ffpack/lib:$LD_LIBRARY_PATH
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
cmake -S . -B "$build" -G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DBEING_WITH_TORCH=OFF -DBEING_WITH_CUDA=ON \
  -DBEING_WITH_VULKAN=ON -DBEING_WITH_FFMPEG=ON -DBEING_WITH_OPENCV=OFF -DBEING_WITH_SDL2=OFF -DBEING_WITH_OPENAL=OFF \
  -DBEING_WITH_IMGUI=OFF -DBEING_WITH_BOOST=OFF -DBEING_BUILD_TESTS=OFF >"$build.configure.log" 2>&1 || { tail -30 "$build.configure.log"; exit 1; }
grep -E "FFMPEG|CUDA|VULKAN" "$build.configure.log" | head -5
cmake --build "$build" --target being test_avatar bench_live_latency >"$build.build.log" 2>&1 || { grep -E "error|FAILED" "$build.build.log" | head -30; exit 1; }
being=$build/runtime/app/being
avatar=$build/assets/test.avatar

# Runs `being render ARGS...`, sampling its resident memory every 2 s; prints wall time and RSS.
timed_render() {
  local label=$1; shift
  local start end pid rss
  start=$(date +%s.%N)
  "$being" render "$@" 2>"/tmp/render.$label.log" &
  pid=$!
  : >"/tmp/rss.$label"
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$rss" ] && echo "$(date +%s.%N) $rss" >>"/tmp/rss.$label"
    sleep 2
  done
  wait "$pid"; local code=$?
  end=$(date +%s.%N)
  echo "== $label: exit $code, wall $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s; $(tr '\r' '\n' <"/tmp/render.$label.log" | grep -v '^$' | tail -1)"
  awk 'NR==1 {first=$2} {n++; v[n]=$2} END {if (n) printf "   RSS kB: first %d, 25%% %d, 50%% %d, 75%% %d, last %d (%d samples)\n", first, v[int(n/4)+1], v[int(n/2)+1], v[int(3*n/4)+1], v[n], n}' "/tmp/rss.$label"
}

for part in $parts; do
  case $part in
    renders)
      timed_render acosta-mp4 "$data/acosta.avatar" --audio "$data/minute.wav" -o /tmp/acosta.mp4 --size 512x512
      timed_render acosta-null "$data/acosta.avatar" --audio "$data/minute.wav" -o null --size 512x512
      timed_render test-mp4 "$avatar" --audio "$data/minute.wav" -o /tmp/test.mp4 --size 512x512
      timed_render test-null "$avatar" --audio "$data/minute.wav" -o null --size 512x512
      [ -n "${OUT:-}" ] && cp /tmp/acosta.mp4 "$OUT/" ;;
    hour)
      timed_render test-hour-null "$avatar" --audio "$data/hour.opus" -o null --size 512x512
      [ -n "${OUT:-}" ] && cp /tmp/rss.test-hour-null "$OUT/" ;;
    latency)
      for a in "$avatar" "$data/acosta.avatar"; do
        echo "== bench_live_latency $(basename "$a")"
        "$build/bench/bench_live_latency" --avatar "$a" --width 512 --height 512 --seconds 10 --fps 60 \
          --look-ahead 0 --look-ahead 2 --look-ahead -1 --read-back
      done ;;
    *) echo "gpu-runtime: unknown part $part (renders, hour, latency)" >&2; exit 2 ;;
  esac
done
exit 0
