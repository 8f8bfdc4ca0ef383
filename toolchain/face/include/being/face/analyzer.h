// Per-frame face analysis of a video, as MediaPipe's face landmarker does in video mode: detect the
// face (BlazeFace), crop the rotated region, run the landmark model (478 points + presence) and the
// blendshape model (52 scores); on later frames the previous landmarks give the region, and the
// detector runs again only when the presence drops. One face, the most confident.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "being/face/detection.h"
#include "being/face/roi.h"

namespace being::face {

struct AnalyzerOptions {
  float min_detection_score = 0.5f;
  float min_presence = 0.5f;  // sigmoid of the landmark model's presence logit
};

struct FaceFrame {
  bool found = false;
  bool detected = false;  // true when this frame ran the detector (first frame or lost track)
  float presence = 0;     // probability in [0, 1]
  RotatedRect roi;        // the region the landmarks came from
  // 478 landmarks (468 mesh + 10 iris) normalized to the frame (x right, y down); z relative, in
  // the same unit as x (fraction of the frame width), smaller is closer to the camera.
  std::vector<Landmark> landmarks;
  std::array<float, 52> blendshapes{};  // ARKit order, see face_blendshapes_io.json
  // The other faces the detector saw, normalized to the frame; filled on frames where it ran (the
  // tracked face is the largest, the most central among near-equals: primary_face()).
  std::vector<Detection> other_faces;
};

// Which of a frame's detections (normalized to a width x height frame) to track: the largest; among
// those within 20% of its area, the one nearest the frame's centre. Returns an index into `faces`,
// which must not be empty.
std::size_t primary_face(const std::vector<Detection>& faces, int width, int height);

class FaceAnalyzer {
 public:
  // Loads the three models from the model cache (being::models::require).
  FaceAnalyzer(const c10::Device& device, const AnalyzerOptions& options = {});
  ~FaceAnalyzer();
  FaceAnalyzer(FaceAnalyzer&&) noexcept;
  FaceAnalyzer& operator=(FaceAnalyzer&&) noexcept;

  // frame: [H,W,3] or [1,H,W,3] RGB in [0,1] (float) or [0,255] (uint8), on any device.
  FaceFrame analyze(const at::Tensor& frame);
  // Forget the previous frame (the next frame runs the detector).
  void reset();

  // The 146 landmark indices the blendshape model reads and the 52 blendshape names, from
  // face_blendshapes_io.json in the model cache.
  const std::vector<int>& blendshape_landmarks() const;
  const std::vector<std::string>& blendshape_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::face
