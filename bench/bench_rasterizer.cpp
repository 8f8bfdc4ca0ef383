// Times the CUDA Gaussian splatting rasterizer: forward, and forward + backward, on a random
// head-sized scene, for each (Gaussian count, image size). CUDA events around each iteration,
// warm-up first, median over many runs. Also measures the device's copy bandwidth and reports how
// far each time is from the compulsory-traffic floor (reading the inputs once, writing the outputs
// once). Usage: bench_rasterizer [--gaussians 100000,500000] [--sizes 512,1024] [--runs 100]
#include <CLI/CLI.hpp>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/splat/rasterizer_cuda.h"

namespace {

using namespace being::splat;

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(err));
}

// Bump allocator over one device allocation, reset before each iteration, so the timings do not
// include cudaMalloc.
class Arena {
 public:
  explicit Arena(std::size_t bytes) : size_(bytes) { check(cudaMalloc(&base_, bytes), "arena"); }
  ~Arena() { cudaFree(base_); }
  void* take(std::size_t bytes) {
    offset_ = (offset_ + 255) / 256 * 256;
    if (offset_ + bytes > size_) throw std::runtime_error("bench arena too small");
    void* p = static_cast<char*>(base_) + offset_;
    offset_ += bytes;
    return p;
  }
  void reset() { offset_ = 0; }

 private:
  void* base_ = nullptr;
  std::size_t size_, offset_ = 0;
};

template <typename T>
T* device_copy(const std::vector<T>& host) {
  T* d = nullptr;
  check(cudaMalloc(&d, sizeof(T) * std::max<std::size_t>(host.size(), 1)), "cudaMalloc");
  check(cudaMemcpy(d, host.data(), sizeof(T) * host.size(), cudaMemcpyHostToDevice), "upload");
  return d;
}

struct Scene {
  std::vector<float> means, quats, scales, opacities, colors;
};

