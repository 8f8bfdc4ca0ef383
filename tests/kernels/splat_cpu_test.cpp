// CPU reference of the Gaussian rasterizer: forward against an independent brute-force per-pixel
// evaluation (Eigen, no tiles), backward against central finite differences in float64 for every
// parameter type, on scenes with overlapping, tiny, huge, off-screen, behind-camera, nearly
// transparent and opaque Gaussians.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/splat/rasterizer_cpu.h"
#include "splat_scenes.h"

namespace being::splat {
namespace {

using test::make_scene;
using test::Scene;

struct Images {
  std::vector<double> color, alpha, depth;
  explicit Images(const Camera& c)
      : color(3 * std::size_t(c.width) * c.height), alpha(std::size_t(c.width) * c.height), depth(alpha.size()) {}
  ImagesView<double> view() { return {color.data(), alpha.data(), depth.data()}; }
};

// Every pixel against every Gaussian in depth order, straight from the definitions in
// docs/rasterizer.md, written without the shared math header.
Images brute_force(const Scene& s, const Settings& settings) {
  const Camera& cam = s.camera;
  Eigen::Matrix3d view_rot;
  Eigen::Vector3d view_t;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) view_rot(r, c) = cam.view[r * 4 + c];
    view_t(r) = cam.view[r * 4 + 3];
  }
  const Eigen::Vector3d center = -view_rot.transpose() * view_t;
  struct Splat {
    double depth;
    std::int64_t id;
    Eigen::Vector2d mean;
    Eigen::Matrix2d conic;
    double opacity;
    Eigen::Vector3d rgb;
  };
  std::vector<Splat> splats;
  const int coeffs = 3 * color_coefficients(s.mode);
  for (std::int64_t i = 0; i < s.count(); ++i) {
    const Eigen::Vector3d mean(s.means[3 * i], s.means[3 * i + 1], s.means[3 * i + 2]);
    const Eigen::Vector3d p = view_rot * mean + view_t;
    if (p.z() <= settings.near_plane || p.z() >= settings.far_plane || s.opacities[i] < kMinAlpha) continue;
    const Eigen::Quaterniond q =
        Eigen::Quaterniond(s.quats[4 * i], s.quats[4 * i + 1], s.quats[4 * i + 2], s.quats[4 * i + 3]).normalized();
    const Eigen::Vector3d scale(s.scales[3 * i], s.scales[3 * i + 1], s.scales[3 * i + 2]);
    const Eigen::Matrix3d m = q.toRotationMatrix() * scale.asDiagonal();
    const Eigen::Matrix3d sigma = m * m.transpose();
    const double ux = std::clamp(p.x() / p.z(), -(cam.cx + 0.15 * cam.width) / cam.fx,
                                 (cam.width - cam.cx + 0.15 * cam.width) / cam.fx);
    const double uy = std::clamp(p.y() / p.z(), -(cam.cy + 0.15 * cam.height) / cam.fy,
                                 (cam.height - cam.cy + 0.15 * cam.height) / cam.fy);
    Eigen::Matrix<double, 2, 3> jac;
    jac << cam.fx / p.z(), 0, -cam.fx * ux / p.z(), 0, cam.fy / p.z(), -cam.fy * uy / p.z();
    const Eigen::Matrix2d cov =
        jac * view_rot * sigma * view_rot.transpose() * jac.transpose() + settings.dilation * Eigen::Matrix2d::Identity();
    Splat sp{p.z(), i, {cam.fx * p.x() / p.z() + cam.cx, cam.fy * p.y() / p.z() + cam.cy}, cov.inverse(),
             s.opacities[i], {}};
    const double* c = s.colors.data() + coeffs * i;
    if (s.mode == ColorMode::kRgb) {
      sp.rgb = {c[0], c[1], c[2]};
    } else {
      const Eigen::Vector3d dir = (mean - center).normalized();
      for (int k = 0; k < 3; ++k) {
        double v = kShC0 * c[k] + 0.5;
        if (s.mode == ColorMode::kSh1) v += kShC1 * (-dir.y() * c[3 + k] + dir.z() * c[6 + k] - dir.x() * c[9 + k]);
        sp.rgb(k) = std::max(v, 0.0);
      }
    }
    splats.push_back(sp);
  }
  std::stable_sort(splats.begin(), splats.end(), [](const Splat& a, const Splat& b) { return a.depth < b.depth; });

