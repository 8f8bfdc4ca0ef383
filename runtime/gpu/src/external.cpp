#include "being/gpu/external.h"

#include "being/gpu/context.h"
#include "vk_check.h"

#include <unistd.h>

#include <utility>

namespace being::gpu {

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

int FileDescriptor::release() { return std::exchange(fd_, -1); }

TimelineSemaphore::TimelineSemaphore(const Context& context, bool exportable)
    : device_(context.device()), exportable_(exportable) {
  if (!context.supports_timeline_semaphores())
    throw std::runtime_error("Vulkan device " + context.device_info().name + " has no timeline semaphores");
  if (exportable && !context.supports_external_semaphores())
    throw std::runtime_error("Vulkan device " + context.device_info().name +
                             " cannot export timeline semaphores as file descriptors (VK_KHR_external_semaphore_fd)");
  VkExportSemaphoreCreateInfo export_info{VK_STRUCTURE_TYPE_EXPORT_SEMAPHORE_CREATE_INFO};
  export_info.handleTypes = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
  VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = 0;
  if (exportable) type.pNext = &export_info;
  VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  info.pNext = &type;
  vk_check(vkCreateSemaphore(device_, &info, nullptr, &semaphore_), "vkCreateSemaphore");
}

TimelineSemaphore::~TimelineSemaphore() { release(); }

TimelineSemaphore::TimelineSemaphore(TimelineSemaphore&& other) noexcept
    : device_(std::exchange(other.device_, VK_NULL_HANDLE)),
      semaphore_(std::exchange(other.semaphore_, VK_NULL_HANDLE)),
      exportable_(std::exchange(other.exportable_, false)) {}

TimelineSemaphore& TimelineSemaphore::operator=(TimelineSemaphore&& other) noexcept {
  if (this != &other) {
    release();
    device_ = std::exchange(other.device_, VK_NULL_HANDLE);
    semaphore_ = std::exchange(other.semaphore_, VK_NULL_HANDLE);
    exportable_ = std::exchange(other.exportable_, false);
  }
  return *this;
}

void TimelineSemaphore::release() {
  if (semaphore_) vkDestroySemaphore(device_, semaphore_, nullptr);
  semaphore_ = VK_NULL_HANDLE;
}

std::uint64_t TimelineSemaphore::value() const {
  std::uint64_t value = 0;
  vk_check(vkGetSemaphoreCounterValue(device_, semaphore_, &value), "vkGetSemaphoreCounterValue");
  return value;
}

FileDescriptor TimelineSemaphore::export_fd() const {
  if (!exportable_) throw std::logic_error("TimelineSemaphore::export_fd: the semaphore was not created exportable");
  // An extension entry point: the loader does not export it, so it is looked up on the device.
  auto get_fd = reinterpret_cast<PFN_vkGetSemaphoreFdKHR>(vkGetDeviceProcAddr(device_, "vkGetSemaphoreFdKHR"));
  if (!get_fd) throw std::runtime_error("Vulkan: vkGetSemaphoreFdKHR is not available (VK_KHR_external_semaphore_fd)");
  VkSemaphoreGetFdInfoKHR info{VK_STRUCTURE_TYPE_SEMAPHORE_GET_FD_INFO_KHR};
  info.semaphore = semaphore_;
  info.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
  int fd = -1;
  vk_check(get_fd(device_, &info, &fd), "vkGetSemaphoreFdKHR");
  return FileDescriptor(fd);
}

}  // namespace being::gpu
