// Buffers with their own memory allocation (the runtime needs a handful of large buffers, so a
// sub-allocator would not pay for itself), and copies between host memory and buffers.
#pragma once

#include "being/gpu/external.h"

#include <vulkan/vulkan.h>

#include <cstdint>

namespace being::gpu {

class Context;

enum class MemoryLocation {
  // Device-local memory, never mapped, even where it is host-visible (integrated GPUs, lavapipe):
  // copies always go through staging, so CI on lavapipe runs the same path as a discrete GPU.
  device,
  // Host-visible, coherent memory (cached where offered, for fast read-back): staging.
  host,
};

// A VkBuffer bound to its own VkDeviceMemory; move-only. Host buffers stay mapped.
class Buffer {
 public:
  Buffer() = default;
  // `size` must be > 0. TRANSFER_SRC and TRANSFER_DST are added to `usage` so that upload() and
  // download() work on every buffer. An `exportable` buffer (device location only; needs
  // Context::supports_external_memory()) gets a dedicated allocation that export_memory() can hand
  // to CUDA.
  Buffer(const Context& context, VkDeviceSize size, VkBufferUsageFlags usage, MemoryLocation location,
         bool exportable = false);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  VkDeviceSize size() const { return size_; }
  // The persistent host mapping of a host buffer; nullptr for a device buffer.
  void* mapped() const { return mapped_; }
  bool exportable() const { return exportable_; }

  // A new opaque file descriptor of the buffer's memory (each call exports another one); the
  // memory stays alive while the buffer or an importer holds it. Throws std::logic_error for a
  // buffer not created exportable.
  ExportedMemory export_memory() const;

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
  VkDeviceSize allocation_size_ = 0;
  void* mapped_ = nullptr;
  bool exportable_ = false;

  void release();
};

// Copies `bytes` from host memory into `dst` at `offset` (through a staging buffer when `dst` is not
// mapped) and waits; later submissions see the data. The GPU must not be using `dst`.
void upload(const Context& context, const Buffer& dst, const void* data, VkDeviceSize bytes,
            VkDeviceSize offset = 0);

// Waits until writes by earlier submissions to `src` are visible, then copies `bytes` at `offset`
// into host memory.
void download(const Context& context, const Buffer& src, void* data, VkDeviceSize bytes,
              VkDeviceSize offset = 0);

}  // namespace being::gpu
