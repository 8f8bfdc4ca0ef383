#version 450
// Pass 2b, one workgroup: exclusive prefix sum of the block totals in place, and the number of
// tile intersections of the frame (counters[0]; 0xffffffff when it does not fit 32 bits). There are
// few blocks (one per SCAN_BLOCK Gaussians), so each invocation sums a contiguous chunk serially.
#include "splat_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 1) buffer BlockSums { uint block_sums[]; };
layout(std430, binding = 2) writeonly buffer Counters { uint counters[]; };

shared uint s_sums[2][GROUP];

const uint SATURATED = 0xffffffffu;

uint add_saturated(uint a, uint b) {
  const uint s = a + b;
  return s < a ? SATURATED : s;
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint blocks = (frame.counts.x + SCAN_BLOCK - 1u) / SCAN_BLOCK;
  const uint chunk = (blocks + GROUP - 1u) / GROUP;
  const uint begin = min(t * chunk, blocks);
  const uint end = min(begin + chunk, blocks);

  uint sum = 0u;
  for (uint i = begin; i < end; ++i) sum = add_saturated(sum, block_sums[i]);

  uint inclusive = sum;
  uint ping = 0u;
  for (uint offset = 1u; offset < GROUP; offset <<= 1u) {
    s_sums[ping][t] = inclusive;
    barrier();
    if (t >= offset) inclusive = add_saturated(inclusive, s_sums[ping][t - offset]);
    ping ^= 1u;
  }

  uint running = inclusive == SATURATED ? SATURATED : inclusive - sum;
  for (uint i = begin; i < end; ++i) {
    const uint count = block_sums[i];
    block_sums[i] = running;
    running = add_saturated(running, count);
  }
  if (t == GROUP - 1u) counters[0] = inclusive;
}
