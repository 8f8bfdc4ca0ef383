// CPU reference of the rasterizer, in float or double. It bins and sorts exactly like the CUDA
// kernels (16x16 tiles, per-tile depth order) and evaluates the same formulas
// (detail/gaussian_math.h); it is the ground truth the CUDA path and the autograd wrapper are
// tested against, and is what training uses on machines without a GPU.
#pragma once

#include <cstdint>
#include <vector>

#include "being/splat/detail/gaussian_math.h"
#include "being/splat/types.h"

namespace being::splat {

// What backward needs from forward.
template <typename T>
struct CpuForwardState {
  std::vector<detail::Projected<T>> projected;  // per Gaussian; radius == 0 when culled
  std::vector<std::int64_t> tile_offsets;       // tiles + 1 offsets into tile_gaussians
  std::vector<std::int64_t> tile_gaussians;     // Gaussian ids per tile, front to back
  std::vector<T> final_transmittance;           // per pixel
  std::vector<std::int64_t> contrib_end;        // per pixel: tile-list position after its last contributor
};

// Renders the Gaussians over background (3 values) into out (all three images must be given).
// Throws std::invalid_argument on a malformed camera or missing arrays.
template <typename T>
CpuForwardState<T> forward_cpu(const Camera& camera, const GaussiansView<T>& gaussians, const Settings& settings,
                               const T* background, const ImagesView<T>& out);

// Gradients of the loss with respect to every Gaussian parameter and the background, given its
// gradients with respect to the three images (a null image gradient counts as zero).
template <typename T>
void backward_cpu(const Camera& camera, const GaussiansView<T>& gaussians, const Settings& settings,
                  const T* background, const CpuForwardState<T>& state, const ImageGradsView<T>& image_grads,
                  const GaussianGradsView<T>& grads);

// Checks the camera and settings; throws std::invalid_argument saying what is wrong.
void validate_camera(const Camera& camera, const Settings& settings);

}  // namespace being::splat
