// Vulkan objects handed to another API on the same GPU (CUDA) as POSIX file descriptors
// (VK_KHR_external_memory_fd, VK_KHR_external_semaphore_fd): the descriptor type and the timeline
// semaphore that orders the two APIs' work. Buffer::export_memory() exports a buffer's memory.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>

namespace being::gpu {

class Context;

// An owned file descriptor, closed on destruction unless release()d (an importer such as
// cudaImportExternalMemory takes ownership when it succeeds). Move-only.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Gives up ownership: returns the descriptor and leaves this one empty (-1).
  int release();

 private:
  int fd_ = -1;
};

// A buffer's memory as another API imports it: the descriptor (opaque fd), the size of the whole
// allocation (which is what an importer maps, at least the buffer's size) and whether it is a
// dedicated allocation (CUDA: cudaExternalMemoryDedicated). The buffer starts at offset 0.
struct ExportedMemory {
  FileDescriptor fd;
  VkDeviceSize allocation_size = 0;
  bool dedicated = false;
};

// A Vulkan timeline semaphore (a 64-bit counter that only grows; submissions wait for a value and
// signal a larger one), optionally exportable. Move-only.
class TimelineSemaphore {
 public:
  // Starts at 0. `exportable` needs Context::supports_external_semaphores(); every timeline needs
  // supports_timeline_semaphores(). Throws std::runtime_error naming what the device lacks.
  TimelineSemaphore(const Context& context, bool exportable);
  ~TimelineSemaphore();
  TimelineSemaphore(TimelineSemaphore&& other) noexcept;
  TimelineSemaphore& operator=(TimelineSemaphore&& other) noexcept;
  TimelineSemaphore(const TimelineSemaphore&) = delete;
  TimelineSemaphore& operator=(const TimelineSemaphore&) = delete;

  VkSemaphore handle() const { return semaphore_; }
  // The current value (what the GPU or the host has signalled so far).
  std::uint64_t value() const;
  // A new opaque file descriptor for the semaphore (each call exports another one).
  FileDescriptor export_fd() const;

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkSemaphore semaphore_ = VK_NULL_HANDLE;
  bool exportable_ = false;

  void release();
};

}  // namespace being::gpu
