// bake: the offline toolchain. Turns a talking-head video into a .avatar file.
#include "being/models/model_store.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#ifdef BEING_BAKE_ANALYZE
#include <chrono>
#include <string>

#include "being/analyze/video_analysis.h"
#include "being/ingest/ingest.h"
extern "C" {
#include <libavutil/log.h>
}
#endif

namespace {

// `bake models`: verifies every file of the model cache against the manifest.
int run_models(bool quiet) {
  const auto dir = being::models::cache_dir();
  int bad = 0;
  for (const auto& entry : being::models::manifest()) {
    const auto status = being::models::check(entry, dir);
    if (status != being::models::Status::ok) ++bad;
    if (!quiet || status != being::models::Status::ok)
      std::printf("%-12s %s\n", being::models::to_string(status), entry.path.c_str());
  }
  std::printf("model cache %s: %zu files, %d not usable\n", dir.string().c_str(),
              being::models::manifest().size(), bad);
  if (bad > 0) {
    std::fprintf(stderr,
                 "bake: %d model file(s) missing or corrupt. Run scripts/setup.sh --models "
                 "(copies from ../shared/models or $BEING_MODELS_DIR, or downloads them).\n",
                 bad);
    return 1;
  }
  return 0;
}

#ifdef BEING_BAKE_ANALYZE
// `bake analyze`: face analysis of a whole video, with a progress line on stderr and a summary.
int run_analyze(const being::analyze::VideoAnalysisRequest& request) {
  using being::analyze::FaceStatus;
  av_log_set_level(AV_LOG_ERROR);  // the encoder's statistics would break the progress line
  const auto progress = [](int done, int expected) {
    if (done % 25 == 0 || done == expected) std::fprintf(stderr, "\ranalyze: frame %d of ~%d", done, expected);
  };
  const auto s = being::analyze::analyze_video(request, progress);
  std::fprintf(stderr, "\n");
  std::printf("frames %d: face %d (ok %d, cut by border %d), no face %d (none found %d, too small %d, blank %d)\n",
              s.frames, s.with_face(), s.count(FaceStatus::ok), s.count(FaceStatus::cut_by_border),
              s.frames - s.with_face(), s.count(FaceStatus::no_face), s.count(FaceStatus::too_small),
              s.count(FaceStatus::blank_frame));
  if (s.frames_with_other_faces > 0)
    std::printf("more than one face: on %d detection frames; the largest, most central one is tracked "
                "(other_faces in the JSON)\n", s.frames_with_other_faces);
  std::printf("speed: %.1f frames/s overall; detector+landmarks+blendshapes %.1f frames/s", s.frames / s.wall_s,
              s.face_s > 0 ? s.frames / s.face_s : 0.0);
  if (s.mask_s > 0) std::printf("; masks %.1f frames/s", s.frames / s.mask_s);
  std::printf(" (%s)\n", request.analysis.device.c_str());
  if (s.jitter.frames > 0)
    std::printf("landmark jitter (nose bridge, eye corners; residual to a 5-frame median): %.3f px RMS, "
                "interocular %.1f px, over %d frames\n",
                s.jitter.rms_px, s.jitter.interocular_px, s.jitter.frames);
  else
    std::printf("landmark jitter: not measured (no 5 consecutive frames with status ok)\n");
  for (const auto* path : {&request.json, &request.overlay, &request.contact_sheet})
    if (!path->empty()) std::printf("wrote %s\n", path->string().c_str());
  return s.frames > 0 ? 0 : 1;
}

// One progress bar per stage on stderr: stage, bar, count, rate and time left.
class ProgressBar {
 public:
  void operator()(const std::string& stage, int done, int total) {
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_) {
      if (!stage_.empty()) std::fprintf(stderr, "\n");
      stage_ = stage;
      started_ = now;
      last_ = {};
    } else if (done != total && now - last_ < std::chrono::milliseconds(200)) {
      return;
    }
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0;
    constexpr int kWidth = 30;
    const int filled = total > 0 ? std::min(kWidth, done * kWidth / total) : 0;
    const double left = rate > 0 && total > done ? (total - done) / rate : 0;
    std::fprintf(stderr, "\r%-9s [%s%s] %d/%d  %.1f/s  ETA %d:%02d ", stage.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total, rate, static_cast<int>(left) / 60,
                 static_cast<int>(left) % 60);
  }
  void end() {
    if (!stage_.empty()) std::fprintf(stderr, "\n");
  }

