// Memory and semaphores shared with other APIs (being/gpu/external.h): timeline waits and signals
// around a submission, and an exported buffer imported again by Vulkan itself, which proves the
// descriptor names the same memory without needing CUDA (lavapipe exports memory, not semaphores).
#include "being/gpu/buffer.h"
#include "being/gpu/context.h"
#include "being/gpu/external.h"
#include "vulkan_test_context.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace being::gpu {
namespace {

// A second VkBuffer on the memory behind `fd` (ownership of fd passes to Vulkan on success).
struct ImportedBuffer {
  VkDevice device = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;

  ImportedBuffer(const Context& context, ExportedMemory exported, VkDeviceSize size) : device(context.device()) {
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
    external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.pNext = &external;
    info.size = size;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    EXPECT_EQ(vkCreateBuffer(device, &info, nullptr, &buffer), VK_SUCCESS);
    VkMemoryRequirements requirements;
    vkGetBufferMemoryRequirements(device, buffer, &requirements);
    EXPECT_EQ(requirements.size, exported.allocation_size);
    VkMemoryDedicatedAllocateInfo dedicated{VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO};
    dedicated.buffer = buffer;
    VkImportMemoryFdInfoKHR import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR};
    import.pNext = exported.dedicated ? &dedicated : nullptr;
    import.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    import.fd = exported.fd.get();
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.pNext = &import;
    alloc.allocationSize = exported.allocation_size;
    alloc.memoryTypeIndex = context.find_memory_type(requirements.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    const VkResult allocated = vkAllocateMemory(device, &alloc, nullptr, &memory);
    EXPECT_EQ(allocated, VK_SUCCESS);
    if (allocated == VK_SUCCESS) {
      exported.fd.release();
      EXPECT_EQ(vkBindBufferMemory(device, buffer, memory, 0), VK_SUCCESS);
    }
  }
  ~ImportedBuffer() {
    vkDestroyBuffer(device, buffer, nullptr);
    vkFreeMemory(device, memory, nullptr);
  }
};

TEST(External, SupportFlagsAreConsistent) {
  const Context context(test::vulkan_test_options());
  std::printf("%s: timeline semaphores %d, external memory %d, external semaphores %d\n",
              context.device_info().name.c_str(), context.supports_timeline_semaphores(),
              context.supports_external_memory(), context.supports_external_semaphores());
  EXPECT_EQ(context.supports_external(), context.supports_external_memory() && context.supports_external_semaphores());
  if (context.supports_external_semaphores()) {
    EXPECT_TRUE(context.supports_timeline_semaphores());
  }
  if (!context.supports_external_memory()) {
    EXPECT_THROW(Buffer(context, 64, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device, true), std::runtime_error);
  }
  if (!context.supports_external_semaphores()) {
    EXPECT_THROW(TimelineSemaphore(context, true), std::runtime_error);
  }
}

TEST(External, SubmissionsWaitForAndSignalATimeline) {
  const Context context(test::vulkan_test_options());
  if (!context.supports_timeline_semaphores()) GTEST_SKIP() << context.device_info().name << " has no timeline semaphores";
  const TimelineSemaphore timeline(context, false);
  EXPECT_EQ(timeline.value(), 0u);
  Buffer buffer(context, 16, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device);
  auto fill = [&](std::uint32_t value) {
    return [&buffer, value](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, buffer.handle(), 0, 16, value); };
  };
  TimelineSync signal_only;
  signal_only.semaphore = timeline.handle();
  signal_only.signal_value = 3;
  context.submit_and_wait(fill(1), signal_only);
  EXPECT_EQ(timeline.value(), 3u);
  TimelineSync wait_and_signal;
  wait_and_signal.semaphore = timeline.handle();
  wait_and_signal.wait_value = 3;
  wait_and_signal.wait_stages = VK_PIPELINE_STAGE_TRANSFER_BIT;
  wait_and_signal.signal_value = 10;
  context.submit_and_wait(fill(2), wait_and_signal);
  EXPECT_EQ(timeline.value(), 10u);
  std::uint32_t words[4] = {};
  download(context, buffer, words, 16);
  EXPECT_EQ(words[0], 2u);
  EXPECT_EQ(words[3], 2u);
}

TEST(External, ExportedMemoryIsTheBuffersMemory) {
  const Context context(test::vulkan_test_options());
  if (!context.supports_external_memory())
    GTEST_SKIP() << context.device_info().name << " cannot export memory as file descriptors";
  constexpr VkDeviceSize bytes = 4096;
  const Buffer exported(context, bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device, true);
  EXPECT_TRUE(exported.exportable());
  std::vector<std::uint32_t> pattern(bytes / 4);
  std::iota(pattern.begin(), pattern.end(), 7u);
  upload(context, exported, pattern.data(), bytes);

  ExportedMemory memory = exported.export_memory();
  ASSERT_GE(memory.fd.get(), 0);
  EXPECT_GE(memory.allocation_size, bytes);
  const ImportedBuffer imported(context, std::move(memory), bytes);
  ASSERT_NE(imported.memory, VK_NULL_HANDLE);

  // What was uploaded to the exporter is read through the importer, and a write through the
  // importer is read through the exporter.
  const Buffer host(context, bytes, 0, MemoryLocation::host);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    const VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, imported.buffer, host.handle(), 1, &region);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
                         0, 1, &barrier, 0, nullptr, 0, nullptr);
    vkCmdFillBuffer(cmd, imported.buffer, 0, bytes, 0xabcdef01u);
  });
  const auto* seen = static_cast<const std::uint32_t*>(host.mapped());
  EXPECT_EQ(std::vector<std::uint32_t>(seen, seen + bytes / 4), pattern);
  std::vector<std::uint32_t> back(bytes / 4);
  download(context, exported, back.data(), bytes);
  EXPECT_EQ(back, std::vector<std::uint32_t>(bytes / 4, 0xabcdef01u));
}

TEST(External, ExportNeedsAnExportableDeviceBuffer) {
  const Context context(test::vulkan_test_options());
  const Buffer plain(context, 64, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device);
  EXPECT_FALSE(plain.exportable());
  EXPECT_THROW(plain.export_memory(), std::logic_error);
  EXPECT_THROW(Buffer(context, 64, 0, MemoryLocation::host, true), std::invalid_argument);
  if (context.supports_timeline_semaphores()) {
    const TimelineSemaphore timeline(context, false);
    EXPECT_THROW(timeline.export_fd(), std::logic_error);
  }
}

TEST(External, ExportedSemaphoreGivesADescriptor) {
  const Context context(test::vulkan_test_options());
  if (!context.supports_external_semaphores())
    GTEST_SKIP() << context.device_info().name << " cannot export semaphores as file descriptors";
  const TimelineSemaphore timeline(context, true);
  const FileDescriptor first = timeline.export_fd();
  const FileDescriptor second = timeline.export_fd();
  EXPECT_GE(first.get(), 0);
  EXPECT_GE(second.get(), 0);
  EXPECT_NE(first.get(), second.get());
}

}  // namespace
}  // namespace being::gpu
