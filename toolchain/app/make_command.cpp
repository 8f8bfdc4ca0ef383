#include <chrono>

#include "commands.h"
#include "ingest_command.h"
#include "train_command.h"

namespace bake {

namespace fs = std::filesystem;

// `bake make VIDEO -o OUT.avatar` (or `bake VIDEO -o OUT.avatar`): ingest, train and export in one
// command. The dataset and checkpoints live in OUT.avatar.work, so a re-run continues where a killed
// one stopped.
Command add_make(CLI::App& bake) {
  struct State {
    being::ingest::IngestRequest ingest;
    double av_offset = 0;
    CLI::Option* offset = nullptr;
    fs::path out, work;
    TrainRequest train;
  };
  auto state = std::make_shared<State>();
  auto* app = bake.add_subcommand("make", "Video to avatar in one command: ingest, train, export "
                                          "(`bake VIDEO -o OUT.avatar` does the same); a re-run resumes");
  app->add_option("video", state->ingest.video, "The video of a person talking (1-5 minutes is best)")->required();
  app->add_option("-o,--output", state->out, "The .avatar file to write")->required();
  app->add_option("--work", state->work, "Dataset and checkpoint folder (default: OUT.avatar.work)");
  add_ingest_options(*app, state->ingest, state->av_offset, state->offset);
  app->add_option("--face-device", state->ingest.device, "Where the face models run during ingest")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  add_train_options(*app, state->train);
  return {app, [state] {
            using Clock = std::chrono::steady_clock;
            const auto start = Clock::now();
            const auto seconds = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
            if (*state->offset) state->ingest.av_offset_frames = state->av_offset;
            const fs::path work = state->work.empty() ? fs::path(state->out.string() + ".work") : state->work;
            state->ingest.output = work / "dataset";
            if (state->out.has_parent_path() && !fs::is_directory(state->out.parent_path()))
              throw std::runtime_error("cannot write " + state->out.string() + ": the folder " +
                                       state->out.parent_path().string() + " does not exist");
            ingest_with_progress(state->ingest);
            const double ingest_s = seconds(start);
            const auto summary = train_with_progress(state->ingest.output, state->out, work / "train", state->train);
            print_train_summary(summary, state->out);
            std::printf("stages: ingest %.1f s, audio encoder %.1f s, Gaussians %.1f s; total %.1f s\n", ingest_s,
                        summary.audio_seconds, summary.train.seconds, seconds(start));
            return 0;
          }};
}

}  // namespace bake
