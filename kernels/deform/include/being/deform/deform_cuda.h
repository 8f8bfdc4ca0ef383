// The avatar's deformation on the GPU: expression code -> face mesh -> every Gaussian's geometry,
// the same formulas as the CPU path (runtime/animate, binding_math.h). No CUDA header is needed to
// use it; the avatar's tables are uploaded once, each frame uploads only the code.
#pragma once

#include "being/asset/avatar.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace being::deform::cuda {

// True when a CUDA device can be used by this process.
bool device_available();

// Device memory the kernels write a frame's geometry into: N*3 positions, N*4 rotations (x, y, z,
// w), N*3 log-scales (the .avatar layout), e.g. a Vulkan buffer imported into CUDA.
struct DeviceGeometry {
  float* positions = nullptr;
  float* rotations = nullptr;
  float* log_scales = nullptr;
};

class Deformer {
 public:
  // Uploads the neutral mesh, the expression basis, the triangles and the binding. The avatar must
  // have passed asset::validate. Throws std::runtime_error on CUDA errors (naming the call).
  explicit Deformer(const asset::Avatar& avatar);
  ~Deformer();
  Deformer(const Deformer&) = delete;
  Deformer& operator=(const Deformer&) = delete;

  // Runs mesh deformation and binding for `code` (expression_dim floats, host memory); the results
  // stay on the device until the next call.
  void apply(const float* code);
  // The same into `out` instead of the deformer's own buffers. Runs on the default stream and
  // returns without waiting for the kernels.
  void apply(const float* code, const DeviceGeometry& out);

  // Device pointers to the results of the last apply(): N*3 positions, N*4 rotations (x, y, z, w),
  // N*3 log-scales, the .avatar layout.
  const float* device_positions() const;
  const float* device_rotations() const;
  const float* device_log_scales() const;

  // Copies the last results to host memory (for tests and for renderers without interop).
  void download(std::vector<float>& positions, std::vector<float>& rotations, std::vector<float>& log_scales) const;

  std::uint32_t gaussian_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::deform::cuda
