// `bake analyze`: a whole video through FrameAnalyzer, with the per-frame results as JSON lines
// (docs/face-analysis.md specifies them), an overlay MP4 with the source audio, and a contact sheet.
// Every output is written under a temporary name and renamed at the end: an error leaves no file.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "being/analyze/frame_analysis.h"
#include "being/analyze/jitter.h"

namespace being::analyze {

struct VideoAnalysisRequest {
  std::string video;
  int fps = 25;          // frames are taken at this constant rate (VideoReader)
  int max_frames = 0;    // 0: the whole video
  std::filesystem::path overlay;        // .mp4; empty: none
  std::filesystem::path json;           // .jsonl; empty: none
  std::filesystem::path contact_sheet;  // .png; empty: none
  int contact_frames = 12;              // overlays on the sheet, evenly spaced
  AnalysisOptions analysis;
};

struct VideoAnalysisSummary {
  int frames = 0;
  std::array<int, 5> by_status{};  // indexed by FaceStatus
  double wall_s = 0;               // the whole run, decoding and writing included
  double face_s = 0, mask_s = 0;   // model time: detector + landmarks + blendshapes; masks
  Jitter jitter;                   // on the static face points, see jitter.h
  int frames_with_other_faces = 0; // detection frames that saw more than the tracked face

  int count(FaceStatus s) const { return by_status[static_cast<int>(s)]; }
  int with_face() const { return count(FaceStatus::ok) + count(FaceStatus::cut_by_border); }
};

// Called after every frame: frames done, frames expected (from the duration; an estimate).
using ProgressCallback = std::function<void(int done, int expected)>;

// Throws being::media::MediaError (unreadable video, unwritable overlay), being::models::ModelError
// (model cache), std::runtime_error (unwritable JSON or contact sheet).
VideoAnalysisSummary analyze_video(const VideoAnalysisRequest& request, const ProgressCallback& progress = {});

// One frame as a JSON object on one line (no newline); see docs/face-analysis.md.
std::string json_line(const FrameAnalysis& analysis, int frame_index, double time_s,
                      const std::vector<std::string>& blendshape_names);

}  // namespace being::analyze