  Images out(cam);
  for (int row = 0; row < cam.height; ++row) {
    for (int col = 0; col < cam.width; ++col) {
      const Eigen::Vector2d pixel(col + 0.5, row + 0.5);
      double t = 1, depth = 0;
      Eigen::Vector3d color = Eigen::Vector3d::Zero();
      for (const auto& sp : splats) {
        const Eigen::Vector2d d = sp.mean - pixel;
        const double power = 0.5 * d.dot(sp.conic * d);
        if (power > 4.5) continue;
        const double alpha = std::min(0.99, sp.opacity * std::exp(-power));
        if (alpha < 1.0 / 255.0) continue;
        const double next = t * (1 - alpha);
        if (next < 1e-4) break;
        color += sp.rgb * alpha * t;
        depth += sp.depth * alpha * t;
        t = next;
      }
      const std::size_t pix = std::size_t(row) * cam.width + col;
      for (int k = 0; k < 3; ++k) out.color[3 * pix + k] = color(k) + t * s.background[k];
      out.alpha[pix] = 1 - t;
      out.depth[pix] = depth;
    }
  }
  return out;
}

struct Case {
  ColorMode mode;
  int width, height;
  unsigned seed;
};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  const char* mode = info.param.mode == ColorMode::kRgb ? "rgb" : info.param.mode == ColorMode::kSh0 ? "sh0" : "sh1";
  return std::string(mode) + "_" + std::to_string(info.param.width) + "x" + std::to_string(info.param.height) + "_" +
         std::to_string(info.param.seed);
}

class SplatCpuForward : public testing::TestWithParam<Case> {};

TEST_P(SplatCpuForward, MatchesBruteForceEvaluation) {
  const Case c = GetParam();
  const Scene scene = make_scene(c.seed, c.width, c.height, c.mode, 60);
  Images tiled(scene.camera);
  const auto state = forward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background, tiled.view());
  const Images brute = brute_force(scene, Settings{});
  double worst = 0;
  for (std::size_t i = 0; i < tiled.color.size(); ++i) worst = std::max(worst, std::abs(tiled.color[i] - brute.color[i]));
  for (std::size_t i = 0; i < tiled.alpha.size(); ++i) {
    worst = std::max(worst, std::abs(tiled.alpha[i] - brute.alpha[i]));
    worst = std::max(worst, std::abs(tiled.depth[i] - brute.depth[i]));
  }
  EXPECT_LT(worst, 1e-10);
  // The scene is not trivial: something is drawn, and the awkward Gaussians are culled or kept
  // as intended (see make_scene's order: ordinary, 4 overlapping, tiny, huge, far off screen, just
  // off screen, behind, too near, nearly transparent, below 1/255, opaque stack).
  const std::int64_t special = 60;
  EXPECT_GT(state.projected[special + 4].radius, 0);      // tiny
  EXPECT_GT(state.projected[special + 5].radius, 0);      // huge
  EXPECT_EQ(state.projected[special + 6].radius, 0);      // far off screen
  EXPECT_GT(state.projected[special + 7].radius, 0);      // centre off screen, footprint on it
  EXPECT_EQ(state.projected[special + 8].radius, 0);      // behind
  EXPECT_EQ(state.projected[special + 9].radius, 0);      // nearer than the near plane
  EXPECT_GT(state.projected[special + 10].radius, 0);     // nearly transparent
  EXPECT_EQ(state.projected[special + 11].radius, 0);     // below 1/255
  const double mean_alpha = std::accumulate(tiled.alpha.begin(), tiled.alpha.end(), 0.0) / tiled.alpha.size();
  EXPECT_GT(mean_alpha, 0.15);
  // The opaque stack terminates some pixels early.
  EXPECT_GT(*std::max_element(tiled.alpha.begin(), tiled.alpha.end()), 1 - 1e-3);
}

