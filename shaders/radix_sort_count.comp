#version 450
// Pass step 1: how many keys of each digit every tile holds, stored digit-major
// (block_counts[digit * block_count + tile]) so that one exclusive scan over the whole array gives
// each (digit, tile) its first output position, tiles in input order.
#include "radix_sort_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Keys { uint keys[]; };
layout(std430, binding = 1) writeonly buffer BlockCounts { uint block_counts[]; };

// Invocations add into one of REPLICAS copies of the counters (by invocation index), so that keys
// with equal digits, which are common (all high digits of nearby depths agree), contend for a
// counter REPLICAS times less.
const uint REPLICAS = 8u;
shared uint s_counts[REPLICAS * RADIX];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint block = gl_WorkGroupID.x;
  if (t < REPLICAS * RADIX) s_counts[t] = 0u;
  barrier();
  const uint replica = (t % REPLICAS) * RADIX;
  const uint base = block * TILE;
  for (uint i = 0u; i < ITEMS; ++i) {
    const uint index = base + i * WORKGROUP + t;
    if (index < params.count) atomicAdd(s_counts[replica + digit_of(keys[index])], 1u);
  }
  barrier();
  if (t < RADIX) {
    uint count = 0u;
    for (uint r = 0u; r < REPLICAS; ++r) count += s_counts[r * RADIX + t];
    block_counts[t * params.block_count + block] = count;
  }
}
