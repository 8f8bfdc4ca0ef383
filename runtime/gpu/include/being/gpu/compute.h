// Compute pipelines built from embedded SPIR-V, with storage-buffer descriptor sets and push
// constants, and the barriers between dependent commands.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace being::gpu {

class Buffer;
class Context;

// A compute pipeline whose shader (entry point "main") reads and writes storage buffers at bindings
// 0..buffer_count-1 of descriptor set 0 and has a push-constant block of push_constant_bytes
// (0: none). Neither copyable nor movable (hold it in a std::unique_ptr to pass it around).
class ComputePipeline {
 public:
  ComputePipeline(const Context& context, const std::uint32_t* spirv, std::size_t spirv_words,
                  std::uint32_t buffer_count, std::uint32_t push_constant_bytes);
  template <std::size_t N>
  ComputePipeline(const Context& context, const std::uint32_t (&spirv)[N], std::uint32_t buffer_count,
                  std::uint32_t push_constant_bytes)
      : ComputePipeline(context, spirv, N, buffer_count, push_constant_bytes) {}
  ~ComputePipeline();
  ComputePipeline(const ComputePipeline&) = delete;
  ComputePipeline& operator=(const ComputePipeline&) = delete;

  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  std::uint32_t buffer_count() const { return buffer_count_; }

  // Binds the pipeline and `set`, pushes `push_bytes` of constants and dispatches `groups_x` groups.
  void dispatch(VkCommandBuffer cmd, VkDescriptorSet set, const void* push, std::uint32_t push_bytes,
                std::uint32_t groups_x) const;
  template <typename PushConstants>
  void dispatch(VkCommandBuffer cmd, VkDescriptorSet set, const PushConstants& push,
                std::uint32_t groups_x) const {
    dispatch(cmd, set, &push, sizeof(push), groups_x);
  }

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
  std::uint32_t buffer_count_ = 0;
  std::uint32_t push_constant_bytes_ = 0;

  void release();
};

// A pool of storage-buffer descriptor sets; the sets live as long as the pool. Neither copyable nor
// movable.
class DescriptorPool {
 public:
  DescriptorPool(const Context& context, std::uint32_t max_sets, std::uint32_t max_buffers);
  ~DescriptorPool();
  DescriptorPool(const DescriptorPool&) = delete;
  DescriptorPool& operator=(const DescriptorPool&) = delete;

  // A set for `pipeline` with buffers[i] (whole buffer) at binding i.
  VkDescriptorSet allocate(const ComputePipeline& pipeline, const std::vector<const Buffer*>& buffers);

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
};

// A global memory barrier: `src_access` by `src_stage` in earlier commands happens before, and is
// visible to, `dst_access` by `dst_stage` in later ones.
void memory_barrier(VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                    VkPipelineStageFlags dst_stage, VkAccessFlags dst_access);

// Makes shader writes of earlier dispatches visible to the shader reads and writes of later ones.
void compute_barrier(VkCommandBuffer cmd);

}  // namespace being::gpu
