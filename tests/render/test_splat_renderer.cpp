// Golden-image tests of the Vulkan splat renderer: random scenes rendered on the GPU (lavapipe in
// CI) and by the trainer's CPU reference (being::splat::forward_cpu<float>) must agree to
// PSNR >= 40 dB in colour and alpha, in every background mode. On failure both images are written
// as PNG to the test's scratch directory.
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"
#include "being/splat/rasterizer_cpu.h"
#include "being_test.h"
#include "../gpu/vulkan_test_context.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace being::render {
namespace {

constexpr double min_psnr_db = 40.0;

// A scene in the .avatar layout, plus what the CPU reference needs (w-first quaternions, linear
// scales).
struct Scene {
  std::string name;
  asset::Gaussians gaussians;
  splat::Camera camera;

  std::vector<float> quats_wxyz() const {
    const auto& r = gaussians.rotations;
    std::vector<float> q(r.size());
    for (std::size_t i = 0; i < r.size(); i += 4) q[i] = r[i + 3], q[i + 1] = r[i], q[i + 2] = r[i + 1], q[i + 3] = r[i + 2];
    return q;
  }
  std::vector<float> scales() const {
    std::vector<float> s(gaussians.log_scales.size());
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = std::exp(gaussians.log_scales[i]);
    return s;
  }
};

struct SceneSpec {
  std::string name;
  int width = 100, height = 75;
  int count = 1000;
  float z_min = 1.5f, z_max = 6.0f;
  float spread = 1.0f;  // 1: centres within the view frustum; larger: partly off screen
  float log_scale_min = std::log(0.01f), log_scale_max = std::log(0.08f);
  float opacity_min = 0.2f, opacity_max = 1.0f;
  int sh_degree = 1;
  std::uint32_t seed = 1;
};

// World-to-camera: a rotation about y then x and a translation, so the view direction of SH
// degree 1 and the camera centre are not trivial.
splat::Camera make_test_camera(int width, int height, std::mt19937& rng) {
  std::uniform_real_distribution<double> angle(-0.3, 0.3), shift(-0.5, 0.5);
  const double ay = angle(rng), ax = angle(rng);
  const double cy = std::cos(ay), sy = std::sin(ay), cx = std::cos(ax), sx = std::sin(ax);
  // R = Rx * Ry
  const double r[9] = {cy, 0, sy, sx * sy, cx, -sx * cy, -cx * sy, sx, cx * cy};
  splat::Camera cam;
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) cam.view[row * 4 + col] = r[row * 3 + col];
    cam.view[row * 4 + 3] = shift(rng);
  }
  cam.fx = 1.1 * width;
  cam.fy = 1.1 * width;
  cam.cx = 0.5 * width + 3.3;
  cam.cy = 0.5 * height - 2.1;
  cam.width = width;
  cam.height = height;
  return cam;
}

