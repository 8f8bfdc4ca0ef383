// Stable GPU radix sort of 32-bit keys with 32-bit values (the renderer's depth keys and Gaussian
// indices). See docs/vulkan.md for the algorithm and its limits.
#pragma once

#include "being/gpu/buffer.h"
#include "being/gpu/compute.h"

#include <vulkan/vulkan.h>

#include <cstdint>

namespace being::gpu {

class Context;

// Owns the key and value buffers it sorts (device-local, `capacity` elements each), scratch
// buffers and its pipelines. Producers write keys() and values(); record() sorts them in place.
class RadixSort {
 public:
  static constexpr std::uint32_t bits_per_pass = 4;
  // Elements one workgroup ranks and scatters per pass (must match shaders/radix_sort_common.glsl).
  static constexpr std::uint32_t tile_size = 2048;

  // Throws when `capacity` exceeds what the device can address (maxStorageBufferRange, workgroup
  // count) or the device lacks the shared memory the shaders need.
  RadixSort(const Context& context, std::uint32_t capacity);

  std::uint32_t capacity() const { return capacity_; }
  const Buffer& keys() const { return keys_; }
  const Buffer& values() const { return values_; }

  // Records the stable sort of the first `count` (<= capacity) pairs by the low `key_bits` (1..32)
  // bits of the key, ascending; higher key bits are ignored and keep the input order. Sorting costs
  // ceil(key_bits / 4) passes. The recorded commands wait for all earlier writes (any stage) and make
  // their results visible to all later commands; download() adds the host-side visibility.
  void record(VkCommandBuffer cmd, std::uint32_t count, std::uint32_t key_bits = 32) const;

 private:
  std::uint32_t capacity_ = 0;
  Buffer keys_;
  Buffer values_;
  Buffer scratch_keys_;
  Buffer scratch_values_;
  Buffer block_counts_;  // digit-major: [digit][block], scanned in place into scatter offsets
  ComputePipeline count_pipeline_;
  ComputePipeline scan_pipeline_;
  ComputePipeline scatter_pipeline_;
  DescriptorPool descriptor_pool_;
  VkDescriptorSet count_sets_[2] = {};    // [0]: reads keys(), [1]: reads the scratch keys
  VkDescriptorSet scan_set_ = VK_NULL_HANDLE;
  VkDescriptorSet scatter_sets_[2] = {};  // [0]: keys() -> scratch, [1]: scratch -> keys()
};

}  // namespace being::gpu
