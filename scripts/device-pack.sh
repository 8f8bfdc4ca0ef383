#!/usr/bin/env bash
# Fills .device/ for a run on the GPU machine: the shared packer plus the Debian packages Being's
# GPU-side build needs beyond it (docs/BUILDING.md). Run from anywhere in the checkout.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
packer=${BEING_DEVICE_PACK:-$root/../shared/device/pack}
[ -x "$packer" ] || { echo "device-pack: $packer not found (set BEING_DEVICE_PACK)" >&2; exit 1; }
exec "$packer" libkissfft-dev libkissfft-float131 libssl-dev libssl3 vulkan-validationlayers
