#include "being/analyze/video_analysis.h"
#include "commands.h"

extern "C" {
#include <libavutil/log.h>
}

namespace bake {

namespace {

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

}  // namespace

Command add_analyze(CLI::App& bake) {
  auto request = std::make_shared<being::analyze::VideoAnalysisRequest>();
  auto force_masks = std::make_shared<bool>(false);
  auto* app = bake.add_subcommand("analyze", "Face analysis of a video: landmarks, blendshapes, masks; "
                                             "JSON lines, an overlay video and a contact sheet to check it");
  app->add_option("video", request->video, "The video to analyse")->required();
  app->add_option("--overlay", request->overlay, "Write the analysis drawn over the video (MP4)");
  app->add_option("--json", request->json, "Write one JSON line per frame (docs/face-analysis.md)");
  app->add_option("--contact-sheet", request->contact_sheet, "Write 12 overlay frames as one PNG");
  app->add_option("--device", request->analysis.device, "Where the models run")->check(CLI::IsMember({"cpu", "cuda"}));
  app->add_option("--max-frames", request->max_frames, "Stop after this many frames")->check(CLI::PositiveNumber);
  app->add_option("--fps", request->fps, "Frame rate the video is sampled at")->check(CLI::Range(1, 120));
  app->add_flag("--masks", *force_masks, "Run the person/hair segmenters without an overlay (JSON areas, timing)");
  return {app, [request, force_masks] {
            request->analysis.masks = *force_masks || !request->overlay.empty() || !request->contact_sheet.empty();
            return run_analyze(*request);
          }};
}

}  // namespace bake
