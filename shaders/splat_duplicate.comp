#version 450
// Pass 3, one invocation per Gaussian in depth order: write one (tile id, Gaussian) pair per tile
// it touches, at its slot from the offset scan. The list comes out in depth order, so a stable sort
// by tile id leaves every tile's Gaussians front to back (ties by index, like the reference).
#include "splat_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 1) readonly buffer Rects { uvec4 rects[]; };
layout(std430, binding = 2) readonly buffer SortedIds { uint sorted_ids[]; };
layout(std430, binding = 3) readonly buffer LocalOffsets { uint local_offsets[]; };
layout(std430, binding = 4) readonly buffer BlockOffsets { uint block_offsets[]; };
layout(std430, binding = 5) writeonly buffer TileKeys { uint tile_keys[]; };
layout(std430, binding = 6) writeonly buffer TileValues { uint tile_values[]; };

void main() {
  const uint n = frame.counts.x;
  for (uint j = gl_GlobalInvocationID.x; j < n; j += gl_NumWorkGroups.x * GROUP) {
    const uint id = sorted_ids[j];
    const uvec4 r = rects[id];
    uint slot = local_offsets[j] + block_offsets[j / SCAN_BLOCK];
    for (uint ty = r.y; ty < r.w; ++ty) {
      for (uint tx = r.x; tx < r.z; ++tx) {
        tile_keys[slot] = ty * frame.size.z + tx;
        tile_values[slot] = id;
        ++slot;
      }
    }
  }
}
