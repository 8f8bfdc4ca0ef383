#include <iostream>

#include "being/eval/evaluate.h"
#include "commands.h"
#ifdef BEING_BAKE_EVAL_VIDEO
#include "being/eval/side_by_side.h"
#endif

namespace bake {

namespace fs = std::filesystem;

// `bake eval AVATAR DATASET`: the evaluation protocol on the dataset's held-out last 10%
// (docs/evaluation.md), driven by the dataset's audio and by its tracked expressions.
Command add_eval(CLI::App& bake) {
  struct State {
    fs::path avatar, dataset, video;
    being::eval::EvalOptions options;
    bool no_landmarks = false;
  };
  auto state = std::make_shared<State>();
  auto* app = bake.add_subcommand("eval", "Evaluate an avatar on its dataset's held-out frames: PSNR/SSIM, mouth "
                                          "landmarks, mouth-opening correlation, A/V offset (docs/evaluation.md)");
  app->add_option("avatar", state->avatar, "The .avatar file (bake train)")->required();
  app->add_option("dataset", state->dataset, "The dataset it was trained on (bake ingest)")->required();
  app->add_option("--device", state->options.device, "Where rendering and the face analysis run")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app->add_option("--json", state->options.json, "Write the numbers as JSON");
  app->add_option("--contact-sheet", state->options.contact_sheet, "Write real | audio | tracked frames as a PNG");
#ifdef BEING_BAKE_EVAL_VIDEO
  app->add_option("--video", state->video, "Write the side-by-side MP4 (real | audio-driven | tracked) with sound");
#endif
  app->add_option("--max-frames", state->options.max_frames, "Evaluate only the first validation frames")
      ->check(CLI::PositiveNumber);
  app->add_flag("--no-landmarks", state->no_landmarks, "Skip the face analysis (no LMD, mouth correlation, A/V offset)");
  return {app, [state] {
            state->options.landmarks = !state->no_landmarks;
#ifdef BEING_BAKE_EVAL_VIDEO
            const auto result = being::eval::evaluate_with_video(state->avatar, state->dataset, state->options, state->video);
#else
            const auto result = being::eval::evaluate(state->avatar, state->dataset, state->options);
#endif
            std::printf("%s", being::eval::summary(result).c_str());
            for (const auto* path : {&state->options.json, &state->options.contact_sheet, &state->video})
              if (!path->empty()) std::printf("wrote %s\n", path->string().c_str());
            return 0;
          }};
}

}  // namespace bake