 private:
  std::string stage_;
  std::chrono::steady_clock::time_point started_, last_;
};

// `bake ingest`: the dataset, with progress bars and a summary of what was measured.
int run_ingest_command(const being::ingest::IngestRequest& request) {
  av_log_set_level(AV_LOG_ERROR);
  ProgressBar bar;
  const auto s = being::ingest::run_ingest(request, std::ref(bar));
  bar.end();
  const auto& m = s.manifest;
  if (s.up_to_date) {
    std::printf("%s is up to date for %s (delete it or change an option to rebuild)\n", request.output.string().c_str(),
                request.video.string().c_str());
    return 0;
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
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bake: turn a short video of a person talking into a .avatar file", "bake"};
  app.set_version_flag("--version", std::string("bake ") + BEING_VERSION);
  app.require_subcommand(1);

  bool quiet = false;
  auto* models = app.add_subcommand("models", "Verify the model cache (sha256 of every model file)");
  models->add_flag("-q,--quiet", quiet, "Only list files that are missing or corrupt");

#ifdef BEING_BAKE_ANALYZE
  being::analyze::VideoAnalysisRequest analyze_request;
  bool force_masks = false;
  auto* analyze = app.add_subcommand("analyze", "Face analysis of a video: landmarks, blendshapes, masks; "
                                                "JSON lines, an overlay video and a contact sheet to check it");
  analyze->add_option("video", analyze_request.video, "The video to analyse")->required();
  analyze->add_option("--overlay", analyze_request.overlay, "Write the analysis drawn over the video (MP4)");
  analyze->add_option("--json", analyze_request.json, "Write one JSON line per frame (docs/face-analysis.md)");
  analyze->add_option("--contact-sheet", analyze_request.contact_sheet, "Write 12 overlay frames as one PNG");
  analyze->add_option("--device", analyze_request.analysis.device, "Where the models run")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  analyze->add_option("--max-frames", analyze_request.max_frames, "Stop after this many frames")
      ->check(CLI::PositiveNumber);
  analyze->add_option("--fps", analyze_request.fps, "Frame rate the video is sampled at")->check(CLI::Range(1, 120));
  analyze->add_flag("--masks", force_masks, "Run the person/hair segmenters without an overlay (JSON areas, timing)");

  being::ingest::IngestRequest ingest_request;
  double av_offset = 0;
  auto* ingest = app.add_subcommand("ingest", "Turn a talking-head video into a training dataset "
                                              "(docs/dataset-format.md); a re-run resumes");
  ingest->add_option("video", ingest_request.video, "The video of a person talking")->required();
  ingest->add_option("-o,--output", ingest_request.output, "The dataset folder to write")->required();
  ingest->add_option("--fps", ingest_request.fps, "Frame rate of the dataset")->check(CLI::Range(1, 120));
  ingest->add_option("--size", ingest_request.crop_size, "Training resolution (square crop)")->check(CLI::Range(64, 2048));
  ingest->add_option("--device", ingest_request.device, "Where the face models run")->check(CLI::IsMember({"cpu", "cuda"}));
  ingest->add_flag("--no-audio", ingest_request.no_audio, "Track a video that has no audio (no audio features)");
  auto* offset_option = ingest->add_option("--av-offset", av_offset,
                                           "A/V offset in frames, positive when the audio is late (default: measured)");
  ingest->add_option("--max-frames", ingest_request.max_frames, "Use only the first frames")->check(CLI::PositiveNumber);
  ingest->add_flag("--overlay", ingest_request.overlay, "Also write overlay.mp4: the tracking drawn on every frame");
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as command-line tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*models) return run_models(quiet);
#ifdef BEING_BAKE_ANALYZE
    if (*analyze) {
      analyze_request.analysis.masks =
          force_masks || !analyze_request.overlay.empty() || !analyze_request.contact_sheet.empty();
      return run_analyze(analyze_request);
    }
    if (*ingest) {
      if (*offset_option) ingest_request.av_offset_frames = av_offset;
      return run_ingest_command(ingest_request);
    }
#endif
  } catch (const std::exception& e) {
    std::cerr << "bake: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
