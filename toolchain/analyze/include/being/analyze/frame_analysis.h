// One video frame through the whole face analysis: landmarks, blendshapes and (optionally) person
// and hair masks, plus a status that says what a consumer can trust. No LibTorch in this header:
// the models run behind FrameAnalyzer's pimpl, results come back as plain C++ on the CPU.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "being/face/roi.h"

namespace being::analyze {

enum class FaceStatus {
  ok,              // one face, landmarks and blendshapes valid
  cut_by_border,   // a face, but part of its mesh lies outside the frame: landmarks there are guesses
  too_small,       // a face below min_face_px: landmarks withheld (the model cannot resolve it)
  no_face,         // the detector found none, or the landmark model's presence fell below threshold
  blank_frame,     // a (nearly) uniform frame, e.g. all black: nothing to analyse
};
const char* to_string(FaceStatus status);
// True when the frame carries landmarks and blendshapes (ok and cut_by_border).
bool has_landmarks(FaceStatus status);

struct AnalysisOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  bool masks = true;           // run the person and hair segmenters
  float min_face_px = 40;      // faces smaller than this (landmark bounding box, long side) are too_small
  float max_outside = 0.05f;   // fraction of the 468 mesh points outside the frame that makes it cut_by_border
  float blank_spread = 2.0f;   // frames whose 8-bit values all lie within this of their mean are blank
};

struct FrameAnalysis {
  int width = 0, height = 0;
  FaceStatus status = FaceStatus::no_face;
  bool detected = false;   // the detector ran on this frame (first frame or lost track)
  float presence = 0;      // landmark model's face presence in [0, 1]
  face::RotatedRect roi;   // normalized crop region the landmarks came from (when a face was found)
  float face_size_px = 0;  // long side of the mesh's bounding box (when a face was found)
  float outside_fraction = 0;  // fraction of mesh points outside the frame
  // 478 points in pixels (x right, y down; z in pixels, smaller is closer); empty unless
  // has_landmarks(status).
  std::vector<face::Landmark> landmarks;
  std::array<float, 52> blendshapes{};  // valid with the landmarks; names from blendshape_names()
  // Other faces the detector saw on this frame (only where it ran), normalized to the frame; the
  // analysis follows the largest, most central one (face::primary_face).
  std::vector<face::Detection> other_faces;
  // Probabilities in [0, 1], width * height each, top row first; empty when masks are off.
  std::vector<float> person, hair;
  double face_seconds = 0, mask_seconds = 0;  // wall time of the two stages on this frame
};

// The status for a found face from its landmarks (pixels): too_small, cut_by_border or ok.
FaceStatus classify_face(const std::vector<face::Landmark>& landmarks, int width, int height,
                         const AnalysisOptions& options, float* face_size_px = nullptr,
                         float* outside_fraction = nullptr);

// True when every byte of the RGB frame lies within `spread` of the frame's mean.
bool is_blank(const std::uint8_t* rgb, int width, int height, float spread);

class FrameAnalyzer {
 public:
  // Loads the models from the model cache; throws being::models::ModelError (missing, truncated or
  // corrupt model file) or std::runtime_error (CUDA asked for but not available).
  explicit FrameAnalyzer(const AnalysisOptions& options = {});
  ~FrameAnalyzer();
  FrameAnalyzer(FrameAnalyzer&&) noexcept;
  FrameAnalyzer& operator=(FrameAnalyzer&&) noexcept;

  // rgb: width * height * 3 bytes, top row first. Frames of one video in order (tracking).
  FrameAnalysis analyze(const std::uint8_t* rgb, int width, int height);
  // Start over (next frame runs the detector, the hair mask forgets its history).
  void reset();

  const std::vector<std::string>& blendshape_names() const;  // 52, "_neutral" first
  const AnalysisOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::analyze
