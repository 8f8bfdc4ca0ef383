// Vulkan splat renderer, render-only time per frame: median GPU time (timestamps around both of
// the frame's submissions, so host waits between them are not counted) after warm-up frames, for a
// synthetic head-sized cloud of Gaussians. Wall time per frame (with the host round trip) is
// printed too.
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

using namespace being;

namespace {

// Gaussians filling an ellipsoid of about a head's size (0.09 x 0.12 x 0.1 m), 0.6 m in front of
// the camera, with scales of 1-8 mm: at 512x512 and fx = 1.2 * width the head covers about half
// of the frame, like the avatar's framing.
asset::Gaussians make_head(std::uint32_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> sym(-1.0f, 1.0f), unit(0.0f, 1.0f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  asset::Gaussians g;
  g.sh_degree = 1;
  for (std::uint32_t i = 0; i < count; ++i) {
    float p[3];
    do {
      for (float& c : p) c = sym(rng);
    } while (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] > 1.0f);
    g.positions.insert(g.positions.end(), {0.09f * p[0], 0.12f * p[1], 0.6f + 0.1f * p[2]});
    for (int k = 0; k < 4; ++k) g.rotations.push_back(normal(rng));
    for (int k = 0; k < 3; ++k) g.log_scales.push_back(std::log(0.001f) + std::log(8.0f) * unit(rng));
    g.opacities.push_back(0.1f + 0.9f * unit(rng));
    for (int k = 0; k < 12; ++k) g.sh.push_back((k < 3 ? 1.5f : 0.3f) * sym(rng));
  }
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmark the Vulkan splat renderer (device: BEING_VULKAN_DEVICE=<index or name>)"};
  std::uint32_t count = 100000;
  int size = 512;
  int warmup = 5;
  int iterations = 20;
  bool update = false;
  app.add_option("--count", count, "Gaussians")->check(CLI::Range(1u, 1u << 24));
  app.add_option("--size", size, "image width and height")->check(CLI::Range(16, 4096));
  app.add_option("--warmup", warmup, "untimed frames first")->check(CLI::NonNegativeNumber);
  app.add_option("--iterations", iterations, "timed frames")->check(CLI::PositiveNumber);
  app.add_flag("--update", update, "upload new positions, rotations and scales every frame (as animation does)");
  CLI11_PARSE(app, argc, argv);

  try {
    gpu::Context context;
    std::printf("device: %s (%s)\n", context.device_info().name.c_str(), gpu::to_string(context.device_info().type));
    render::RendererSettings settings;
    settings.gpu_timing = true;
    render::SplatRenderer renderer(context, settings);
    const asset::Gaussians head = make_head(count, 1);
    renderer.set_gaussians(render::arrays_of(head));
    renderer.set_background_color(1.0f, 1.0f, 1.0f);

    asset::Camera intrinsics;
    intrinsics.fx = intrinsics.fy = 1.2 * size;
    intrinsics.cx = intrinsics.cy = 0.5 * size;
    intrinsics.width = intrinsics.height = size;
    const double identity[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    const splat::Camera camera = render::make_camera(intrinsics, identity);
    render::FrameOptions options;
    options.read_back = false;

    std::vector<double> gpu_ms, wall_ms;
    std::uint32_t intersections = 0;
    for (int frame = 0; frame < warmup + iterations; ++frame) {
      const auto start = std::chrono::steady_clock::now();
      if (update) renderer.update_geometry(head.positions.data(), head.rotations.data(), head.log_scales.data());
      const render::FrameInfo info = renderer.render(camera, options);
      const auto end = std::chrono::steady_clock::now();
      intersections = info.intersections;
      if (frame >= warmup) {
        gpu_ms.push_back(info.gpu_ms);
        wall_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
      }
    }
    std::sort(gpu_ms.begin(), gpu_ms.end());
    std::sort(wall_ms.begin(), wall_ms.end());
    const double median = gpu_ms[gpu_ms.size() / 2];
    std::printf("render %u Gaussians at %dx%d (%u tile intersections)%s: GPU median %.3f ms (%.0f fps), min %.3f ms; "
                "wall median %.3f ms (%d frames after %d warm-up)\n",
                count, size, size, intersections, update ? " with geometry upload" : "", median, 1000.0 / median,
                gpu_ms.front(), wall_ms[wall_ms.size() / 2], iterations, warmup);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
