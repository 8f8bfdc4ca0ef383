// Shared by `bake train` and `bake make`: the training options, the run with progress bars, and the
// summary.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "being/audio_model/audio_encoder.h"
#include "being/train/train.h"

namespace bake {

struct TrainRequest {
  std::string config = "gpu";
  std::string device = "cuda";
  int iterations = 0, max_gaussians = 0, audio_steps = 0;
  std::uint64_t seed = 1;
};

struct TrainSummary {
  std::optional<being::audio_model::AudioEncoderResult> audio;
  double audio_seconds = 0;
  being::train::TrainResult train;
};

void add_train_options(CLI::App& app, TrainRequest& request);
// Audio encoder (when the dataset has audio), then the Gaussians, then OUT.avatar.
TrainSummary train_with_progress(const std::filesystem::path& dataset, const std::filesystem::path& out,
                                 const std::filesystem::path& work, const TrainRequest& request);
void print_train_summary(const TrainSummary& summary, const std::filesystem::path& out);

}  // namespace bake
