#include "being/gpu/buffer.h"

#include "being/gpu/compute.h"
#include "being/gpu/context.h"
#include "vk_check.h"

#include <cstring>
#include <utility>

namespace being::gpu {

Buffer::Buffer(const Context& context, VkDeviceSize size, VkBufferUsageFlags usage, MemoryLocation location,
               bool exportable)
    : device_(context.device()), size_(size), exportable_(exportable) {
  if (size == 0) throw std::invalid_argument("Buffer: size must be > 0");
  if (exportable && location != MemoryLocation::device)
    throw std::invalid_argument("Buffer: only device buffers can be exportable");
  if (exportable && !context.supports_external_memory())
    throw std::runtime_error("Vulkan device " + context.device_info().name +
                             " cannot export buffer memory as file descriptors (VK_KHR_external_memory_fd)");
  try {
    VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
    external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    if (exportable) info.pNext = &external;
    info.size = size;
    info.usage = usage | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    vk_check(vkCreateBuffer(device_, &info, nullptr, &buffer_), "vkCreateBuffer");

    VkMemoryRequirements requirements;
    vkGetBufferMemoryRequirements(device_, buffer_, &requirements);
    constexpr VkMemoryPropertyFlags host_flags = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const std::uint32_t type =
        location == MemoryLocation::device
            ? context.find_memory_type(requirements.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)
            : context.find_memory_type(requirements.memoryTypeBits, host_flags, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = requirements.size;
    alloc.memoryTypeIndex = type;
    // Exported memory is dedicated to its buffer: some drivers require it, and CUDA maps the
    // buffer at offset 0 of the allocation.
    VkMemoryDedicatedAllocateInfo dedicated{VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO};
    dedicated.buffer = buffer_;
    VkExportMemoryAllocateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO};
    export_info.pNext = &dedicated;
    export_info.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    if (exportable) alloc.pNext = &export_info;
    allocation_size_ = requirements.size;
    const VkResult allocated = vkAllocateMemory(device_, &alloc, nullptr, &memory_);
    if (allocated == VK_ERROR_OUT_OF_DEVICE_MEMORY || allocated == VK_ERROR_OUT_OF_HOST_MEMORY) {
      throw std::runtime_error("Vulkan: out of memory allocating a buffer of " + std::to_string(size) +
                               " bytes on " + context.device_info().name);
    }
    vk_check(allocated, "vkAllocateMemory");
    vk_check(vkBindBufferMemory(device_, buffer_, memory_, 0), "vkBindBufferMemory");

    if (location == MemoryLocation::host) {
      vk_check(vkMapMemory(device_, memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
    }
  } catch (...) {
    release();
    throw;
  }
}

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& other) noexcept
    : device_(std::exchange(other.device_, VK_NULL_HANDLE)),
      buffer_(std::exchange(other.buffer_, VK_NULL_HANDLE)),
      memory_(std::exchange(other.memory_, VK_NULL_HANDLE)),
      size_(std::exchange(other.size_, 0)),
      allocation_size_(std::exchange(other.allocation_size_, 0)),
      mapped_(std::exchange(other.mapped_, nullptr)),
      exportable_(std::exchange(other.exportable_, false)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    device_ = std::exchange(other.device_, VK_NULL_HANDLE);
    buffer_ = std::exchange(other.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    size_ = std::exchange(other.size_, 0);
    allocation_size_ = std::exchange(other.allocation_size_, 0);
    mapped_ = std::exchange(other.mapped_, nullptr);
    exportable_ = std::exchange(other.exportable_, false);
  }
  return *this;
}

void Buffer::release() {
  if (buffer_) vkDestroyBuffer(device_, buffer_, nullptr);
  if (memory_) vkFreeMemory(device_, memory_, nullptr);  // also unmaps
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
}

ExportedMemory Buffer::export_memory() const {
  if (!exportable_) throw std::logic_error("Buffer::export_memory: the buffer was not created exportable");
  // An extension entry point: the loader does not export it, so it is looked up on the device.
  auto get_fd = reinterpret_cast<PFN_vkGetMemoryFdKHR>(vkGetDeviceProcAddr(device_, "vkGetMemoryFdKHR"));
  if (!get_fd) throw std::runtime_error("Vulkan: vkGetMemoryFdKHR is not available (VK_KHR_external_memory_fd)");
  VkMemoryGetFdInfoKHR info{VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR};
  info.memory = memory_;
  info.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  int fd = -1;
  vk_check(get_fd(device_, &info, &fd), "vkGetMemoryFdKHR");
  ExportedMemory exported;
  exported.fd = FileDescriptor(fd);
  exported.allocation_size = allocation_size_;
  exported.dedicated = true;
  return exported;
}

namespace {

void check_range(const Buffer& buffer, VkDeviceSize bytes, VkDeviceSize offset, const char* what) {
  if (offset > buffer.size() || bytes > buffer.size() - offset) {
    throw std::out_of_range(std::string(what) + ": " + std::to_string(bytes) + " bytes at offset " +
                            std::to_string(offset) + " exceed the buffer's " + std::to_string(buffer.size()));
  }
}

}  // namespace

void upload(const Context& context, const Buffer& dst, const void* data, VkDeviceSize bytes, VkDeviceSize offset) {
  check_range(dst, bytes, offset, "upload");
  if (bytes == 0) return;
  if (dst.mapped()) {
    // Host writes to coherent memory are visible to every later submission.
    std::memcpy(static_cast<char*>(dst.mapped()) + offset, data, bytes);
    return;
  }
  Buffer staging(context, bytes, 0, MemoryLocation::host);
  std::memcpy(staging.mapped(), data, bytes);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    const VkBufferCopy region{0, offset, bytes};
    vkCmdCopyBuffer(cmd, staging.handle(), dst.handle(), 1, &region);
    memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                   VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
  });
}

void download(const Context& context, const Buffer& src, void* data, VkDeviceSize bytes, VkDeviceSize offset) {
  check_range(src, bytes, offset, "download");
  if (bytes == 0) return;
  if (src.mapped()) {
    context.submit_and_wait([&](VkCommandBuffer cmd) {
      memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                     VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    });
    std::memcpy(data, static_cast<const char*>(src.mapped()) + offset, bytes);
    return;
  }
  Buffer staging(context, bytes, 0, MemoryLocation::host);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    const VkBufferCopy region{offset, 0, bytes};
    vkCmdCopyBuffer(cmd, src.handle(), staging.handle(), 1, &region);
    memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                   VK_ACCESS_HOST_READ_BIT);
  });
  std::memcpy(data, staging.mapped(), bytes);
}

}  // namespace being::gpu
