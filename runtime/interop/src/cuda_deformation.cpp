#include "being/interop/cuda_deformation.h"

#include "being/deform/deform_cuda.h"

#include <cuda_runtime.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace being::interop {
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string("CUDA interop: ") + what + ": " + cudaGetErrorString(status));
}

// The CUDA device that is the Vulkan device's GPU (same UUID), or -1.
int cuda_device_of(const gpu::Context& context) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return -1;
  for (int device = 0; device < count; ++device) {
    cudaDeviceProp properties;
    if (cudaGetDeviceProperties(&properties, device) != cudaSuccess) continue;
    static_assert(sizeof(properties.uuid.bytes) == VK_UUID_SIZE, "CUDA and Vulkan UUIDs have the same size");
    if (std::memcmp(properties.uuid.bytes, context.device_uuid().data(), VK_UUID_SIZE) == 0) return device;
  }
  return -1;
}

// One of the renderer's buffers as CUDA device memory.
class ImportedBuffer {
 public:
  ImportedBuffer(gpu::ExportedMemory exported, std::size_t bytes) {
    if (bytes > exported.allocation_size)
      throw std::invalid_argument("CUDA interop: " + std::to_string(bytes) + " bytes do not fit the exported " +
                                  std::to_string(exported.allocation_size));
    cudaExternalMemoryHandleDesc memory{};
    memory.type = cudaExternalMemoryHandleTypeOpaqueFd;
    memory.handle.fd = exported.fd.get();
    memory.size = exported.allocation_size;
    memory.flags = exported.dedicated ? cudaExternalMemoryDedicated : 0;
    check(cudaImportExternalMemory(&memory_, &memory), "cudaImportExternalMemory");
    exported.fd.release();  // CUDA owns the descriptor once the import succeeded
    cudaExternalMemoryBufferDesc buffer{};
    buffer.offset = 0;
    buffer.size = bytes;
    void* data = nullptr;
    const cudaError_t mapped = cudaExternalMemoryGetMappedBuffer(&data, memory_, &buffer);
    if (mapped != cudaSuccess) {
      cudaDestroyExternalMemory(memory_);
      check(mapped, "cudaExternalMemoryGetMappedBuffer");
    }
    data_ = static_cast<float*>(data);
  }
  ~ImportedBuffer() {
    cudaFree(data_);
    cudaDestroyExternalMemory(memory_);
  }
  ImportedBuffer(const ImportedBuffer&) = delete;
  ImportedBuffer& operator=(const ImportedBuffer&) = delete;

  float* data() const { return data_; }

 private:
  cudaExternalMemory_t memory_ = nullptr;
  float* data_ = nullptr;
};

class ImportedTimeline {
 public:
  explicit ImportedTimeline(gpu::FileDescriptor fd) {
    cudaExternalSemaphoreHandleDesc semaphore{};
    semaphore.type = cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd;
    semaphore.handle.fd = fd.get();
    check(cudaImportExternalSemaphore(&semaphore_, &semaphore), "cudaImportExternalSemaphore");
    fd.release();
  }
  ~ImportedTimeline() { cudaDestroyExternalSemaphore(semaphore_); }
  ImportedTimeline(const ImportedTimeline&) = delete;
  ImportedTimeline& operator=(const ImportedTimeline&) = delete;

  // Both are queued on the default stream, where the deformation kernels run.
  void wait(std::uint64_t value) const {
    cudaExternalSemaphoreWaitParams params{};
    params.params.fence.value = value;
    check(cudaWaitExternalSemaphoresAsync(&semaphore_, &params, 1, nullptr), "cudaWaitExternalSemaphoresAsync");
  }
  void signal(std::uint64_t value) const {
    cudaExternalSemaphoreSignalParams params{};
    params.params.fence.value = value;
    check(cudaSignalExternalSemaphoresAsync(&semaphore_, &params, 1, nullptr), "cudaSignalExternalSemaphoresAsync");
  }

 private:
  cudaExternalSemaphore_t semaphore_ = nullptr;
};

int select_device(const gpu::Context& context) {
  if (!context.supports_external())
    throw std::runtime_error("CUDA interop: Vulkan device " + context.device_info().name +
                             " cannot share memory and timeline semaphores as file descriptors "
                             "(VK_KHR_external_memory_fd, VK_KHR_external_semaphore_fd)");
  const int device = cuda_device_of(context);
  if (device < 0)
    throw std::runtime_error("CUDA interop: Vulkan device " + context.device_info().name +
                             " is not a CUDA device of this process; pick the NVIDIA GPU with BEING_VULKAN_DEVICE");
  check(cudaSetDevice(device), "cudaSetDevice");
  return device;
}

}  // namespace

bool available(const gpu::Context& context) { return context.supports_external() && cuda_device_of(context) >= 0; }

struct CudaDeformation::Impl {
  render::SplatRenderer& renderer;
  std::uint32_t count;
  int device;
  deform::cuda::Deformer deformer;
  std::unique_ptr<ImportedBuffer> positions, rotations, log_scales;
  std::unique_ptr<ImportedTimeline> timeline;

  Impl(const gpu::Context& context, const asset::Avatar& avatar, render::SplatRenderer& r)
      : renderer(r),
        count(static_cast<std::uint32_t>(avatar.gaussians.count())),
        device(select_device(context)),
        deformer(avatar) {}

  ~Impl() {
    // Kernels still writing into the imported memory must finish before it is unmapped.
    cudaSetDevice(device);
    cudaDeviceSynchronize();
  }
};

CudaDeformation::CudaDeformation(const gpu::Context& context, const asset::Avatar& avatar,
                                 render::SplatRenderer& renderer) {
  if (renderer.gaussian_count() != avatar.gaussians.count())
    throw std::invalid_argument("CUDA interop: the renderer holds " + std::to_string(renderer.gaussian_count()) +
                                " Gaussians, the avatar " + std::to_string(avatar.gaussians.count()) +
                                "; set_gaussians with the avatar's first");
  impl_ = std::make_unique<Impl>(context, avatar, renderer);
  Impl& m = *impl_;
  render::ExportedGeometry exported = renderer.export_geometry();
  const std::size_t n = m.count;
  m.positions = std::make_unique<ImportedBuffer>(std::move(exported.positions), n * 3 * sizeof(float));
  m.rotations = std::make_unique<ImportedBuffer>(std::move(exported.rotations), n * 4 * sizeof(float));
  m.log_scales = std::make_unique<ImportedBuffer>(std::move(exported.log_scales), n * 3 * sizeof(float));
  m.timeline = std::make_unique<ImportedTimeline>(std::move(exported.timeline));
}

CudaDeformation::~CudaDeformation() = default;

void CudaDeformation::apply(const float* code) {
  Impl& m = *impl_;
  if (m.renderer.gaussian_count() != m.count)
    throw std::logic_error("CUDA interop: the renderer's Gaussian count changed since the import");
  check(cudaSetDevice(m.device), "cudaSetDevice");
  const render::GeometryWrite write = m.renderer.begin_geometry_write();
  try {
    m.timeline->wait(write.wait_value);
    m.deformer.apply(code, {m.positions->data(), m.rotations->data(), m.log_scales->data()});
  } catch (...) {
    // render() waits for this value whatever happened; without it the next frame would hang.
    m.timeline->signal(write.signal_value);
    throw;
  }
  m.timeline->signal(write.signal_value);
}

}  // namespace being::interop
