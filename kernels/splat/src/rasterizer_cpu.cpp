#include "being/splat/rasterizer_cpu.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace being::splat {

void validate_camera(const Camera& camera, const Settings& settings) {
  if (camera.width <= 0 || camera.height <= 0)
    throw std::invalid_argument("splat: camera image size must be positive, got " + std::to_string(camera.width) +
                                "x" + std::to_string(camera.height));
  if (!(camera.fx > 0 && camera.fy > 0 && std::isfinite(camera.fx) && std::isfinite(camera.fy)))
    throw std::invalid_argument("splat: camera focal lengths fx, fy must be finite and positive");
  if (!std::isfinite(camera.cx) || !std::isfinite(camera.cy))
    throw std::invalid_argument("splat: camera principal point cx, cy must be finite");
  for (int i = 0; i < 12; ++i)
    if (!std::isfinite(camera.view[i])) throw std::invalid_argument("splat: camera view matrix has NaN/Inf");
  if (!(settings.near_plane > 0 && settings.far_plane > settings.near_plane))
    throw std::invalid_argument("splat: need 0 < near_plane < far_plane");
  if (!(settings.dilation >= 0)) throw std::invalid_argument("splat: dilation must be >= 0");
}

namespace {

template <typename T>
void require_gaussians(const GaussiansView<T>& g) {
  if (g.count < 0) throw std::invalid_argument("splat: negative Gaussian count");
  if (g.count > 0 && (!g.means || !g.quats || !g.scales || !g.opacities || !g.colors))
    throw std::invalid_argument("splat: every Gaussian array (means, quats, scales, opacities, colors) is required");
}

template <typename T>
T image_grad(const T* grads, std::size_t i) {
  return grads ? grads[i] : T(0);
}

}  // namespace

template <typename T>
CpuForwardState<T> forward_cpu(const Camera& camera, const GaussiansView<T>& gaussians, const Settings& settings,
                               const T* background, const ImagesView<T>& out) {
  validate_camera(camera, settings);
  require_gaussians(gaussians);
  if (!background || !out.color || !out.alpha || !out.depth)
    throw std::invalid_argument("splat: forward needs the background and all three output images");
  const auto cam = detail::make_camera_params<T>(camera, settings);
  const std::int64_t n = gaussians.count;
  const int coeffs = 3 * color_coefficients(gaussians.color_mode);

  CpuForwardState<T> state;
  state.projected.resize(n);
  const int num_tiles = cam.tiles_x * cam.tiles_y;
  std::vector<std::vector<std::int64_t>> per_tile(num_tiles);
  for (std::int64_t i = 0; i < n; ++i) {
    auto& p = state.projected[i];
    if (!detail::project_gaussian(cam, gaussians.means + 3 * i, gaussians.quats + 4 * i, gaussians.scales + 3 * i,
                                  gaussians.opacities[i], p))
      continue;
    T raw[3];
    detail::eval_color(cam, gaussians.color_mode, gaussians.means + 3 * i, gaussians.colors + coeffs * i, p.rgb, raw);
    for (int ty = p.tile_min[1]; ty < p.tile_max[1]; ++ty)
      for (int tx = p.tile_min[0]; tx < p.tile_max[0]; ++tx) per_tile[ty * cam.tiles_x + tx].push_back(i);
  }
  state.tile_offsets.assign(num_tiles + 1, 0);
  for (int t = 0; t < num_tiles; ++t) {
    // Ids were appended in increasing order, so a stable sort breaks depth ties by id like the
    // CUDA radix sort does.
    std::stable_sort(per_tile[t].begin(), per_tile[t].end(), [&](std::int64_t a, std::int64_t b) {
      return state.projected[a].depth < state.projected[b].depth;
    });
    state.tile_offsets[t + 1] = state.tile_offsets[t] + static_cast<std::int64_t>(per_tile[t].size());
    state.tile_gaussians.insert(state.tile_gaussians.end(), per_tile[t].begin(), per_tile[t].end());
  }

  const std::size_t pixels = static_cast<std::size_t>(camera.width) * camera.height;
  state.final_transmittance.assign(pixels, T(1));
  state.contrib_end.assign(pixels, 0);
  for (int row = 0; row < camera.height; ++row) {
    for (int col = 0; col < camera.width; ++col) {
      const std::size_t pix = static_cast<std::size_t>(row) * camera.width + col;
      const int tile = (row / kTileSize) * cam.tiles_x + col / kTileSize;
      const T x = T(col) + T(0.5), y = T(row) + T(0.5);
      T transmittance = 1, color[3] = {0, 0, 0}, depth = 0;
      std::int64_t end = state.tile_offsets[tile];
      for (std::int64_t k = state.tile_offsets[tile]; k < state.tile_offsets[tile + 1]; ++k) {
        const auto& p = state.projected[state.tile_gaussians[k]];
        T g, dx, dy;
        const T alpha = detail::pixel_alpha(p.mean2d, p.conic, p.opacity, x, y, g, dx, dy);
        if (alpha == T(0)) continue;
        const T next = transmittance * (T(1) - alpha);
        if (next < T(kMinTransmittance)) break;
        const T weight = alpha * transmittance;
        for (int c = 0; c < 3; ++c) color[c] += p.rgb[c] * weight;
        depth += p.depth * weight;
        transmittance = next;
        end = k + 1;
      }
      state.final_transmittance[pix] = transmittance;
      state.contrib_end[pix] = end;
      for (int c = 0; c < 3; ++c) out.color[3 * pix + c] = color[c] + transmittance * background[c];
      out.alpha[pix] = T(1) - transmittance;
      out.depth[pix] = depth;
    }
  }
  return state;
}

