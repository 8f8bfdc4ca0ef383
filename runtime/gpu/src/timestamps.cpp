#include "being/gpu/timestamps.h"

#include "being/gpu/context.h"
#include "vk_check.h"

namespace being::gpu {

TimestampQueries::TimestampQueries(const Context& context, std::uint32_t count)
    : device_(context.device()), count_(count), period_ns_(context.limits().timestampPeriod) {
  const std::uint32_t bits = context.timestamp_valid_bits();
  if (bits == 0 || context.limits().timestampPeriod <= 0.0f) {
    throw std::runtime_error("Vulkan device " + context.device_info().name +
                             " cannot write timestamps on its queue; GPU timings are unavailable");
  }
  valid_mask_ = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = count;
  vk_check(vkCreateQueryPool(device_, &info, nullptr, &pool_), "vkCreateQueryPool");
}

TimestampQueries::~TimestampQueries() { vkDestroyQueryPool(device_, pool_, nullptr); }

void TimestampQueries::reset(VkCommandBuffer cmd) const { vkCmdResetQueryPool(cmd, pool_, 0, count_); }

void TimestampQueries::write(VkCommandBuffer cmd, std::uint32_t index) const {
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_, index);
}

std::vector<double> TimestampQueries::read_ns() const {
  std::vector<std::uint64_t> ticks(count_);
  vk_check(vkGetQueryPoolResults(device_, pool_, 0, count_, ticks.size() * sizeof(std::uint64_t), ticks.data(),
                                 sizeof(std::uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
           "vkGetQueryPoolResults");
  std::vector<double> ns(count_);
  for (std::uint32_t i = 0; i < count_; ++i) ns[i] = static_cast<double>(ticks[i] & valid_mask_) * period_ns_;
  return ns;
}

}  // namespace being::gpu
