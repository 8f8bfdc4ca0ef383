#version 450
// Pass 4, one invocation per intersection of the tile-sorted list: each tile's [begin, end) range
// in it, found where the tile id changes. Tiles without Gaussians keep the (0, 0) the range buffer
// was cleared to.
#include "splat_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 1) readonly buffer Counters { uint counters[]; };
layout(std430, binding = 2) readonly buffer TileKeys { uint tile_keys[]; };
layout(std430, binding = 3) buffer Ranges { uvec2 ranges[]; };

void main() {
  const uint total = counters[0];
  for (uint k = gl_GlobalInvocationID.x; k < total; k += gl_NumWorkGroups.x * GROUP) {
    const uint tile = tile_keys[k];
    if (k == 0u || tile_keys[k - 1u] != tile) ranges[tile].x = k;
    if (k + 1u == total || tile_keys[k + 1u] != tile) ranges[tile].y = k + 1u;
  }
}
