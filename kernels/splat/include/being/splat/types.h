// Inputs, outputs and settings of the Gaussian splatting rasterizer, shared by the CPU reference
// and the CUDA kernels. All arrays are dense, row-major and owned by the caller; the rasterizer
// never allocates what it is given. Conventions and math: docs/rasterizer.md.
#pragma once

#include <cstdint>

namespace being::splat {

// Side of the square screen tiles the Gaussians are binned into.
inline constexpr int kTileSize = 16;
// A Gaussian reaches a pixel only inside its 3-sigma ellipse: 0.5 * d^T conic d <= 4.5.
inline constexpr double kMaxPower = 4.5;
// Contributions with alpha below 1/255 are skipped; alpha is capped at 0.99 so that every
// Gaussian leaves some transmittance for the ones behind it (and backward can divide by 1-alpha).
inline constexpr double kMinAlpha = 1.0 / 255.0;
inline constexpr double kMaxAlpha = 0.99;
// A pixel stops compositing before the Gaussian that would take its transmittance below this.
inline constexpr double kMinTransmittance = 1e-4;
// SH basis constants of degree 0 and 1 (real spherical harmonics).
inline constexpr double kShC0 = 0.28209479177387814;
inline constexpr double kShC1 = 0.4886025119029199;

// Pinhole camera. Camera space looks down +z with x right and y down. A camera-space point
// (x, y, z) lands at pixel coordinates (fx*x/z + cx, fy*y/z + cy); pixel (col, row) covers
// [col, col+1) x [row, row+1), so its centre is at (col + 0.5, row + 0.5).
struct Camera {
  // World-to-camera transform, row-major 4x4 (the last row is 0 0 0 1 and is not read).
  double view[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  double fx = 0, fy = 0, cx = 0, cy = 0;
  int width = 0, height = 0;
};

struct Settings {
  double near_plane = 0.01;  // Gaussians whose centre has camera z <= near_plane are culled
  double far_plane = 1e10;   // ... and those with z >= far_plane
  double dilation = 0.3;     // added to the 2D covariance diagonal (pixels^2) for anti-aliasing
};

// How a Gaussian's colour is given.
enum class ColorMode {
  kRgb,  // 3 values per Gaussian, used as they are
  kSh0,  // 1x3 SH coefficients: rgb = max(C0*sh0 + 0.5, 0)
  kSh1,  // 4x3 SH coefficients (degree 1), view direction from the camera centre to the mean
};

inline constexpr int color_coefficients(ColorMode mode) { return mode == ColorMode::kSh1 ? 4 : 1; }

// N Gaussians: means [N,3] (world), quats [N,4] (w,x,y,z, any non-zero norm; normalised inside),
// scales [N,3] (linear standard deviations along the rotated axes), opacities [N] (linear, in
// [0,1]), colors [N, color_coefficients(mode), 3].
template <typename T>
struct GaussiansView {
  const T* means = nullptr;
  const T* quats = nullptr;
  const T* scales = nullptr;
  const T* opacities = nullptr;
  const T* colors = nullptr;
  std::int64_t count = 0;
  ColorMode color_mode = ColorMode::kRgb;
};

// Gradients with respect to GaussiansView's arrays (same shapes), and to the background (3).
// Every array is overwritten, not accumulated into.
template <typename T>
struct GaussianGradsView {
  T* means = nullptr;
  T* quats = nullptr;
  T* scales = nullptr;
  T* opacities = nullptr;
  T* colors = nullptr;
  T* background = nullptr;
};

// Rendered images: color [H,W,3] = composited colour over the background, alpha [H,W] = 1 - final
// transmittance, depth [H,W] = sum of camera z * alpha * transmittance (not divided by alpha).
template <typename T>
struct ImagesView {
  T* color = nullptr;
  T* alpha = nullptr;
  T* depth = nullptr;
};

// Gradients of the loss with respect to the rendered images (same shapes as ImagesView).
template <typename T>
struct ImageGradsView {
  const T* color = nullptr;
  const T* alpha = nullptr;
  const T* depth = nullptr;
};

}  // namespace being::splat
