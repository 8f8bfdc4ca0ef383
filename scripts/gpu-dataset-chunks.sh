#!/usr/bin/env bash
# Splits a dataset (bake ingest) into git-ignored folders of at most MAX_MB each, so that it can travel
# to the GPU machine, whose device tool carries at most 64 MiB per call. Only what bake train and bake
# eval read goes: frames, labels, the tensors, audio, features, the background and loop plates, and the
# first and last alpha (the reader checks they exist). Prints the folders to carry, one call each; on
# the machine, copy each into the same folder outside the tree (paths not carried are removed
# between calls, /tmp is kept), e.g. `cp -r .gpu-chunk-1/NAME/. /tmp/NAME/`.
#   scripts/gpu-dataset-chunks.sh DATASET NAME [MAX_MB]    (default 45: room for a small command)
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?dataset folder}
name=${2:?name on the GPU machine}
max=$(( ${3:-45} * 1024 * 1024 ))
[ -f "$dataset/dataset.json" ] || { echo "$dataset is not a finished dataset (no dataset.json)" >&2; exit 1; }
rm -rf .gpu-chunk-*
chunk=1 size=0
start_chunk() { mkdir -p ".gpu-chunk-$chunk/$name"; grep -qx "/.gpu-chunk-$chunk/" .git/info/exclude || echo "/.gpu-chunk-$chunk/" >> .git/info/exclude; }
add() {  # add FILE RELATIVE-DIR
  local bytes; bytes=$(stat -c %s "$1")
  if [ $((size + bytes)) -gt "$max" ] && [ "$size" -gt 0 ]; then chunk=$((chunk + 1)); size=0; fi
  start_chunk
  mkdir -p ".gpu-chunk-$chunk/$name/$2"
  cp "$1" ".gpu-chunk-$chunk/$name/$2/"
  size=$((size + bytes))
}
start_chunk
for f in dataset.json tracks.safetensors features.safetensors audio.wav background.png background_seen.png; do
  [ -f "$dataset/$f" ] && add "$dataset/$f" .
done
last=$(ls "$dataset/alpha" | tail -1)
add "$dataset/alpha/000000.png" alpha
add "$dataset/alpha/$last" alpha
for sub in loop_plates labels frames; do
  for f in "$dataset/$sub"/*; do add "$f" "$sub"; done
done
for d in .gpu-chunk-*; do echo "$d $(du -sh "$d" | cut -f1)"; done
