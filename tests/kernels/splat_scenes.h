// Random test scenes for the rasterizer tests: ordinary Gaussians plus the awkward cases
// (overlapping, tiny, huge, off screen, behind the camera, nearly transparent, opaque stacks).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "being/splat/types.h"

namespace being::splat::test {

struct Scene {
  Camera camera;
  ColorMode mode = ColorMode::kRgb;
  std::vector<double> means, quats, scales, opacities, colors;
  double background[3] = {0.2, 0.5, 0.8};
  std::int64_t count() const { return static_cast<std::int64_t>(opacities.size()); }
  GaussiansView<double> view() const {
    return {means.data(), quats.data(), scales.data(), opacities.data(), colors.data(), count(), mode};
  }
};

// The camera is slightly rotated and off-centre; Gaussians are placed in camera space and
// mapped to world space, so the view matrix is exercised.
inline Scene make_scene(unsigned seed, int width, int height, ColorMode mode, int ordinary) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  Scene s;
  s.mode = mode;
  Camera& cam = s.camera;
  cam.width = width;
  cam.height = height;
  cam.fx = 0.9 * width;
  cam.fy = 0.95 * width;
  cam.cx = 0.5 * width + 1.3;
  cam.cy = 0.5 * height - 0.7;
  const double ay = 0.2, ax = -0.1;  // rotation about y then x
  const double ry[9] = {std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay)};
  const double rx[9] = {1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax)};
  double r[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r[i * 3 + j] = rx[i * 3 + 0] * ry[0 * 3 + j] + rx[i * 3 + 1] * ry[1 * 3 + j] + rx[i * 3 + 2] * ry[2 * 3 + j];
  const double t[3] = {0.1, -0.2, 0.3};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) cam.view[i * 4 + j] = r[i * 3 + j];
    cam.view[i * 4 + 3] = t[i];
  }
  const int coeffs = 3 * color_coefficients(mode);
  // Adds a Gaussian whose centre is at camera-space (x/z * z, y/z * z, z).
  auto add = [&](double u_x, double u_y, double z, double scale, double opacity) {
    const double pc[3] = {u_x * z - t[0], u_y * z - t[1], z - t[2]};
    for (int j = 0; j < 3; ++j) s.means.push_back(r[0 * 3 + j] * pc[0] + r[1 * 3 + j] * pc[1] + r[2 * 3 + j] * pc[2]);
    for (int k = 0; k < 4; ++k) s.quats.push_back(normal(rng));
    for (int k = 0; k < 3; ++k) s.scales.push_back(scale * (0.4 + 0.8 * u(rng)));
    s.opacities.push_back(opacity);
    for (int k = 0; k < coeffs; ++k) s.colors.push_back(k < 3 ? 0.2 + 0.6 * u(rng) : 0.5 * normal(rng));
  };
  const double half_x = 0.5 * width / cam.fx, half_y = 0.5 * height / cam.fy;
  for (int i = 0; i < ordinary; ++i)
    add(half_x * (2 * u(rng) - 1), half_y * (2 * u(rng) - 1), 2 + 4 * u(rng), 0.03 + 0.1 * u(rng),
        0.1 + 0.85 * u(rng));
  for (int i = 0; i < 4; ++i) add(0.1 + 0.01 * i, -0.05, 3 + 0.05 * i, 0.15, 0.6);  // overlapping
  add(-0.2, 0.1, 2.5, 1e-4, 0.8);                                                    // tiny: dilation only
  add(0.05, 0.0, 4.0, 3.0, 0.3);                                                     // huge: covers the image
  add(3.0 * half_x, 0.0, 3.0, 0.1, 0.9);                                             // far off screen
  add(1.05 * half_x, 0.3 * half_y, 3.0, 0.12, 0.9);                                  // centre just off screen
  add(0.0, 0.0, -2.0, 0.2, 0.9);                                                     // behind the camera
  add(0.0, 0.0, 0.005, 0.2, 0.9);                                                    // in front of the near plane
  add(-0.1, 0.2, 2.2, 0.2, 0.006);                                                   // nearly transparent
  add(0.2, 0.2, 2.2, 0.2, 0.003);                                                    // below 1/255: culled
  for (int i = 0; i < 3; ++i) add(-0.25, -0.2, 1.5 + 0.1 * i, 0.12, 0.97 + 0.01 * i);  // opaque stack
  return s;
}

}  // namespace being::splat::test
