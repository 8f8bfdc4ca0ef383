// Differentiable Gaussian splatting for LibTorch training code. One call renders; autograd
// gives the gradients of all tensor inputs. CPU tensors (float32 or float64) run the CPU
// reference, CUDA tensors (float32) the CUDA kernels, so the same training code runs in CI and on
// the GPU machine. Math and conventions: docs/rasterizer.md.
#pragma once

#include <ATen/core/Tensor.h>

#include "being/splat/types.h"

namespace being::splat {

struct RenderedImages {
  at::Tensor color;  // [H, W, 3], composited over the background
  at::Tensor alpha;  // [H, W], 1 - final transmittance
  at::Tensor depth;  // [H, W], sum of camera z * weight (divide by alpha for the mean depth)
};

// means [N,3], quats [N,4] (w,x,y,z), scales [N,3] (linear), opacities [N] (in [0,1]),
// colors [N,3] (RGB) or [N,1,3] / [N,4,3] (SH degree 0 / 1), background [3]. All on one device,
// one dtype, finite; throws std::invalid_argument naming the offending input otherwise.
RenderedImages rasterize(const at::Tensor& means, const at::Tensor& quats, const at::Tensor& scales,
                         const at::Tensor& opacities, const at::Tensor& colors, const at::Tensor& background,
                         const Camera& camera, const Settings& settings = {});

}  // namespace being::splat
