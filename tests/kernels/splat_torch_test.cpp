// LibTorch autograd wrapper of the rasterizer: forward and autograd gradients equal the CPU
// reference's, inputs are validated with clear errors, and (with a CUDA device) CUDA tensors give
// the CPU results.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "being/splat/rasterizer_cpu.h"
#include "being/splat_torch/rasterize.h"
#include "splat_scenes.h"

namespace being::splat {
namespace {

using test::make_scene;
using test::Scene;

at::Tensor tensor(const std::vector<double>& v, std::vector<int64_t> shape) {
  return torch::tensor(v, torch::dtype(torch::kFloat64)).reshape(shape).clone();
}

struct Inputs {
  at::Tensor means, quats, scales, opacities, colors, background;
  std::vector<at::Tensor> all() const { return {means, quats, scales, opacities, colors, background}; }
};

Inputs inputs_of(const Scene& s) {
  const int64_t n = s.count();
  Inputs in{tensor(s.means, {n, 3}), tensor(s.quats, {n, 4}), tensor(s.scales, {n, 3}), tensor(s.opacities, {n}),
            s.mode == ColorMode::kRgb ? tensor(s.colors, {n, 3})
                                      : tensor(s.colors, {n, color_coefficients(s.mode), 3}),
            tensor({s.background[0], s.background[1], s.background[2]}, {3})};
  for (auto& t : in.all()) t.set_requires_grad(true);
  return in;
}

RenderedImages render(const Inputs& in, const Camera& camera) {
  return rasterize(in.means, in.quats, in.scales, in.opacities, in.colors, in.background, camera);
}

TEST(SplatTorch, CpuMatchesReferenceForwardAndBackward) {
  const Scene scene = make_scene(21, 45, 33, ColorMode::kSh1, 30);
  const Inputs in = inputs_of(scene);
  const auto images = render(in, scene.camera);
  ASSERT_EQ(images.color.sizes(), at::IntArrayRef({33, 45, 3}));

  const int64_t pixels = 45 * 33;
  std::vector<double> color(3 * pixels), alpha(pixels), depth(pixels);
  const auto state = forward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background,
                                         {color.data(), alpha.data(), depth.data()});
  EXPECT_TRUE(torch::equal(images.color, tensor(color, {33, 45, 3})));
  EXPECT_TRUE(torch::equal(images.alpha, tensor(alpha, {33, 45})));
  EXPECT_TRUE(torch::equal(images.depth, tensor(depth, {33, 45})));

  torch::manual_seed(3);
  const auto w_color = torch::randn({33, 45, 3}, torch::kFloat64), w_alpha = torch::randn({33, 45}, torch::kFloat64),
             w_depth = torch::randn({33, 45}, torch::kFloat64);
  ((images.color * w_color).sum() + (images.alpha * w_alpha).sum() + (images.depth * w_depth).sum()).backward();

