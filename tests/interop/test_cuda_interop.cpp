// The CUDA deformation written into the renderer's shared buffers (runtime/interop) must render the
// frame the CPU deformation (runtime/animate + update_geometry) renders: PSNR >= 60 dB over RGBA
// (the maximum absolute difference is printed), and the geometry the renderer holds must equal the
// CPU's within 1e-5 (relative to 1 + |value|), over several expression codes and head poses of the
// test avatar.
#include "being/interop/cuda_deformation.h"

#include "being/animate/deform.h"
#include "being/animate/pose.h"
#include "being/deform/deform_cuda.h"
#include "being/gpu/buffer.h"
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"
#include "../gpu/vulkan_test_context.h"
#include "being_test.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace being::interop {
namespace {

constexpr double min_psnr_db = 60.0;

struct Comparison {
  double psnr_db = 0, max_abs = 0;
};

Comparison compare(const float* a, const float* b, std::size_t n) {
  double squared = 0, worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::abs(double(a[i]) - b[i]);
    squared += d * d;
    worst = std::max(worst, d);
  }
  const double mse = squared / n;
  return {mse == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(1.0 / mse), worst};
}

void expect_close(const gpu::Context& context, const gpu::Buffer& buffer, const std::vector<float>& cpu,
                  const char* what) {
  std::vector<float> shared(cpu.size());
  gpu::download(context, buffer, shared.data(), shared.size() * sizeof(float));
  double worst = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double error = std::abs(double(shared[i]) - cpu[i]);
    worst = std::max(worst, error);
    ASSERT_LE(error, 1e-5 * (1.0 + std::abs(cpu[i]))) << what << "[" << i << "]: " << shared[i] << " vs " << cpu[i];
  }
  std::printf("  %s: max |shared - CPU| = %.3g\n", what, worst);
}

// The test avatar in two renderers on one context: one fed by the CPU deformation through
// update_geometry, one whose geometry CUDA writes.
struct Fixture {
  gpu::Context context{test::vulkan_test_options()};
  asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  animate::Deformer cpu{avatar};
  animate::GaussianGeometry geometry;
  std::unique_ptr<render::SplatRenderer> cpu_renderer, shared_renderer;
  std::unique_ptr<CudaDeformation> cuda;

  void start() {
    render::RendererSettings external;
    external.external_geometry = true;
    cpu_renderer = std::make_unique<render::SplatRenderer>(context);
    shared_renderer = std::make_unique<render::SplatRenderer>(context, external);
    std::vector<float> rest(avatar.face.expression_dim(), 0.0f);
    cpu.apply(rest.data(), geometry);
    render::GaussianArrays arrays = render::arrays_of(avatar.gaussians);
    arrays.positions = geometry.positions.data();
    arrays.rotations = geometry.rotations.data();
    arrays.log_scales = geometry.log_scales.data();
    for (auto* r : {cpu_renderer.get(), shared_renderer.get()}) {
      r->set_gaussians(arrays);
      r->set_background_color(0.2f, 0.3f, 0.4f);
    }
    cuda = std::make_unique<CudaDeformation>(context, avatar, *shared_renderer);
  }

  splat::Camera camera(std::size_t idle_frame) const {
    double view[16];
    animate::head_to_camera(avatar.idle, idle_frame % avatar.idle.frame_count(), view);
    return render::make_camera(avatar.camera, view);
  }

  // Renders `code` both ways and compares frames and geometry.
  void expect_same_frame(const std::vector<float>& code, std::size_t idle_frame) {
    cpu.apply(code.data(), geometry);
    cpu_renderer->update_geometry(geometry.positions.data(), geometry.rotations.data(), geometry.log_scales.data());
    cpu_renderer->render(camera(idle_frame));
    shared_renderer->render(camera(idle_frame));
    const std::size_t values = std::size_t(avatar.camera.width) * avatar.camera.height * 4;
    const Comparison c = compare(shared_renderer->host_rgba(), cpu_renderer->host_rgba(), values);
    std::printf("code[0] %.2f, idle frame %zu: PSNR %.1f dB, max |interop - CPU| %.3g\n", code[0], idle_frame,
                c.psnr_db, c.max_abs);
    EXPECT_GE(c.psnr_db, min_psnr_db);
    expect_close(context, shared_renderer->positions(), geometry.positions, "positions");
    expect_close(context, shared_renderer->rotations(), geometry.rotations, "rotations");
    expect_close(context, shared_renderer->log_scales(), geometry.log_scales, "log_scales");
  }
};

// Why the sharing cases cannot run here, or "" when they can.
std::string sharing_unavailable(const gpu::Context& context) {
  if (!deform::cuda::device_available()) return "no CUDA device";
  if (!available(context)) return "Vulkan device " + context.device_info().name + " cannot share memory with CUDA";
  return "";
}

TEST(CudaInterop, RendersTheFrameOfTheCpuDeformation) {
  Fixture f;
  const std::string why = sharing_unavailable(f.context);
  if (!why.empty()) GTEST_SKIP() << why;
  f.start();
  std::vector<float> code(f.avatar.face.expression_dim(), 0.0f);
  std::size_t frame = 0;
  for (float jaw : {0.0f, 0.35f, 1.0f, -0.4f, 0.7f}) {
    std::fill(code.begin(), code.end(), jaw);
    f.cuda->apply(code.data());
    f.expect_same_frame(code, frame++);
  }
}

// Writes without a render in between queue up on the timeline; the render shows the last one.
TEST(CudaInterop, TheRenderShowsTheLastOfSeveralWrites) {
  Fixture f;
  const std::string why = sharing_unavailable(f.context);
  if (!why.empty()) GTEST_SKIP() << why;
  f.start();
  std::vector<float> code(f.avatar.face.expression_dim(), 0.9f);
  f.cuda->apply(code.data());
  std::fill(code.begin(), code.end(), 0.2f);
  f.cuda->apply(code.data());
  f.expect_same_frame(code, 3);
  // And a frame rendered twice without a write in between stays the same.
  f.expect_same_frame(code, 3);
}

TEST(CudaInterop, ExternalGeometryBelongsToTheWriter) {
  Fixture f;
  const std::string why = sharing_unavailable(f.context);
  if (!why.empty()) GTEST_SKIP() << why;
  f.start();
  EXPECT_THROW(f.shared_renderer->update_geometry(f.geometry.positions.data(), f.geometry.rotations.data(),
                                                  f.geometry.log_scales.data()),
               std::logic_error);
  EXPECT_THROW(f.shared_renderer->set_gaussians(render::arrays_of(f.avatar.gaussians)), std::logic_error);
  EXPECT_THROW(f.shared_renderer->export_geometry(), std::logic_error);
  EXPECT_THROW(f.cpu_renderer->begin_geometry_write(), std::logic_error);
}

// Where the Vulkan device cannot share (lavapipe, which exports memory but not semaphores), asking
// for external geometry fails with a message instead of half working.
TEST(CudaInterop, ExternalGeometryNeedsASharingDevice) {
  const gpu::Context context(test::vulkan_test_options());
  if (context.supports_external()) GTEST_SKIP() << context.device_info().name << " can share";
  EXPECT_FALSE(available(context));
  render::RendererSettings settings;
  settings.external_geometry = true;
  try {
    render::SplatRenderer renderer(context, settings);
    FAIL() << "external geometry on a device that cannot export semaphores";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("VK_KHR_external_semaphore_fd"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace being::interop
