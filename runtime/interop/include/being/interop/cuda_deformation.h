// The avatar's deformation on CUDA, written into a SplatRenderer's own geometry buffers (Vulkan
// memory imported into CUDA) with a timeline semaphore shared by both APIs, so that a frame's
// Gaussians never leave the GPU: CUDA waits until the last render() has read the geometry, runs
// the deformation kernels (kernels/deform, the same as deform::cuda::Deformer::apply), and signals;
// the next render() waits for that signal on the GPU. No CUDA header is needed to use it.
#pragma once

#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"

#include <memory>

namespace being::interop {

// True when `context`'s device can share memory and semaphores (Context::supports_external()) and
// is a CUDA device of this process (same UUID).
bool available(const gpu::Context& context);

class CudaDeformation {
 public:
  // `renderer` (on `context`) was created with RendererSettings::external_geometry and given this
  // avatar's Gaussians (set_gaussians, same count); this exports its geometry (export_geometry())
  // and imports it into CUDA on the Vulkan device's GPU. The avatar (validated), the context and
  // the renderer must outlive this object. Throws std::runtime_error when the device cannot share
  // (saying what is missing) or on CUDA errors, std::invalid_argument on a count mismatch.
  CudaDeformation(const gpu::Context& context, const asset::Avatar& avatar, render::SplatRenderer& renderer);
  ~CudaDeformation();
  CudaDeformation(const CudaDeformation&) = delete;
  CudaDeformation& operator=(const CudaDeformation&) = delete;

  // Queues the deformation for `code` (expression_dim floats, host memory) into the renderer's
  // buffers; returns without waiting for the GPU. The next render() shows it.
  void apply(const float* code);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::interop
