// Post-processing of MediaPipe's BlazeFace short-range detector (face_detector.tflite): SSD anchor
// generation, decoding of the raw regressor/score tensors into boxes with six keypoints, and the
// weighted non-maximum suppression MediaPipe uses. Plain C++ on float arrays (no LibTorch), so the
// runtime could use it as well. Coordinates are normalized to the detector's input square, x right
// and y down; docs/face-detection.md gives the formulas and MediaPipe's parameter values.
#pragma once

#include <cstddef>
#include <vector>

namespace being::face {

struct Anchor {
  float x_center = 0, y_center = 0;
  float width = 1, height = 1;
};

// MediaPipe's SsdAnchorsCalculator with fixed_anchor_size (every anchor 1x1, so only the centre
// matters), one aspect ratio plus the interpolated scale: 2 anchors per cell per layer. Consecutive
// layers with the same stride share one feature map, their anchors interleaved per cell.
struct AnchorOptions {
  int input_width = 128;
  int input_height = 128;
  std::vector<int> strides = {8, 16, 16, 16};
  float offset_x = 0.5f;
  float offset_y = 0.5f;
  int anchors_per_layer = 2;
};
std::vector<Anchor> ssd_anchors(const AnchorOptions& options = {});

struct Keypoint {
  float x = 0, y = 0;
};

// The six BlazeFace keypoints, in MediaPipe's order (the subject's right eye is on the image left).
enum KeypointIndex { RightEye = 0, LeftEye = 1, NoseTip = 2, MouthCenter = 3, RightEarTragion = 4, LeftEarTragion = 5 };

struct Detection {
  float score = 0;
  float x_min = 0, y_min = 0, width = 0, height = 0;
  std::vector<Keypoint> keypoints;
};

struct DecodeOptions {
  float scale = 128.0f;             // x/y/w/h scale: the regressors are in input pixels
  int num_keypoints = 6;
  float score_clipping = 100.0f;    // raw scores are clamped to +-this before the sigmoid
  float min_score = 0.5f;           // detections below are dropped
};

// regressors: anchors.size() x (4 + 2 * num_keypoints) floats (x, y, w, h, then keypoint x, y) as the
// model writes them; scores: anchors.size() raw logits. Returns the detections above min_score.
std::vector<Detection> decode_detections(const float* regressors, const float* scores,
                                         const std::vector<Anchor>& anchors, const DecodeOptions& options = {});

// Intersection over union of two boxes (0 when they do not overlap).
float intersection_over_union(const Detection& a, const Detection& b);

// MediaPipe's WEIGHTED non-maximum suppression: repeatedly take the best-scoring detection, gather
// every remaining one overlapping it by more than `iou_threshold` (itself included), and output
// the score-weighted average of their boxes and keypoints with the best score. Highest first.
std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, float iou_threshold = 0.3f);

// Padding that makes an image square (as MediaPipe letterboxes the detector input), as fractions of
// the square's side: the image occupies [left, 1 - right] x [top, 1 - bottom].
struct Letterbox {
  float left = 0, top = 0, right = 0, bottom = 0;
};
Letterbox square_letterbox(int image_width, int image_height);
// Maps a detection from the letterboxed square back to coordinates normalized to the image.
Detection remove_letterbox(const Detection& detection, const Letterbox& letterbox);

}  // namespace being::face
