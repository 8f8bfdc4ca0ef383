// The face-analysis stage of `bake ingest` (detector, landmarks, blendshapes, person and hair masks,
// frame after frame as ingest runs it) over the frames of a dataset folder, on the CPU or CUDA. It
// reads the dataset's JPEG crops instead of decoding a video, so it runs where FFmpeg is missing (the
// GPU machine); for a video whose crop is the whole frame (acosta_71s at 512) that is the same input.
//   bench_ingest_analysis DATASET [--device cpu|cuda] [--frames N]
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "being/analyze/frame_analysis.h"
#include "being/dataset/dataset.h"

int main(int argc, char** argv) {
  CLI::App app{"Face-analysis stage of bake ingest over a dataset's frames"};
  std::string dir, device = "cpu";
  int frames = 0;
  app.add_option("dataset", dir, "A dataset folder (bake ingest)")->required();
  app.add_option("--device", device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--frames", frames, "Frames to analyse (default: all)");
  CLI11_PARSE(app, argc, argv);
  try {
    const being::dataset::Dataset data(dir);
    const int n = frames > 0 ? std::min(frames, data.frames()) : data.frames();
    being::analyze::AnalysisOptions options;
    options.device = device;
    options.masks = true;
    being::analyze::FrameAnalyzer analyzer(options);
    using Clock = std::chrono::steady_clock;
    double decode_s = 0, face_s = 0, mask_s = 0;
    int with_face = 0;
    // The first frames pay for lazy initialisation (CUDA context, cuDNN, allocator): warm up on them,
    // then time the rest.
    const int warmup = std::min(10, n / 2);
    for (int i = 0; i < warmup; ++i) {
      const auto image = data.frame(i);
      analyzer.analyze(image.pixels.data(), image.width, image.height);
    }
    analyzer.reset();
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      const auto t = Clock::now();
      const auto image = data.frame(i);
      decode_s += std::chrono::duration<double>(Clock::now() - t).count();
      const auto a = analyzer.analyze(image.pixels.data(), image.width, image.height);
      face_s += a.face_seconds;
      mask_s += a.mask_seconds;
      with_face += being::analyze::has_landmarks(a.status);
    }
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%d frames of %dx%d on %s (after %d warm-up frames): %.1f s in all (%.1f frames/s); face models %.1f s, masks %.1f s, "
                "JPEG decode %.1f s; face on %d frames\n",
                n, data.manifest().crop_size, data.manifest().crop_size, device.c_str(), warmup, total, n / total, face_s, mask_s,
                decode_s, with_face);
  } catch (const std::exception& e) {
    std::cerr << "bench_ingest_analysis: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
