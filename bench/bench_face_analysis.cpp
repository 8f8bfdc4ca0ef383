// Throughput of the face analysis models in batches, on the CPU or CUDA: the per-frame work of
// `bake analyze` (detector on the letterboxed frame, rotated 256x256 crop, landmark model, blendshape
// model; person and hair segmentation with their resizes to and from frame resolution). Frames are
// synthetic noise: the networks have no data-dependent control flow, so their cost does not depend
// on the picture, and this program needs no FFmpeg and no video (the GPU machine has neither).
//   bench_face_analysis [--device cpu|cuda] [--batch N] [--size WxH] [--iterations K] [--threads T]
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // NoGradGuard: <ATen/ATen.h> brings it in LibTorch 1.13 but not in 2.x
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <vector>

#include "being/face/crop.h"
#include "being/models/model_store.h"
#include "being/tflite/graph.h"

namespace {

using being::tflite::Graph;

at::Tensor resize(const at::Tensor& nhwc, int64_t h, int64_t w) {
  const std::vector<int64_t> size{h, w};
  return at::upsample_bilinear2d(nhwc.permute({0, 3, 1, 2}), at::IntArrayRef(size), false).permute({0, 2, 3, 1});
}

// Median wall time of `work` in ms; each run ends with a copy to the host, so device work is done.
double median_ms(int iterations, const std::function<at::Tensor()>& work) {
  for (int i = 0; i < 2; ++i) (void)work().sum().item<double>();
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    (void)work().sum().item<double>();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Throughput of the face analysis models (docs/BENCHMARKS.md)"};
  std::string device_name = "cpu", size = "512x512";
  int batch = 1, iterations = 10, threads = 0;
  app.add_option("--device", device_name, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--batch", batch, "frames per run")->check(CLI::PositiveNumber);
  app.add_option("--size", size, "frame size WxH");
  app.add_option("--iterations", iterations, "timed runs (after 2 warm-up runs)")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "intra-op threads (0: LibTorch default)");
  CLI11_PARSE(app, argc, argv);
  int width = 0, height = 0;
  if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 || width < 16 || height < 16) {
    std::cerr << "--size: expected WxH, e.g. 512x512\n";
    return 2;
  }
  try {
    if (threads > 0) at::set_num_threads(threads);
    if (device_name == "cuda" && !at::hasCUDA()) throw std::runtime_error("--device cuda: no CUDA in this LibTorch");
    const c10::Device device(device_name);
    c10::NoGradGuard no_grad;
    const auto load = [&](const char* file) { return Graph::load(being::models::require(file), device); };
    const Graph detector = load("mediapipe_face/face_detector.tflite");
    const Graph landmarker = load("mediapipe_face/face_landmarks_detector.tflite");
    const Graph blendshaper = load("mediapipe_face/face_blendshapes.tflite");
    const Graph selfie = load("mediapipe_segmentation/selfie_segmentation.tflite");
    const Graph hair = load("mediapipe_segmentation/hair_segmentation.tflite");

    const at::Tensor frames =
        at::randint(0, 256, {batch, height, width, 3}, at::TensorOptions().dtype(at::kByte)).to(device);
    // A face-sized region, slightly rotated, in every frame.
    const std::vector<being::face::RotatedRect> rois(
        batch, being::face::RotatedRect{0.5f, 0.45f, 0.6f, 0.6f * width / height, 0.1f});
    const at::Tensor points = at::rand({batch, 146, 2}, at::TensorOptions().device(device)) * width;

    const double face_ms = median_ms(iterations, [&] {
      const at::Tensor x = frames.to(at::kFloat) / 255.0;
      const at::Tensor boxes = detector.run({being::face::letterbox_square(x, 128) * 2.0 - 1.0})[0];
      const at::Tensor landmarks = landmarker.run({being::face::crop_rotated(x, rois, 256)})[0];
      const at::Tensor scores = blendshaper.run({points})[0];
      return boxes.sum() + landmarks.sum() + scores.sum();
    });
    const double mask_ms = median_ms(iterations, [&] {
      const at::Tensor x = frames.to(at::kFloat) / 255.0;
      const at::Tensor person = selfie.run({resize(x, 256, 256).contiguous()})[0];
      const at::Tensor previous = at::zeros({batch, 512, 512, 1}, x.options());
      const at::Tensor logits = hair.run({at::cat({resize(x, 512, 512), previous}, 3).contiguous()})[0];
      const at::Tensor hair_mask = at::softmax(logits, 3).slice(3, 1, 2);
      return resize(person, height, width).sum() + resize(hair_mask, height, width).sum();
    });
    std::printf("device %s, batch %d, frames %dx%d, %d threads, median of %d runs\n", device_name.c_str(), batch,
                width, height, at::get_num_threads(), iterations);
    std::printf("detector+landmarks+blendshapes: %.2f ms per batch, %.1f frames/s (blendshapes %s)\n", face_ms,
                1000.0 * batch / face_ms, blendshaper.batches_in_one_pass() ? "batched" : "one sample at a time");
    std::printf("masks (person + hair):          %.2f ms per batch, %.1f frames/s\n", mask_ms,
                1000.0 * batch / mask_ms);
  } catch (const std::exception& e) {
    std::cerr << "bench_face_analysis: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