// Gaussians filling a head-sized box 2.5-3.5 units in front of the camera, a few pixels across
// each, with degree-1 SH colour.
Scene random_scene(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::normal_distribution<float> normal(0.f, 1.f);
  Scene s;
  for (int i = 0; i < n; ++i) {
    s.means.insert(s.means.end(), {-0.7f + 1.4f * u(rng), -0.9f + 1.8f * u(rng), 2.5f + u(rng)});
    s.quats.insert(s.quats.end(), {normal(rng), normal(rng), normal(rng), normal(rng)});
    for (int k = 0; k < 3; ++k) s.scales.push_back(0.002f * std::pow(10.f, u(rng)));
    s.opacities.push_back(0.05f + 0.9f * u(rng));
    for (int k = 0; k < 12; ++k) s.colors.push_back(k < 3 ? normal(rng) : 0.3f * normal(rng));
  }
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Device-to-device copy bandwidth (bytes read + written per second).
double copy_bandwidth() {
  const std::size_t bytes = std::size_t(1) << 30;
  void *a = nullptr, *b = nullptr;
  check(cudaMalloc(&a, bytes), "bandwidth buffer");
  check(cudaMalloc(&b, bytes), "bandwidth buffer");
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> times;
  for (int i = 0; i < 12; ++i) {
    cudaEventRecord(start);
    check(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice), "bandwidth copy");
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 2) times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(a);
  cudaFree(b);
  return 2.0 * bytes / (median(times) * 1e-3);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times the CUDA Gaussian splatting rasterizer"};
  std::vector<int> counts{100000, 500000}, sizes{512, 1024};
  int runs = 100, warmup = 10;
  app.add_option("--gaussians", counts, "Gaussian counts")->delimiter(',');
  app.add_option("--sizes", sizes, "square image sizes in pixels")->delimiter(',');
  app.add_option("--runs", runs, "timed runs per case (the median is reported)");
  app.add_option("--warmup", warmup, "untimed runs first");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!cuda::device_available()) throw std::runtime_error("no CUDA device");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "device properties");
    const double bandwidth = copy_bandwidth();
    std::printf("device: %s, measured copy bandwidth %.0f GB/s\n", prop.name, bandwidth / 1e9);
    std::printf("%9s %6s %13s %9s %11s %12s %15s %11s %10s\n", "gaussians", "size", "intersections", "fwd_ms",
                "fwd+bwd_ms", "fwd_floor_ms", "fwd+bwd_floor_ms", "fwd/floor", "fb/floor");
    Arena arena(std::size_t(4) << 30);
    const cuda::Allocator allocate = [&](std::size_t bytes) { return arena.take(bytes); };
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    for (const int n : counts) {
      const Scene scene = random_scene(n, 7);
      float* means = device_copy(scene.means);
      float* quats = device_copy(scene.quats);
      float* scales = device_copy(scene.scales);
      float* opacities = device_copy(scene.opacities);
      float* colors = device_copy(scene.colors);
      float* background = device_copy(std::vector<float>{0.1f, 0.2f, 0.3f});
      std::vector<float> grad_host(std::size_t(n) * 23);
      float* grads = device_copy(grad_host);
      float* g_background = device_copy(std::vector<float>(3));
      const GaussiansView<float> view{means, quats, scales, opacities, colors, n, ColorMode::kSh1};
      const GaussianGradsView<float> grad_view{grads,           grads + 3 * n, grads + 7 * n, grads + 10 * n,
                                               grads + 11 * n, g_background};
      for (const int size : sizes) {
        Camera cam;
        cam.width = cam.height = size;
        cam.fx = cam.fy = 1.1 * size;
        cam.cx = cam.cy = 0.5 * size;
        const std::size_t pixels = std::size_t(size) * size;
        float* images = device_copy(std::vector<float>(pixels * 5));
        const std::vector<float> ones(pixels * 5, 1e-3f);
        float* image_grads = device_copy(ones);
        const ImagesView<float> out{images, images + 3 * pixels, images + 4 * pixels};
        const ImageGradsView<float> in_grads{image_grads, image_grads + 3 * pixels, image_grads + 4 * pixels};

        std::int64_t intersections = 0;
        auto time_case = [&](bool with_backward) {
          std::vector<double> ms;
          for (int r = 0; r < warmup + runs; ++r) {
            arena.reset();
            cudaEventRecord(start);
            const auto state = cuda::forward(cam, view, Settings{}, background, out, allocate);
            if (with_backward) cuda::backward(cam, view, Settings{}, background, state, in_grads, grad_view, allocate);
            cudaEventRecord(stop);
            check(cudaEventSynchronize(stop), "rasterizer run");
            float t = 0;
            cudaEventElapsedTime(&t, start, stop);
            if (r >= warmup) ms.push_back(t);
            intersections = state.num_intersections;
          }
          return median(ms);
        };
        const double fwd = time_case(false);
        const double fwd_bwd = time_case(true);
        // Compulsory traffic: forward reads 23 floats per Gaussian and writes 5 per pixel;
        // backward also reads them again with 5 image-gradient floats per pixel and writes 23
        // gradient floats per Gaussian.
        const double fwd_bytes = 4.0 * (23.0 * n + 5.0 * pixels);
        const double fb_bytes = fwd_bytes + 4.0 * (46.0 * n + 10.0 * pixels);
        const double fwd_floor = fwd_bytes / bandwidth * 1e3, fb_floor = fb_bytes / bandwidth * 1e3;
        std::printf("%9d %6d %13lld %9.3f %11.3f %12.4f %15.4f %11.1f %10.1f\n", n, size,
                    static_cast<long long>(intersections), fwd, fwd_bwd, fwd_floor, fb_floor, fwd / fwd_floor,
                    fwd_bwd / fb_floor);
        cudaFree(images);
        cudaFree(image_grads);
      }
      for (float* p : {means, quats, scales, opacities, colors, background, grads, g_background}) cudaFree(p);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rasterizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
