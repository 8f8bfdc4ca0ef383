// Shared by the three kernels of the LSD radix sort (runtime/gpu/src/radix_sort.cpp drives them).
// Each pass sorts by one 4-bit digit; a workgroup handles one tile of TILE consecutive elements.

const uint WORKGROUP = 256;
const uint ITEMS = 8;                  // elements per invocation
const uint TILE = WORKGROUP * ITEMS;   // RadixSort::tile_size
const uint RADIX = 16;                 // RadixSort::bits_per_pass = 4

layout(push_constant) uniform Params {
  uint count;        // elements to sort
  uint shift;        // lowest bit of this pass's digit
  uint block_count;  // tiles: ceil(count / TILE)
  uint key_mask;     // the key bits that are sorted
} params;

uint digit_of(uint key) {
  return ((key & params.key_mask) >> params.shift) & (RADIX - 1u);
}