Scene make_scene(const SceneSpec& spec) {
  std::mt19937 rng(spec.seed);
  Scene scene;
  scene.name = spec.name;
  scene.camera = make_test_camera(spec.width, spec.height, rng);
  const auto& v = scene.camera.view;
  std::uniform_real_distribution<float> unit(0.0f, 1.0f), sym(-1.0f, 1.0f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto& g = scene.gaussians;
  g.sh_degree = spec.sh_degree;
  const int coefficients = g.sh_coefficients();
  for (int i = 0; i < spec.count; ++i) {
    const float z = spec.z_min + (spec.z_max - spec.z_min) * unit(rng);
    const double half_w = 0.5 * spec.width / scene.camera.fx, half_h = 0.5 * spec.height / scene.camera.fy;
    const double pc[3] = {sym(rng) * spec.spread * half_w * std::abs(z), sym(rng) * spec.spread * half_h * std::abs(z),
                          z};
    // world = R^T (camera - t)
    for (int c = 0; c < 3; ++c) {
      double w = 0;
      for (int r = 0; r < 3; ++r) w += v[r * 4 + c] * (pc[r] - v[r * 4 + 3]);
      g.positions.push_back(static_cast<float>(w));
    }
    float q[4] = {normal(rng), normal(rng), normal(rng), normal(rng)};
    for (float c : q) g.rotations.push_back(c * 1.7f);  // not normalised: the renderer must do it
    for (int c = 0; c < 3; ++c)
      g.log_scales.push_back(spec.log_scale_min + (spec.log_scale_max - spec.log_scale_min) * unit(rng));
    g.opacities.push_back(spec.opacity_min + (spec.opacity_max - spec.opacity_min) * unit(rng));
    for (int k = 0; k < coefficients * 3; ++k) g.sh.push_back(k < 3 ? 1.6f * sym(rng) : 0.6f * sym(rng));
  }
  return scene;
}

struct Reference {
  std::vector<float> color, alpha, depth;
  std::int64_t intersections = 0;
};

Reference render_cpu(const Scene& scene, const float background[3]) {
  const auto quats = scene.quats_wxyz();
  const auto scales = scene.scales();
  const auto& g = scene.gaussians;
  splat::GaussiansView<float> view;
  view.means = g.positions.data();
  view.quats = quats.data();
  view.scales = scales.data();
  view.opacities = g.opacities.data();
  view.colors = g.sh.data();
  view.count = static_cast<std::int64_t>(g.count());
  view.color_mode = g.sh_degree == 1 ? splat::ColorMode::kSh1 : splat::ColorMode::kSh0;
  const std::size_t pixels = static_cast<std::size_t>(scene.camera.width) * scene.camera.height;
  Reference ref;
  ref.color.resize(3 * pixels);
  ref.alpha.resize(pixels);
  ref.depth.resize(pixels);
  const auto state = splat::forward_cpu<float>(scene.camera, view, splat::Settings{}, background,
                                               {ref.color.data(), ref.alpha.data(), ref.depth.data()});
  ref.intersections = state.tile_offsets.back();
  return ref;
}

double psnr(const std::vector<float>& a, const std::vector<float>& b, double peak = 1.0) {
  double se = 0;
  for (std::size_t i = 0; i < a.size(); ++i) se += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  const double mse = se / static_cast<double>(a.size());
  return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(peak * peak / mse);
}

void write_png(const std::filesystem::path& path, const std::vector<float>& values, int width, int height,
               int channels) {
  std::vector<std::uint8_t> bytes(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(std::lround(std::clamp(values[i], 0.0f, 1.0f) * 255.0f));
  stbi_write_png(path.c_str(), width, height, channels, bytes.data(), width * channels);
}

class SplatRendererTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    context_ = std::make_unique<gpu::Context>(test::vulkan_test_options());
    std::printf("device: %s\n", context_->device_info().name.c_str());
    renderer_ = std::make_unique<SplatRenderer>(*context_);
  }
  static void TearDownTestSuite() {
    renderer_.reset();
    context_.reset();
  }

  // Renders `scene` on the GPU and compares colour and alpha with `expected`; on failure writes
  // both as PNG.
  static void expect_match(const Scene& scene, const std::string& mode, const std::vector<float>& expected_color,
                           const std::vector<float>& expected_alpha, const FrameOptions& options = {}) {
    const FrameInfo info = renderer_->render(scene.camera, options);
    const std::size_t pixels = static_cast<std::size_t>(scene.camera.width) * scene.camera.height;
    const float* rgba = renderer_->host_rgba();
    std::vector<float> color(3 * pixels), alpha(pixels);
    for (std::size_t i = 0; i < pixels; ++i) {
      for (int c = 0; c < 3; ++c) color[3 * i + c] = rgba[4 * i + c];
      alpha[i] = rgba[4 * i + 3];
    }
    const double color_db = psnr(color, expected_color), alpha_db = psnr(alpha, expected_alpha);
    std::printf("%-12s %-11s %4dx%-4d %5zu Gaussians %7u intersections: PSNR colour %.1f dB, alpha %.1f dB\n",
                scene.name.c_str(), mode.c_str(), scene.camera.width, scene.camera.height,
                scene.gaussians.count(), info.intersections, color_db, alpha_db);
    EXPECT_GE(color_db, min_psnr_db) << scene.name << " " << mode;
    EXPECT_GE(alpha_db, min_psnr_db) << scene.name << " " << mode;
    if (color_db < min_psnr_db || alpha_db < min_psnr_db) {
      const auto dir = test::scratch_dir("render_" + scene.name + "_" + mode);
      const int w = scene.camera.width, h = scene.camera.height;
      write_png(dir / "vulkan_color.png", color, w, h, 3);
      write_png(dir / "cpu_color.png", expected_color, w, h, 3);
      write_png(dir / "vulkan_alpha.png", alpha, w, h, 1);
      write_png(dir / "cpu_alpha.png", expected_alpha, w, h, 1);
      ADD_FAILURE() << "images written to " << dir;
    }
  }

  // Every background mode against the reference.
  static void check_all_modes(const Scene& scene) {
    renderer_->set_gaussians(arrays_of(scene.gaussians));
    const std::size_t pixels = static_cast<std::size_t>(scene.camera.width) * scene.camera.height;
    const std::vector<float> opaque(pixels, 1.0f);

    const float black[3] = {0, 0, 0};
    const Reference bare = render_cpu(scene, black);
    renderer_->set_transparent_background();
    expect_match(scene, "transparent", bare.color, bare.alpha);

    const float background[3] = {0.2f, 0.7f, 0.45f};
    const Reference solid = render_cpu(scene, background);
    renderer_->set_background_color(background[0], background[1], background[2]);
    expect_match(scene, "solid", solid.color, opaque);

    std::mt19937 rng(7);
    std::vector<std::uint8_t> plate(3 * pixels);
    for (auto& p : plate) p = static_cast<std::uint8_t>(rng() & 0xff);
    std::vector<float> over_plate(3 * pixels);
    for (std::size_t i = 0; i < pixels; ++i)
      for (int c = 0; c < 3; ++c)
        over_plate[3 * i + c] = bare.color[3 * i + c] + (1.0f - bare.alpha[i]) * (plate[3 * i + c] / 255.0f);
    renderer_->set_plate(plate.data(), scene.camera.width, scene.camera.height);
    expect_match(scene, "plate", over_plate, opaque);
  }

  static std::unique_ptr<gpu::Context> context_;
  static std::unique_ptr<SplatRenderer> renderer_;
};

