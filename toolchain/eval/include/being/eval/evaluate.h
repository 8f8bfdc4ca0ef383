// `bake eval`: how well a trained avatar reproduces the held-out validation frames of its dataset
// (docs/evaluation.md). Every validation frame is rendered with the dataset's own head pose and crop
// camera over that frame's torso plate, driven twice: by the avatar's audio encoder on the dataset's
// audio, and by the tracked expression codes (the renderer's upper bound). Image metrics compare
// with the real crop; landmark metrics run the face analyzer on both.
//
// No FFmpeg here: this runs on the GPU machine. The side-by-side MP4 is being_eval_video's
// (side_by_side.h), fed through the FrameSink.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/draw/canvas.h"

namespace being::eval {

class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EvalOptions {
  std::string device = "cpu";          // "cpu" or "cuda": rasterizer and face analyzer
  std::filesystem::path contact_sheet;  // PNG of real | audio | tracked on a few frames; empty: none
  std::filesystem::path json;           // the numbers; empty: none
  int max_frames = 0;                   // first N validation frames only; 0: all
  bool landmarks = true;                // run the face analyzer (LMD, mouth correlation, A/V offset)
  int sheet_frames = 6;                 // rows of the contact sheet
};

// Means over the evaluated frames. Landmark metrics are NaN when the analyzer was off or found too
// few faces; av_offset_frames is NaN when there were too few frames for the search.
struct DriveMetrics {
  double psnr = 0, ssim = 0;            // full crop, dB / [-1, 1]
  double face_psnr = 0, face_ssim = 0;  // inside the face box (face_box())
  double lmd_px = 0;                    // mean distance of the 40 lip landmarks, crop pixels
  double mouth_correlation = 0;         // Pearson r of mouth opening, rendered vs real
  double av_offset_frames = 0;          // rendered mouth vs the dataset audio; positive = audio late
  double av_correlation = 0;            // Pearson r at that lag: how much to trust the offset
  int landmark_frames = 0;              // frames where the analyzer found a face on both images
};

// One evaluated frame: where a mean went wrong. Mouth openings are NaN without landmarks.
struct FrameMetrics {
  int frame = 0;  // dataset frame index
  double audio_psnr = 0, tracked_psnr = 0;
  double real_mouth = 0, audio_mouth = 0, tracked_mouth = 0;
};

struct EvalResult {
  int frames = 0;   // validation frames rendered and measured
  int skipped = 0;  // validation frames without a tracked face (valid = 0)
  int crop_size = 0;
  DriveMetrics audio, tracked;
  double real_av_offset_frames = 0;  // the real crops' mouth vs the audio: the floor of the A/V metric
  double real_av_correlation = 0;
  std::vector<std::string> notes;    // why a metric is missing
  std::vector<FrameMetrics> per_frame;
  double seconds = 0;
};

// One validation frame as the three panels of the side-by-side video. For a skipped frame the two
// rendered panels are the torso plate alone (no pose to render with).
struct EvalFrame {
  int index = 0;  // dataset frame index
  bool skipped = false;
  const draw::Image* real = nullptr;
  const draw::Image* audio = nullptr;
  const draw::Image* tracked = nullptr;
};
using FrameSink = std::function<void(const EvalFrame&)>;

// Throws EvalError (missing or unreadable avatar or dataset, an avatar whose expression dimension or
// audio rate does not match the dataset, a dataset without audio, CUDA asked for but absent).
EvalResult evaluate(const std::filesystem::path& avatar, const std::filesystem::path& dataset,
                    const EvalOptions& options, const FrameSink& sink = {});

// A few lines for people.
std::string summary(const EvalResult& result);
// The JSON written to EvalOptions::json (docs/evaluation.md lists the fields).
std::string result_json(const EvalResult& result);

}  // namespace being::eval
