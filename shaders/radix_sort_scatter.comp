#version 450
// Pass step 3: every tile ranks its elements stably by digit and writes them to their sorted
// positions. Ranking uses no subgroup operations (their sizes differ between devices): each
// invocation counts the digits of its ITEMS consecutive elements in packed 16-bit counters (two
// digits per word), and a workgroup-wide scan of those counters gives every element its rank. The
// tile is then reordered in shared memory so that global writes of each digit run are contiguous.
#include "radix_sort_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer KeysIn { uint keys_in[]; };
layout(std430, binding = 1) readonly buffer ValuesIn { uint values_in[]; };
layout(std430, binding = 2) writeonly buffer KeysOut { uint keys_out[]; };
layout(std430, binding = 3) writeonly buffer ValuesOut { uint values_out[]; };
layout(std430, binding = 4) readonly buffer Offsets { uint offsets[]; };  // scanned block_counts

const uint WORDS = RADIX / 2u;

// Used twice: first for the double-buffered scan of the packed counters (2 * WORDS * WORKGROUP
// words), then for the tile's keys and values in digit order (2 * TILE words).
shared uint s_data[2u * TILE];
shared uint s_digit_start[RADIX];  // first position of each digit within the sorted tile
shared uint s_offset[RADIX];       // first output position of this tile's elements of each digit

uint field(uint word, uint digit) {
  return (word >> ((digit & 1u) * 16u)) & 0xffffu;
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint block = gl_WorkGroupID.x;
  const uint base = block * TILE;
  const uint tile_count = min(TILE, params.count - base);

  // Register arrays are only indexed by unrolled loop counters: a data-dependent index (a digit)
  // would move them to slow local memory on GPUs, so words are picked by compare-and-select.
  uint keys[ITEMS];
  uint values[ITEMS];
  uint digits[ITEMS];  // RADIX marks an element past the end
  uint packed[WORDS];
  for (uint w = 0u; w < WORDS; ++w) packed[w] = 0u;
  for (uint i = 0u; i < ITEMS; ++i) {
    const uint local_index = t * ITEMS + i;
    keys[i] = 0u;
    values[i] = 0u;
    digits[i] = RADIX;
    if (local_index < tile_count) {
      keys[i] = keys_in[base + local_index];
      values[i] = values_in[base + local_index];
      digits[i] = digit_of(keys[i]);
      const uint increment = 1u << ((digits[i] & 1u) * 16u);
      for (uint w = 0u; w < WORDS; ++w) packed[w] += (w == digits[i] >> 1u) ? increment : 0u;
    }
  }

  // Inclusive scan of the packed counters over the invocations. A digit count never exceeds TILE
  // (2048), so the 16-bit fields never carry into each other.
  uint scanned[WORDS];
  for (uint w = 0u; w < WORDS; ++w) scanned[w] = packed[w];
  uint ping = 0u;
  for (uint offset = 1u; offset < WORKGROUP; offset <<= 1u) {
    const uint half_base = ping * WORDS * WORKGROUP;
    for (uint w = 0u; w < WORDS; ++w) s_data[half_base + w * WORKGROUP + t] = scanned[w];
    barrier();
    if (t >= offset) {
      for (uint w = 0u; w < WORDS; ++w) scanned[w] += s_data[half_base + w * WORKGROUP + t - offset];
    }
    ping ^= 1u;
  }

  if (t == WORKGROUP - 1u) {  // holds the tile's digit totals
    uint start = 0u;
    for (uint d = 0u; d < RADIX; ++d) {
      s_digit_start[d] = start;
      start += field(scanned[d >> 1u], d);
    }
  }
  if (t < RADIX) s_offset[t] = offsets[t * params.block_count + block];
  barrier();

  for (uint i = 0u; i < ITEMS; ++i) {
    if (digits[i] < RADIX) {
      const uint d = digits[i];
      uint earlier_word = 0u;  // elements of lower invocations, exclusive scan
      for (uint w = 0u; w < WORDS; ++w) earlier_word = (w == d >> 1u) ? scanned[w] - packed[w] : earlier_word;
      uint rank = field(earlier_word, d);
      for (uint j = 0u; j < i; ++j) rank += digits[j] == d ? 1u : 0u;  // this invocation's earlier ones
      const uint position = s_digit_start[d] + rank;
      s_data[position] = keys[i];
      s_data[TILE + position] = values[i];
    }
  }
  barrier();

  for (uint i = 0u; i < ITEMS; ++i) {
    const uint local_index = i * WORKGROUP + t;
    if (local_index < tile_count) {
      const uint key = s_data[local_index];
      const uint d = digit_of(key);
      const uint destination = s_offset[d] + local_index - s_digit_start[d];
      keys_out[destination] = key;
      values_out[destination] = s_data[TILE + local_index];
    }
  }
}