std::unique_ptr<gpu::Context> SplatRendererTest::context_;
std::unique_ptr<SplatRenderer> SplatRendererTest::renderer_;

TEST_F(SplatRendererTest, OverlappingShDegree1) {
  SceneSpec spec;
  spec.name = "overlapping";
  spec.count = 3000;
  spec.spread = 0.5f;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, OverlappingShDegree0At256) {
  SceneSpec spec;
  spec.name = "overlap_sh0";
  spec.width = spec.height = 256;
  spec.count = 3000;
  spec.sh_degree = 0;
  spec.seed = 2;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, TinyGaussians) {
  SceneSpec spec;
  spec.name = "tiny";
  spec.width = spec.height = 256;
  spec.count = 4000;
  spec.log_scale_min = std::log(1e-5f);
  spec.log_scale_max = std::log(1e-3f);
  spec.seed = 3;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, HugeGaussians) {
  SceneSpec spec;
  spec.name = "huge";
  spec.count = 40;
  spec.log_scale_min = std::log(0.5f);
  spec.log_scale_max = std::log(4.0f);
  spec.opacity_min = 0.05f;
  spec.opacity_max = 0.4f;
  spec.seed = 4;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, PartlyOffScreen) {
  SceneSpec spec;
  spec.name = "offscreen";
  spec.width = spec.height = 256;
  spec.count = 3000;
  spec.spread = 3.0f;
  spec.log_scale_max = std::log(0.3f);
  spec.seed = 5;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, BehindAndAtTheCamera) {
  SceneSpec spec;
  spec.name = "behind";
  spec.count = 3000;
  spec.z_min = -3.0f;
  spec.z_max = 3.0f;
  spec.sh_degree = 0;
  spec.seed = 6;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, NearlyTransparent) {
  SceneSpec spec;
  spec.name = "faint";
  spec.width = spec.height = 256;
  spec.count = 4000;
  spec.opacity_min = 0.001f;
  spec.opacity_max = 0.03f;
  spec.log_scale_max = std::log(0.2f);
  spec.seed = 8;
  check_all_modes(make_scene(spec));
}

TEST_F(SplatRendererTest, OddSizeAndManyIntersections) {
  // Large footprints at an odd size: more tile intersections than the renderer first allocates,
  // so its buffers must grow.
  SceneSpec spec;
  spec.name = "dense";
  spec.width = 333;
  spec.height = 211;
  spec.count = 3000;
  spec.log_scale_min = std::log(0.05f);
  spec.log_scale_max = std::log(0.4f);
  spec.opacity_max = 0.6f;
  spec.seed = 9;
  const Scene scene = make_scene(spec);
  const float black[3] = {0, 0, 0};
  const Reference ref = render_cpu(scene, black);
  renderer_->set_gaussians(arrays_of(scene.gaussians));
  renderer_->set_transparent_background();
  const FrameInfo info = renderer_->render(scene.camera);
  EXPECT_GT(info.intersections, 1u << 16);
  // Tile ranges come from the same float formulas; rounding may move a border tile at most.
  EXPECT_NEAR(static_cast<double>(info.intersections), static_cast<double>(ref.intersections),
              0.001 * static_cast<double>(ref.intersections));
  expect_match(scene, "transparent", ref.color, ref.alpha);
}