TEST_P(SplatCpuForward, FloatMatchesDouble) {
  const Case c = GetParam();
  const Scene scene = make_scene(c.seed, c.width, c.height, c.mode, 60);
  Images reference(scene.camera);
  forward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background, reference.view());
  auto to_float = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  const auto means = to_float(scene.means), quats = to_float(scene.quats), scales = to_float(scene.scales),
             opacities = to_float(scene.opacities), colors = to_float(scene.colors);
  const float background[3] = {float(scene.background[0]), float(scene.background[1]), float(scene.background[2])};
  std::vector<float> color(reference.color.size()), alpha(reference.alpha.size()), depth(reference.depth.size());
  forward_cpu<float>(scene.camera,
                     {means.data(), quats.data(), scales.data(), opacities.data(), colors.data(), scene.count(), c.mode},
                     Settings{}, background, {color.data(), alpha.data(), depth.data()});
  std::size_t off = 0;
  for (std::size_t i = 0; i < color.size(); ++i) off += std::abs(color[i] - reference.color[i]) > 1e-3;
  // float rounding may flip a threshold decision (3-sigma edge, 1/255) at a handful of pixels
  EXPECT_LE(off, color.size() / 500);
}

// Loss = sum of random weights times every output pixel; its gradient is what backward gets.
struct Loss {
  std::vector<double> w_color, w_alpha, w_depth;
  Loss(const Camera& cam, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const std::size_t pixels = std::size_t(cam.width) * cam.height;
    for (std::size_t i = 0; i < 3 * pixels; ++i) w_color.push_back(u(rng));
    for (std::size_t i = 0; i < pixels; ++i) w_alpha.push_back(u(rng));
    for (std::size_t i = 0; i < pixels; ++i) w_depth.push_back(0.1 * u(rng));
  }
  double operator()(const Scene& s) const {
    Images im(s.camera);
    forward_cpu<double>(s.camera, s.view(), Settings{}, s.background, im.view());
    double l = 0;
    for (std::size_t i = 0; i < im.color.size(); ++i) l += w_color[i] * im.color[i];
    for (std::size_t i = 0; i < im.alpha.size(); ++i) l += w_alpha[i] * im.alpha[i] + w_depth[i] * im.depth[i];
    return l;
  }
};

class SplatCpuGradient : public testing::TestWithParam<Case> {};

