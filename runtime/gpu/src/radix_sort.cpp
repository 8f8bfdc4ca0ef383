#include "being/gpu/radix_sort.h"

#include "being/gpu/context.h"
#include "being/shaders/radix_sort_count_comp.h"
#include "being/shaders/radix_sort_scan_comp.h"
#include "being/shaders/radix_sort_scatter_comp.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace being::gpu {

namespace {

// Mirrors Params in shaders/radix_sort_common.glsl.
struct Params {
  std::uint32_t count;
  std::uint32_t shift;
  std::uint32_t block_count;
  std::uint32_t key_mask;
};

constexpr std::uint32_t workgroup_size = 256;
constexpr std::uint32_t radix = 1u << RadixSort::bits_per_pass;
// The scatter kernel's shared memory: keys and values of one tile plus two digit tables.
constexpr std::uint32_t scatter_shared_bytes = (2 * RadixSort::tile_size + 2 * radix) * 4;

std::uint32_t block_count(std::uint32_t count) {
  return static_cast<std::uint32_t>((std::uint64_t{count} + RadixSort::tile_size - 1) / RadixSort::tile_size);
}

void check_device(const Context& context, std::uint32_t capacity) {
  const VkPhysicalDeviceLimits& limits = context.limits();
  const std::string device = context.device_info().name;
  if (limits.maxComputeSharedMemorySize < scatter_shared_bytes || limits.maxComputeWorkGroupSize[0] < workgroup_size ||
      limits.maxComputeWorkGroupInvocations < workgroup_size) {
    throw std::runtime_error("RadixSort needs workgroups of " + std::to_string(workgroup_size) + " invocations and " +
                             std::to_string(scatter_shared_bytes) + " bytes of shared memory, more than " + device +
                             " offers; choose another device with BEING_VULKAN_DEVICE");
  }
  const std::uint64_t max_keys = std::min<std::uint64_t>(
      limits.maxStorageBufferRange / 4, std::uint64_t{limits.maxComputeWorkGroupCount[0]} * RadixSort::tile_size);
  if (capacity > max_keys) {
    throw std::runtime_error("RadixSort capacity " + std::to_string(capacity) + " exceeds the " +
                             std::to_string(max_keys) + " keys " + device +
                             " can sort at once (storage buffer range, workgroup count); sort in batches");
  }
}

Buffer element_buffer(const Context& context, std::uint32_t elements) {
  // Vulkan has no empty buffers; a capacity of 0 still gets one element.
  return Buffer(context, VkDeviceSize{elements > 0 ? elements : 1} * 4, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                MemoryLocation::device);
}

}  // namespace

RadixSort::RadixSort(const Context& context, std::uint32_t capacity)
    : capacity_((check_device(context, capacity), capacity)),
      keys_(element_buffer(context, capacity)),
      values_(element_buffer(context, capacity)),
      scratch_keys_(element_buffer(context, capacity)),
      scratch_values_(element_buffer(context, capacity)),
      block_counts_(element_buffer(context, block_count(capacity) * radix)),
      count_pipeline_(context, shaders::radix_sort_count_comp, 2, sizeof(Params)),
      scan_pipeline_(context, shaders::radix_sort_scan_comp, 1, sizeof(Params)),
      scatter_pipeline_(context, shaders::radix_sort_scatter_comp, 5, sizeof(Params)),
      descriptor_pool_(context, 5, 2 * 2 + 1 + 2 * 5) {
  count_sets_[0] = descriptor_pool_.allocate(count_pipeline_, {&keys_, &block_counts_});
  count_sets_[1] = descriptor_pool_.allocate(count_pipeline_, {&scratch_keys_, &block_counts_});
  scan_set_ = descriptor_pool_.allocate(scan_pipeline_, {&block_counts_});
  scatter_sets_[0] = descriptor_pool_.allocate(
      scatter_pipeline_, {&keys_, &values_, &scratch_keys_, &scratch_values_, &block_counts_});
  scatter_sets_[1] = descriptor_pool_.allocate(
      scatter_pipeline_, {&scratch_keys_, &scratch_values_, &keys_, &values_, &block_counts_});
}

void RadixSort::record(VkCommandBuffer cmd, std::uint32_t count, std::uint32_t key_bits) const {
  if (count > capacity_) {
    throw std::invalid_argument("RadixSort::record: " + std::to_string(count) + " elements exceed the capacity " +
                                std::to_string(capacity_));
  }
  if (key_bits < 1 || key_bits > 32) {
    throw std::invalid_argument("RadixSort::record: key_bits must be 1..32, not " + std::to_string(key_bits));
  }
  if (count == 0) return;

  memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  const std::uint32_t passes = (key_bits + bits_per_pass - 1) / bits_per_pass;
  Params params{count, 0, block_count(count), key_bits == 32 ? ~0u : (1u << key_bits) - 1};
  for (std::uint32_t pass = 0; pass < passes; ++pass) {
    const std::uint32_t from = pass % 2;  // 0: keys() -> scratch, 1: scratch -> keys()
    params.shift = pass * bits_per_pass;
    count_pipeline_.dispatch(cmd, count_sets_[from], params, params.block_count);
    compute_barrier(cmd);
    scan_pipeline_.dispatch(cmd, scan_set_, params, 1);
    compute_barrier(cmd);
    scatter_pipeline_.dispatch(cmd, scatter_sets_[from], params, params.block_count);
    compute_barrier(cmd);
  }
  if (passes % 2 == 1) {  // the result is in the scratch buffers
    memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    const VkBufferCopy region{0, 0, VkDeviceSize{count} * 4};
    vkCmdCopyBuffer(cmd, scratch_keys_.handle(), keys_.handle(), 1, &region);
    vkCmdCopyBuffer(cmd, scratch_values_.handle(), values_.handle(), 1, &region);
  }
  memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                 VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                 VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
}

}  // namespace being::gpu
