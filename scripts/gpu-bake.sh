#!/usr/bin/env bash
# Training on the GPU machine, in one command: build, the trainer's tests, ingest's face-analysis stage
# on CUDA (bench_ingest_analysis), then bake train and bake eval on a dataset made on the development
# machine (the GPU machine has no FFmpeg to ingest a video) and carried in an ignored folder.
#   run: source .device/env.sh && scripts/gpu-bake.sh DATASET [bake train options...]
# The avatar, the logs and the evaluation files go to $OUT (the device tool's return folder; files
# over 15 MiB are split into parts, `cat` joins them). TESTS=0 skips the trainer tests; ANALYSIS_FRAMES
# limits the face-analysis timing (default 300 frames).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-/tmp/build}
OUT=${OUT:-/tmp/gpu-bake}
mkdir -p "$OUT"
dataset=$1
shift
status=0
source scripts/gpu-common.sh
{
  gpu_configure_and_build || exit 1
  if [ "${TESTS:-1}" = 1 ]; then
    echo "== trainer tests"
    BEING_SKIP_SHARED=1 ctest --test-dir "$BUILD" --output-on-failure -j 8 -R "test_train|test_audio_model|test_eval|test_dataset" || status=1
  fi
  echo "== ingest face analysis on CUDA"
  "$BUILD/bench/bench_ingest_analysis" "$dataset" --device cuda --frames "${ANALYSIS_FRAMES:-300}" || status=1
  echo "== bake train $*"
  start=$(date +%s)
  "$BUILD/toolchain/app/bake" train "$dataset" -o "$OUT/avatar.avatar" --work "${WORK:-/tmp/bake-work}" "$@" || status=1
  echo "bake train wall time: $(( $(date +%s) - start )) s"
  if "$BUILD/toolchain/app/bake" --help | grep -q "^  eval"; then
    echo "== bake eval"
    "$BUILD/toolchain/app/bake" eval "$OUT/avatar.avatar" "$dataset" --device cuda --json "$OUT/eval.json" \
      --contact-sheet "$OUT/eval.png" || status=1
  fi
  for f in "$OUT"/*; do
    if [ "$(stat -c %s "$f")" -gt $((15 << 20)) ]; then split -b 15M "$f" "$f.part-" && rm "$f"; fi
  done
  exit $status
} 2>&1 | tee "$OUT/gpu-bake.log"
exit "${PIPESTATUS[0]}"