TEST_P(SplatCpuGradient, MatchesFiniteDifferences) {
  const Case c = GetParam();
  Scene scene = make_scene(c.seed, c.width, c.height, c.mode, 25);
  const Loss loss(scene.camera, c.seed + 100);
  Images im(scene.camera);
  const auto state = forward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background, im.view());
  const std::int64_t n = scene.count();
  std::vector<double> g_means(3 * n), g_quats(4 * n), g_scales(3 * n), g_opacities(n), g_colors(scene.colors.size()),
      g_background(3);
  backward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background, state,
                       {loss.w_color.data(), loss.w_alpha.data(), loss.w_depth.data()},
                       {g_means.data(), g_quats.data(), g_scales.data(), g_opacities.data(), g_colors.data(),
                        g_background.data()});

  struct Param {
    const char* name;
    double* values;
    const std::vector<double>* grads;
    std::size_t size;
  };
  double* background = scene.background;
  const std::vector<double> g_background_vec = g_background;
  const Param params[] = {{"means", scene.means.data(), &g_means, g_means.size()},
                          {"quats", scene.quats.data(), &g_quats, g_quats.size()},
                          {"scales", scene.scales.data(), &g_scales, g_scales.size()},
                          {"opacities", scene.opacities.data(), &g_opacities, g_opacities.size()},
                          {"colors", scene.colors.data(), &g_colors, g_colors.size()},
                          {"background", background, &g_background_vec, 3}};
  for (const auto& p : params) {
    double worst = 0, largest = 0;
    std::size_t worst_index = 0;
    for (std::size_t k = 0; k < p.size; ++k) {
      const double saved = p.values[k];
      const double h = 1e-6 * std::max(1.0, std::abs(saved));
      p.values[k] = saved + h;
      const double up = loss(scene);
      p.values[k] = saved - h;
      const double down = loss(scene);
      p.values[k] = saved;
      const double numeric = (up - down) / (2 * h);
      const double analytic = (*p.grads)[k];
      // Central differences with h = 1e-6 carry about 1e-8 of rounding noise at these loss sizes.
      const double error = std::abs(numeric - analytic) / (1e-6 + 1e-5 * std::abs(numeric));
      largest = std::max(largest, std::abs(analytic));
      if (error > worst) worst = error, worst_index = k;
    }
    EXPECT_LT(worst, 1.0) << p.name << "[" << worst_index << "]: analytic " << (*p.grads)[worst_index];
    EXPECT_GT(largest, 1e-3) << p.name << ": gradients are all (nearly) zero, the check proves nothing";
  }
}

const Case kForwardCases[] = {{ColorMode::kRgb, 64, 48, 1}, {ColorMode::kSh0, 37, 29, 2}, {ColorMode::kSh1, 53, 71, 3},
                              {ColorMode::kSh1, 128, 96, 4}};
INSTANTIATE_TEST_SUITE_P(Scenes, SplatCpuForward, testing::ValuesIn(kForwardCases), case_name);

const Case kGradientCases[] = {{ColorMode::kRgb, 37, 29, 11}, {ColorMode::kSh0, 32, 32, 12}, {ColorMode::kSh1, 41, 23, 13},
                               {ColorMode::kSh1, 48, 40, 14}};
INSTANTIATE_TEST_SUITE_P(Scenes, SplatCpuGradient, testing::ValuesIn(kGradientCases), case_name);

TEST(SplatCpu, RejectsBadCamera) {
  Scene scene = make_scene(1, 16, 16, ColorMode::kRgb, 3);
  Images im(scene.camera);
  Camera bad = scene.camera;
  bad.fx = 0;
  EXPECT_THROW(forward_cpu<double>(bad, scene.view(), Settings{}, scene.background, im.view()), std::invalid_argument);
  bad = scene.camera;
  bad.view[3] = std::nan("");
  EXPECT_THROW(forward_cpu<double>(bad, scene.view(), Settings{}, scene.background, im.view()), std::invalid_argument);
  Settings near_beyond_far;
  near_beyond_far.near_plane = 2e10;
  EXPECT_THROW(forward_cpu<double>(scene.camera, scene.view(), near_beyond_far, scene.background, im.view()),
               std::invalid_argument);
  auto missing = scene.view();
  missing.quats = nullptr;
  EXPECT_THROW(forward_cpu<double>(scene.camera, missing, Settings{}, scene.background, im.view()), std::invalid_argument);
}

TEST(SplatCpu, EmptySceneShowsBackground) {
  Scene scene = make_scene(1, 20, 10, ColorMode::kRgb, 0);
  auto none = scene.view();
  none.count = 0;
  Images im(scene.camera);
  forward_cpu<double>(scene.camera, none, Settings{}, scene.background, im.view());
  for (std::size_t i = 0; i < im.alpha.size(); ++i) {
    EXPECT_EQ(im.alpha[i], 0.0);
    EXPECT_EQ(im.color[3 * i + 2], scene.background[2]);
  }
}

}  // namespace
}  // namespace being::splat