  std::vector<double> gm(scene.means.size()), gq(scene.quats.size()), gs(scene.scales.size()),
      go(scene.opacities.size()), gc(scene.colors.size()), gb(3);
  backward_cpu<double>(scene.camera, scene.view(), Settings{}, scene.background, state,
                       {w_color.data_ptr<double>(), w_alpha.data_ptr<double>(), w_depth.data_ptr<double>()},
                       {gm.data(), gq.data(), gs.data(), go.data(), gc.data(), gb.data()});
  EXPECT_TRUE(torch::allclose(in.means.grad(), tensor(gm, {-1, 3}), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(in.quats.grad(), tensor(gq, {-1, 4}), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(in.scales.grad(), tensor(gs, {-1, 3}), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(in.opacities.grad(), tensor(go, {-1}), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(in.colors.grad(), tensor(gc, {-1, 4, 3}), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(in.background.grad(), tensor(gb, {3}), 1e-12, 1e-12));
  EXPECT_GT(in.means.grad().abs().max().item<double>(), 1e-3);
}

TEST(SplatTorch, LossOnColourOnlyAndFloat32) {
  const Scene scene = make_scene(22, 30, 20, ColorMode::kRgb, 20);
  Inputs in = inputs_of(scene);
  for (auto* t : {&in.means, &in.quats, &in.scales, &in.opacities, &in.colors, &in.background})
    *t = t->detach().to(torch::kFloat32).set_requires_grad(true);
  const auto images = render(in, scene.camera);
  EXPECT_EQ(images.color.scalar_type(), torch::kFloat32);
  images.color.sum().backward();  // alpha and depth get no gradient
  EXPECT_TRUE(in.colors.grad().defined());
  EXPECT_GT(in.colors.grad().abs().sum().item<float>(), 0.f);
  EXPECT_TRUE(torch::isfinite(in.means.grad()).all().item<bool>());
}

void expect_invalid(const Inputs& in, const Camera& camera, const std::string& fragment) {
  try {
    render(in, camera);
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SplatTorch, RejectsBadInputsWithClearErrors) {
  const Scene scene = make_scene(23, 16, 16, ColorMode::kRgb, 4);
  const Inputs good = inputs_of(scene);
  Inputs bad = good;
  bad.quats = good.quats.detach().narrow(1, 0, 3);
  expect_invalid(bad, scene.camera, "quats must have shape");
  bad = good;
  bad.colors = good.colors.detach().reshape({-1, 3, 1});
  expect_invalid(bad, scene.camera, "colors must have shape");
  bad = good;
  bad.scales = good.scales.detach().to(torch::kFloat32);
  expect_invalid(bad, scene.camera, "scales is Float but means is Double");
  bad = good;
  bad.means = good.means.detach().clone();
  bad.means[2][1] = std::nan("");
  expect_invalid(bad, scene.camera, "means contains NaN or Inf");
  bad = good;
  bad.background = good.background.detach().clone();
  bad.background[0] = INFINITY;
  expect_invalid(bad, scene.camera, "background contains NaN or Inf");
  bad = good;
  bad.opacities = good.opacities.detach() + 1.0;
  expect_invalid(bad, scene.camera, "opacities must lie in [0, 1]");
  Camera camera = scene.camera;
  camera.width = 0;
  expect_invalid(good, camera, "image size must be positive");
}

TEST(SplatTorch, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device for LibTorch";
  const Scene scene = make_scene(24, 77, 50, ColorMode::kSh1, 80);
  const Inputs cpu = inputs_of(scene);
  Inputs gpu;
  std::vector<at::Tensor> moved;
  for (const auto& t : cpu.all()) moved.push_back(t.detach().to(torch::kCUDA, torch::kFloat32).set_requires_grad(true));
  gpu = {moved[0], moved[1], moved[2], moved[3], moved[4], moved[5]};
  // The CPU side runs on the same float32-rounded values.
  Inputs rounded;
  std::vector<at::Tensor> back;
  for (const auto& t : moved) back.push_back(t.detach().to(torch::kCPU, torch::kFloat64).set_requires_grad(true));
  rounded = {back[0], back[1], back[2], back[3], back[4], back[5]};

  const auto a = render(rounded, scene.camera);
  const auto b = render(gpu, scene.camera);
  EXPECT_TRUE(torch::allclose(b.color.cpu().to(torch::kFloat64), a.color.detach(), 0, 1e-4));
  EXPECT_TRUE(torch::allclose(b.alpha.cpu().to(torch::kFloat64), a.alpha.detach(), 0, 1e-4));
  torch::manual_seed(5);
  const auto w = torch::randn({50, 77, 3}, torch::kFloat64);
  (a.color * w).sum().backward();
  (b.color * w.to(torch::kCUDA, torch::kFloat32)).sum().backward();
  for (int k = 0; k < 6; ++k)
    EXPECT_TRUE(torch::allclose(gpu.all()[k].grad().cpu().to(torch::kFloat64), rounded.all()[k].grad(), 1e-3, 1e-5))
        << "input " << k;
}

}  // namespace
}  // namespace being::splat
