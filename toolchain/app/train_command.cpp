#include <chrono>
#include <cmath>
#include <optional>

#include "being/audio_model/audio_encoder.h"
#include "being/dataset/dataset.h"
#include "being/train/train.h"
#include "commands.h"
#include "progress_bar.h"
#include "train_command.h"

namespace bake {

namespace fs = std::filesystem;

void add_train_options(CLI::App& app, TrainRequest& request) {
  app.add_option("--config", request.config, "gpu: the full schedule; tiny: a small CPU schedule (tests, a first look)")
      ->check(CLI::IsMember({"gpu", "tiny"}));
  app.add_option("--device", request.device, "Where training runs (cuda falls back to the CPU with a note)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--iterations", request.iterations, "Gaussian training iterations (default: the config's)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-gaussians", request.max_gaussians,
                 "Upper bound on the Gaussian count (lower it when the GPU runs out of memory)")
      ->check(CLI::PositiveNumber);
  app.add_option("--audio-steps", request.audio_steps, "Audio encoder training steps (default: the config's)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", request.seed, "Random seed (the same seed gives the same avatar)");
}

TrainSummary train_with_progress(const fs::path& dataset_dir, const fs::path& out, const fs::path& work,
                                 const TrainRequest& request) {
  using Clock = std::chrono::steady_clock;
  TrainSummary summary;
  const being::dataset::Dataset dataset(dataset_dir);
  ProgressBar bar;
  being::train::TrainOptions options;
  options.config = request.config;
  options.device = request.device;
  options.iterations = request.iterations;
  options.max_gaussians = request.max_gaussians;
  options.seed = request.seed;
  options.work = work;
  options.message = [&](const std::string& note) { bar.note(note); };
  if (dataset.manifest().has_audio) {
    const auto t = Clock::now();
    being::audio_model::AudioEncoderOptions audio;
    audio.config = request.config;
    audio.device = request.device;
    audio.steps = request.audio_steps;
    audio.seed = request.seed;
    summary.audio = being::audio_model::train_audio_encoder(dataset, audio, [&](int step, int total, double loss) {
      char note[48];
      std::snprintf(note, sizeof note, "loss %.4f", loss);
      bar("audio", step, total, note);
    });
    bar.end();
    options.audio_encoder = summary.audio->network;
    options.audio_context_before = summary.audio->audio.context_before;
    options.audio_context_after = summary.audio->audio.context_after;
    options.audio_mel_mean = summary.audio->audio.mel_mean;
    options.audio_mel_std = summary.audio->audio.mel_std;
    summary.audio_seconds = std::chrono::duration<double>(Clock::now() - t).count();
  } else {
    std::fprintf(stderr, "note: the dataset has no audio (--no-audio): the avatar gets no audio encoder\n");
  }
  summary.train = being::train::train_avatar(dataset_dir, out, options, [&](const being::train::TrainProgress& p) {
    char note[96];
    std::snprintf(note, sizeof note, "loss %.4f  PSNR %.2f dB  %d Gaussians", p.loss, p.psnr, p.gaussians);
    bar("train", p.iteration, p.total, note);
  });
  bar.end();
  return summary;
}

void print_train_summary(const TrainSummary& s, const fs::path& out) {
  if (s.audio)
    std::printf("audio encoder: %d steps on %s in %.1f s; validation: mouth-opening correlation %.3f, code 0 "
                "correlation %.3f, RMSE %.4f\n",
                s.audio->steps, s.audio->device.c_str(), s.audio_seconds, s.audio->validation.mouth_correlation,
                s.audio->validation.code0_correlation, s.audio->validation.rmse);
  const auto& t = s.train;
  std::printf("gaussians: %d after %d iterations on %s in %.1f s%s\n", t.gaussians, t.iterations, t.device.c_str(),
              t.seconds, t.resumed_from > 0 ? (" (resumed at " + std::to_string(t.resumed_from) + ")").c_str() : "");
  std::printf("PSNR with tracked expressions: train %.2f dB, validation %.2f dB (untrained %.2f dB)\n", t.train_psnr,
              t.validation_psnr_tracked, t.validation_psnr_initial);
  std::printf("wrote %s\n", out.string().c_str());
}

Command add_train(CLI::App& bake) {
  struct State {
    fs::path dataset, out, work;
    TrainRequest request;
  };
  auto state = std::make_shared<State>();
  auto* app = bake.add_subcommand("train", "Train the avatar on a dataset made by bake ingest and write the .avatar; "
                                           "a re-run continues from the last checkpoint");
  app->add_option("dataset", state->dataset, "The dataset folder (bake ingest VIDEO -o DATASET)")->required();
  app->add_option("-o,--output", state->out, "The .avatar file to write")->required();
  app->add_option("--work", state->work, "Checkpoint folder (default: OUT.avatar.work)");
  add_train_options(*app, state->request);
  return {app, [state] {
            const auto summary = train_with_progress(state->dataset, state->out, state->work, state->request);
            print_train_summary(summary, state->out);
            return 0;
          }};
}

}  // namespace bake
