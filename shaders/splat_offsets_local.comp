#version 450
// Pass 2a: each Gaussian's first slot in the tile-intersection list, within its block of
// SCAN_BLOCK Gaussians taken in depth order (exclusive prefix sum of the tile counts), and
// each block's total. splat_offsets_blocks.comp then scans the block totals.
#include "splat_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 1) readonly buffer Rects { uvec4 rects[]; };
layout(std430, binding = 2) readonly buffer SortedIds { uint sorted_ids[]; };  // Gaussians by depth
layout(std430, binding = 3) writeonly buffer LocalOffsets { uint local_offsets[]; };
layout(std430, binding = 4) writeonly buffer BlockSums { uint block_sums[]; };

shared uint s_sums[2][GROUP];

uint tiles_of(uint position) {
  if (position >= frame.counts.x) return 0u;
  const uvec4 r = rects[sorted_ids[position]];
  return (r.z - r.x) * (r.w - r.y);
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint blocks = (frame.counts.x + SCAN_BLOCK - 1u) / SCAN_BLOCK;
  for (uint block = gl_WorkGroupID.x; block < blocks; block += gl_NumWorkGroups.x) {
    const uint first = block * SCAN_BLOCK + t * SCAN_ITEMS;
    uint counts[SCAN_ITEMS];
    uint sum = 0u;
    for (uint k = 0u; k < SCAN_ITEMS; ++k) {
      counts[k] = tiles_of(first + k);
      sum += counts[k];
    }
    // Hillis-Steele inclusive scan of the per-invocation sums (double-buffered).
    uint inclusive = sum;
    uint ping = 0u;
    for (uint offset = 1u; offset < GROUP; offset <<= 1u) {
      s_sums[ping][t] = inclusive;
      barrier();
      if (t >= offset) inclusive += s_sums[ping][t - offset];
      ping ^= 1u;
    }
    uint running = inclusive - sum;
    for (uint k = 0u; k < SCAN_ITEMS; ++k) {
      if (first + k < frame.counts.x) local_offsets[first + k] = running;
      running += counts[k];
    }
    if (t == GROUP - 1u) block_sums[block] = inclusive;
    barrier();  // s_sums is reused by the next block
  }
}