TEST_F(SplatRendererTest, DepthMatchesReference) {
  SceneSpec spec;
  spec.name = "depth";
  spec.count = 2000;
  spec.seed = 10;
  const Scene scene = make_scene(spec);
  const float black[3] = {0, 0, 0};
  const Reference ref = render_cpu(scene, black);
  renderer_->set_gaussians(arrays_of(scene.gaussians));
  renderer_->set_transparent_background();
  FrameOptions options;
  options.write_depth = true;
  renderer_->render(scene.camera, options);
  const std::size_t pixels = ref.depth.size();
  std::vector<float> depth(renderer_->host_depth(), renderer_->host_depth() + pixels);
  const float peak = *std::max_element(ref.depth.begin(), ref.depth.end());
  ASSERT_GT(peak, 0.0f);
  const double db = psnr(depth, ref.depth, peak);
  std::printf("depth: PSNR %.1f dB (peak %.2f)\n", db, peak);
  EXPECT_GE(db, min_psnr_db);
}

TEST_F(SplatRendererTest, UpdatedGeometryMatchesReference) {
  SceneSpec spec;
  spec.name = "updated";
  spec.count = 2000;
  spec.seed = 11;
  Scene scene = make_scene(spec);
  renderer_->set_gaussians(arrays_of(scene.gaussians));
  renderer_->set_transparent_background();
  renderer_->render(scene.camera);

  std::mt19937 rng(12);
  std::uniform_real_distribution<float> jitter(-0.05f, 0.05f);
  auto& g = scene.gaussians;
  for (auto& p : g.positions) p += jitter(rng);
  for (auto& r : g.rotations) r += jitter(rng);
  for (auto& s : g.log_scales) s += jitter(rng);
  renderer_->update_geometry(g.positions.data(), g.rotations.data(), g.log_scales.data());
  const float black[3] = {0, 0, 0};
  const Reference ref = render_cpu(scene, black);
  expect_match(scene, "transparent", ref.color, ref.alpha);
}

// With gpu_timing, every pass has a time and together they are the frame's GPU time.
TEST_F(SplatRendererTest, GpuTimingGivesEveryPass) {
  SceneSpec spec;
  spec.name = "timed";
  const Scene scene = make_scene(spec);
  RendererSettings settings;
  settings.gpu_timing = true;
  SplatRenderer timed(*context_, settings);
  timed.set_gaussians(arrays_of(scene.gaussians));
  const FrameInfo info = timed.render(scene.camera);
  ASSERT_GT(info.gpu_ms, 0.0);
  double sum = 0;
  for (std::size_t i = 0; i < info.pass_ms.size(); ++i) {
    EXPECT_GE(info.pass_ms[i], 0.0) << pass_name(static_cast<Pass>(i));
    sum += info.pass_ms[i];
  }
  EXPECT_NEAR(sum, info.gpu_ms, 1e-6 * info.gpu_ms);
  EXPECT_STREQ(pass_name(Pass::rasterize), "rasterize");
  SplatRenderer untimed(*context_);
  untimed.set_gaussians(arrays_of(scene.gaussians));
  EXPECT_EQ(untimed.render(scene.camera).pass_ms[0], -1.0) << "untimed renderers report no passes";
}

TEST_F(SplatRendererTest, NoGaussiansGivesTheBackground) {
  renderer_->set_gaussians(GaussianArrays{});
  renderer_->set_background_color(0.25f, 0.5f, 1.0f);
  splat::Camera camera;
  camera.fx = camera.fy = 50;
  camera.cx = camera.cy = 10;
  camera.width = 21;
  camera.height = 19;
  const FrameInfo info = renderer_->render(camera);
  EXPECT_EQ(info.intersections, 0u);
  const float* rgba = renderer_->host_rgba();
  for (int i = 0; i < 21 * 19; ++i) {
    ASSERT_EQ(rgba[4 * i], 0.25f);
    ASSERT_EQ(rgba[4 * i + 1], 0.5f);
    ASSERT_EQ(rgba[4 * i + 2], 1.0f);
    ASSERT_EQ(rgba[4 * i + 3], 1.0f);
  }
}

TEST_F(SplatRendererTest, RejectsAPlateOfAnotherSize) {
  std::vector<std::uint8_t> plate(3 * 8 * 8, 128);
  renderer_->set_plate(plate.data(), 8, 8);
  splat::Camera camera;
  camera.fx = camera.fy = 50;
  camera.cx = camera.cy = 10;
  camera.width = 20;
  camera.height = 20;
  EXPECT_THROW(renderer_->render(camera), std::invalid_argument);
  renderer_->set_transparent_background();
}

TEST_F(SplatRendererTest, RejectsABadShDegree) {
  GaussianArrays arrays;
  arrays.sh_degree = 2;
  EXPECT_THROW(renderer_->set_gaussians(arrays), std::invalid_argument);
}

}  // namespace
}  // namespace being::render
