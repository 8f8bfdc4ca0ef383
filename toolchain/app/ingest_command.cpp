#include "being/ingest/ingest.h"
#include "commands.h"
#include "ingest_command.h"
#include "progress_bar.h"

extern "C" {
#include <libavutil/log.h>
}

namespace bake {

void add_ingest_options(CLI::App& app, being::ingest::IngestRequest& request, double& av_offset, CLI::Option*& offset) {
  app.add_option("--fps", request.fps, "Frame rate of the dataset")->check(CLI::Range(1, 120));
  app.add_option("--size", request.crop_size, "Training resolution (square crop)")->check(CLI::Range(64, 2048));
  app.add_flag("--no-audio", request.no_audio, "Track a video that has no audio (no audio features)");
  offset = app.add_option("--av-offset", av_offset, "A/V offset in frames, positive when the audio is late "
                                                    "(default: measured)");
  app.add_option("--max-frames", request.max_frames, "Use only the first frames")->check(CLI::PositiveNumber);
  app.add_flag("--overlay", request.overlay, "Also write overlay.mp4: the tracking drawn on every frame");
}

being::ingest::IngestSummary ingest_with_progress(const being::ingest::IngestRequest& request) {
  av_log_set_level(AV_LOG_ERROR);  // the encoder's statistics would break the progress bars
  ProgressBar bar;
  const auto s = being::ingest::run_ingest(request, [&](const std::string& stage, int done, int total) {
    bar(stage, done, total);
  });
  bar.end();
  const auto& m = s.manifest;
  if (s.up_to_date) {
    std::printf("%s is up to date for %s (delete it or change an option to rebuild)\n", request.output.string().c_str(),
                request.video.string().c_str());
    return s;
  }
  std::printf("dataset %s: %d frames at %d fps, crop %d px, train %d-%d, validation %d-%d\n",
              request.output.string().c_str(), m.frames, m.fps, m.crop_size, m.train.begin, m.train.end,
              m.validation.begin, m.validation.end);
  std::printf("tracking: face on %.1f%% of frames; reprojection %.2f px RMS (median %.2f); focal %.0f px\n",
              100 * m.quality.tracked_fraction, m.quality.reprojection_rms_px, s.reprojection_median_px,
              m.camera.focal_px);
  std::printf("pose jitter on the stillest 2 s: %.3f deg, %.3f px per frame (before smoothing %.3f deg, %.3f px)\n",
              m.quality.pose_jitter_deg, m.quality.pose_jitter_px, s.pose_jitter_raw_deg, s.pose_jitter_raw_px);
  std::printf("expression: %d components, %.2f%% of the variance, %.3f cm RMS residual\n", m.expression.components,
              100 * m.expression.variance_kept, m.expression.rms_residual_cm);
  if (m.has_audio)
    std::printf("audio: A/V offset measured %+.2f frames, applied %+.3f s\n", m.audio.av_offset_frames,
                m.audio.av_offset_applied_s);
  std::printf("idle loop: frames %d-%d (seam %.2f deg); background difference %.1f/255\n", m.idle_loop.start,
              m.idle_loop.end, m.idle_loop.seam_cost, s.background_median_diff);
  std::printf("time:");
  for (const auto& stage : s.stages)
    std::printf(" %s %.1f s%s,", stage.name.c_str(), stage.seconds, stage.reused ? " (reused)" : "");
  std::printf(" total %.1f s\n", s.total_seconds);
  for (const auto& w : m.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("check %s\n", (request.output / "contact_sheet.png").string().c_str());
  return s;
}

Command add_ingest(CLI::App& bake) {
  struct State {
    being::ingest::IngestRequest request;
    double av_offset = 0;
    CLI::Option* offset = nullptr;
  };
  auto state = std::make_shared<State>();
  auto* app = bake.add_subcommand("ingest", "Turn a talking-head video into a training dataset "
                                            "(docs/dataset-format.md); a re-run resumes");
  app->add_option("video", state->request.video, "The video of a person talking")->required();
  app->add_option("-o,--output", state->request.output, "The dataset folder to write")->required();
  add_ingest_options(*app, state->request, state->av_offset, state->offset);
  app->add_option("--device", state->request.device, "Where the face models run")->check(CLI::IsMember({"cpu", "cuda"}));
  return {app, [state] {
            if (*state->offset) state->request.av_offset_frames = state->av_offset;
            ingest_with_progress(state->request);
            return 0;
          }};
}

}  // namespace bake