template <typename T>
void backward_cpu(const Camera& camera, const GaussiansView<T>& gaussians, const Settings& settings,
                  const T* background, const CpuForwardState<T>& state, const ImageGradsView<T>& image_grads,
                  const GaussianGradsView<T>& grads) {
  validate_camera(camera, settings);
  require_gaussians(gaussians);
  if (!background || !grads.means || !grads.quats || !grads.scales || !grads.opacities || !grads.colors ||
      !grads.background)
    throw std::invalid_argument("splat: backward needs the background and every gradient array");
  const auto cam = detail::make_camera_params<T>(camera, settings);
  const std::int64_t n = gaussians.count;
  if (static_cast<std::int64_t>(state.projected.size()) != n ||
      state.final_transmittance.size() != static_cast<std::size_t>(camera.width) * camera.height)
    throw std::invalid_argument("splat: backward state does not belong to these Gaussians and camera");
  const int coeffs = 3 * color_coefficients(gaussians.color_mode);

  // Gradients with respect to each Gaussian's screen-space values.
  std::vector<T> g_mean2d(2 * n, T(0)), g_conic(3 * n, T(0)), g_rgb(3 * n, T(0)), g_depth(n, T(0));
  std::fill(grads.opacities, grads.opacities + n, T(0));
  T g_background[3] = {0, 0, 0};

  for (int row = 0; row < camera.height; ++row) {
    for (int col = 0; col < camera.width; ++col) {
      const std::size_t pix = static_cast<std::size_t>(row) * camera.width + col;
      const int tile = (row / kTileSize) * cam.tiles_x + col / kTileSize;
      const T x = T(col) + T(0.5), y = T(row) + T(0.5);
      const T final_t = state.final_transmittance[pix];
      const T gc[3] = {image_grad(image_grads.color, 3 * pix), image_grad(image_grads.color, 3 * pix + 1),
                       image_grad(image_grads.color, 3 * pix + 2)};
      const T ga = image_grad(image_grads.alpha, pix), gd = image_grad(image_grads.depth, pix);
      for (int c = 0; c < 3; ++c) g_background[c] += final_t * gc[c];
      // Walk the contributors back to front, recovering each one's transmittance from the next.
      // behind_color/behind_depth: what the Gaussians behind the current one (and the background)
      // add to the pixel.
      T transmittance = final_t;
      T behind_color[3] = {final_t * background[0], final_t * background[1], final_t * background[2]};
      T behind_depth = 0;
      for (std::int64_t k = state.contrib_end[pix] - 1; k >= state.tile_offsets[tile]; --k) {
        const std::int64_t id = state.tile_gaussians[k];
        const auto& p = state.projected[id];
        T g, dx, dy;
        const T alpha = detail::pixel_alpha(p.mean2d, p.conic, p.opacity, x, y, g, dx, dy);
        if (alpha == T(0)) continue;
        const T one_minus = T(1) - alpha;
        transmittance /= one_minus;
        const T weight = alpha * transmittance;
        T g_alpha = ga * final_t / one_minus;
        for (int c = 0; c < 3; ++c) {
          g_rgb[3 * id + c] += weight * gc[c];
          g_alpha += gc[c] * (transmittance * p.rgb[c] - behind_color[c] / one_minus);
          behind_color[c] += p.rgb[c] * weight;
        }
        g_depth[id] += weight * gd;
        g_alpha += gd * (transmittance * p.depth - behind_depth / one_minus);
        behind_depth += p.depth * weight;
        detail::pixel_alpha_backward(p.conic, p.opacity, g, dx, dy, alpha, g_alpha, &g_mean2d[2 * id],
                                     &g_conic[3 * id], grads.opacities[id]);
      }
    }
  }
  for (int c = 0; c < 3; ++c) grads.background[c] = g_background[c];

  for (std::int64_t i = 0; i < n; ++i) {
    T* gm = grads.means + 3 * i;
    T* gq = grads.quats + 4 * i;
    T* gs = grads.scales + 3 * i;
    T* gcol = grads.colors + coeffs * i;
    if (state.projected[i].radius == 0) {
      std::fill(gm, gm + 3, T(0));
      std::fill(gq, gq + 4, T(0));
      std::fill(gs, gs + 3, T(0));
      std::fill(gcol, gcol + coeffs, T(0));
      continue;
    }
    detail::project_gaussian_backward(cam, gaussians.color_mode, gaussians.means + 3 * i, gaussians.quats + 4 * i,
                                      gaussians.scales + 3 * i, gaussians.colors + coeffs * i, &g_mean2d[2 * i],
                                      &g_conic[3 * i], g_depth[i], &g_rgb[3 * i], gm, gq, gs, gcol);
  }
}

template CpuForwardState<float> forward_cpu(const Camera&, const GaussiansView<float>&, const Settings&,
                                            const float*, const ImagesView<float>&);
template CpuForwardState<double> forward_cpu(const Camera&, const GaussiansView<double>&, const Settings&,
                                             const double*, const ImagesView<double>&);
template void backward_cpu(const Camera&, const GaussiansView<float>&, const Settings&, const float*,
                           const CpuForwardState<float>&, const ImageGradsView<float>&,
                           const GaussianGradsView<float>&);
template void backward_cpu(const Camera&, const GaussiansView<double>&, const Settings&, const double*,
                           const CpuForwardState<double>&, const ImageGradsView<double>&,
                           const GaussianGradsView<double>&);

}  // namespace being::splat
