// GPU timestamps for benchmarks: write them around recorded work, read them after it finished.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <vector>

namespace being::gpu {

class Context;

// A timestamp query pool; neither copyable nor movable. Throws at construction when the queue cannot write timestamps.
class TimestampQueries {
 public:
  TimestampQueries(const Context& context, std::uint32_t count);
  ~TimestampQueries();
  TimestampQueries(const TimestampQueries&) = delete;
  TimestampQueries& operator=(const TimestampQueries&) = delete;

  std::uint32_t count() const { return count_; }
  // Every query must be reset (in a command buffer before the writes) before it is written again.
  void reset(VkCommandBuffer cmd) const;
  // Writes timestamp `index` once all earlier commands have completed.
  void write(VkCommandBuffer cmd, std::uint32_t index) const;
  // All timestamps in nanoseconds (on the device's clock), waiting until they are available.
  std::vector<double> read_ns() const;

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueryPool pool_ = VK_NULL_HANDLE;
  std::uint32_t count_ = 0;
  double period_ns_ = 1.0;
  std::uint64_t valid_mask_ = ~0ull;
};

}  // namespace being::gpu
