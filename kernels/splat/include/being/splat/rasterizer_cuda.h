// CUDA rasterizer (float32): the same math as the CPU reference (rasterizer_cpu.h) on device
// pointers. No CUDA header is needed to use it; streams are passed as void* (a cudaStream_t,
// nullptr for the default stream). All pointers in the views are device pointers.
#pragma once

#include <cstddef>
#include <functional>

#include "being/splat/types.h"

namespace being::splat::cuda {

// True when a CUDA device can be used by this process.
bool device_available();

// Returns `bytes` of device memory (aligned to 256 bytes) that stays valid until backward has
// used it. The rasterizer asks for three buffers per forward and one per backward; callers
// decide where they come from (LibTorch tensors, an arena, cudaMalloc).
using Allocator = std::function<void*(std::size_t bytes)>;

// What backward needs from forward: three caller-owned buffers and the sizes that lay them out.
struct ForwardState {
  void* geometry = nullptr;  // per Gaussian: screen-space values, tile counts and offsets
  void* binning = nullptr;   // per tile-Gaussian intersection: sort keys and Gaussian ids
  void* image = nullptr;     // per tile: list range; per pixel: final transmittance, last contributor
  std::int64_t num_gaussians = 0;
  std::int64_t num_intersections = 0;
  int width = 0, height = 0;
};

// Renders into out (device images) and returns the state for backward. Blocks on `stream` once,
// to read the number of tile intersections before allocating the binning buffer.
ForwardState forward(const Camera& camera, const GaussiansView<float>& gaussians, const Settings& settings,
                     const float* background, const ImagesView<float>& out, const Allocator& allocate,
                     void* stream = nullptr);

// Writes the gradients of every Gaussian parameter and the background (a null image gradient
// counts as zero). Asynchronous on `stream`.
void backward(const Camera& camera, const GaussiansView<float>& gaussians, const Settings& settings,
              const float* background, const ForwardState& state, const ImageGradsView<float>& image_grads,
              const GaussianGradsView<float>& grads, const Allocator& allocate, void* stream = nullptr);

}  // namespace being::splat::cuda
