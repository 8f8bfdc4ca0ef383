#version 450
// Pass step 1: how many keys of each digit every tile holds, stored digit-major
// (block_counts[digit * block_count + tile]) so that one exclusive scan over the whole array gives
// each (digit, tile) its first output position, tiles in input order.
#include "radix_sort_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Keys { uint keys[]; };
layout(std430, binding = 1) writeonly buffer BlockCounts { uint block_counts[]; };

shared uint s_counts[RADIX];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint block = gl_WorkGroupID.x;
  if (t < RADIX) s_counts[t] = 0u;
  barrier();
  const uint base = block * TILE;
  for (uint i = 0u; i < ITEMS; ++i) {
    const uint index = base + i * WORKGROUP + t;
    if (index < params.count) atomicAdd(s_counts[digit_of(keys[index])], 1u);
  }
  barrier();
  if (t < RADIX) block_counts[t * params.block_count + block] = s_counts[t];
}
