#version 450
// Pass step 2: exclusive prefix sum of block_counts in place, by one workgroup. The array is small
// (RADIX entries per tile: 8192 for a million keys), so each invocation sums a contiguous chunk
// serially and only the chunk sums are scanned in shared memory.
#include "radix_sort_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 0) buffer BlockCounts { uint block_counts[]; };

shared uint s_sums[2][WORKGROUP];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint total = params.block_count * RADIX;
  const uint chunk = (total + WORKGROUP - 1u) / WORKGROUP;
  const uint begin = min(t * chunk, total);
  const uint end = min(begin + chunk, total);

  uint sum = 0u;
  for (uint i = begin; i < end; ++i) sum += block_counts[i];

  // Hillis-Steele inclusive scan of the chunk sums; double buffering needs one barrier per step.
  uint inclusive = sum;
  uint ping = 0u;
  for (uint offset = 1u; offset < WORKGROUP; offset <<= 1u) {
    s_sums[ping][t] = inclusive;
    barrier();
    if (t >= offset) inclusive += s_sums[ping][t - offset];
    ping ^= 1u;
  }

  uint running = inclusive - sum;
  for (uint i = begin; i < end; ++i) {
    const uint c = block_counts[i];
    block_counts[i] = running;
    running += c;
  }
}
