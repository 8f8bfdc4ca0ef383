// Training of the Gaussian head avatar (docs/training.md): Gaussians bound to the tracked face mesh
// (face and mouth interior) plus head-rigid Gaussians (hair, ears, upper neck), fitted to a dataset
// made by `bake ingest` with LibTorch, then exported as a `.avatar` (docs/avatar-format.md).
// LibTorch stays behind this header: callers need no torch includes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/asset/avatar.h"

namespace being::dataset {
class Dataset;
}

namespace being::train {

// Every problem the trainer reports (bad dataset, unwritable output, a checkpoint of other options,
// GPU out of memory): what is wrong and what to do.
class TrainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainOptions {
  // "gpu": the full schedule (about 60k Gaussians); "tiny": a small CPU/CI schedule.
  std::string config = "gpu";
  // "cuda" runs on the GPU when LibTorch sees one and says so through `message` when it does not;
  // "cpu" always runs on the CPU.
  std::string device = "cuda";
  int iterations = 0;     // 0: the config's default
  int max_gaussians = 0;  // hard bound on the count, densification included; 0: the config's default
  std::uint64_t seed = 1;
  // Checkpoints go here; a run finding one of the same options continues from it. Empty:
  // OUT.avatar's path with ".work" appended.
  std::filesystem::path work;
  int checkpoint_every = 0;  // iterations between checkpoints; 0: the config's default
  int eval_frames = 0;       // frames (spread over each split) for the final PSNRs; 0: the config's default
  // The audio encoder (toolchain/audio_model) stored as the avatar's "audio_encoder" network, with
  // the context its windows use; without it the avatar renders poses and idle loop but cannot be
  // driven by audio.
  std::optional<asset::Network> audio_encoder;
  int audio_context_before = 8;
  int audio_context_after = 8;
  std::vector<float> audio_mel_mean, audio_mel_std;  // the training audio's log-mel statistics
  // Notes for people (device fallback, resuming, densification); may be empty.
  std::function<void(const std::string&)> message;
};

struct TrainProgress {
  int iteration = 0;  // iterations done
  int total = 0;
  double loss = 0;    // of this iteration
  double psnr = 0;    // dB, this iteration's frame, whole crop
  double eta_s = 0;   // seconds left at the speed since this run started
  int gaussians = 0;
};
// Called every few iterations; an exception thrown from it stops training (the last checkpoint stays).
using ProgressCallback = std::function<void(const TrainProgress&)>;

struct TrainResult {
  int iterations = 0;       // total done, resumed ones included
  int resumed_from = 0;     // iteration the run started at (0: from scratch)
  double seconds = 0;       // wall time of this run
  int gaussians = 0;
  std::string device;       // "cuda" or "cpu"
  // Mean PSNR (dB, whole crop composited over the frame's torso plate) with the tracked expression
  // codes, over up to eval_frames valid frames of each split; `initial` is the untrained model's.
  double train_psnr = 0;
  double validation_psnr_tracked = 0;
  double validation_psnr_initial = 0;
};

// Trains on the dataset folder and writes OUT.avatar atomically. Throws TrainError (with the
// dataset library's message for a bad dataset) before any training when the dataset or the output
// path is unusable.
TrainResult train_avatar(const std::filesystem::path& dataset, const std::filesystem::path& out_avatar,
                         const TrainOptions& options = {}, const ProgressCallback& progress = {});

// An image of the renderer: width * height * 3 floats, RGB in [0, 1], top row first.
struct RenderedImage {
  int width = 0, height = 0;
  std::vector<float> rgb;
};

// Renders an avatar as the trainer sees it: the Gaussians bound to the mesh of an expression code,
// posed as dataset frame n, through that frame's crop camera, over that frame's torso plate. The
// held-out evaluation uses it with the tracked codes of validation frames.
class FrameRenderer {
 public:
  // Borrows `data` (it must outlive the renderer); device as TrainOptions::device.
  FrameRenderer(const asset::Avatar& avatar, const dataset::Dataset& data, const std::string& device = "cpu");
  ~FrameRenderer();
  FrameRenderer(const FrameRenderer&) = delete;
  FrameRenderer& operator=(const FrameRenderer&) = delete;

  // `code` has the avatar's expression_dim() values (the dataset's tracks.expression row n for the
  // tracked code).
  RenderedImage render(int frame, const std::vector<float>& code) const;
  // The frame's crop as floats in [0, 1], the target render() is compared with.
  RenderedImage target(int frame) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// PSNR in dB of two images of one size (pixel values in [0, 1]).
double psnr(const RenderedImage& a, const RenderedImage& b);

}  // namespace being::train
