#include "being/face/roi.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace being::face {

namespace {

constexpr float kPi = 3.14159265358979323846f;

// Rotation that maps the image direction from (x0, y0) to (x1, y1) (pixels) onto the crop's x axis.
float level_rotation(float x0, float y0, float x1, float y1) {
  return normalize_radians(-std::atan2(-(y1 - y0), x1 - x0));
}

// Square the rect's long side in pixels and scale it (RectTransformationCalculator, square_long).
RotatedRect squared(float x_center, float y_center, float width, float height, float rotation, int image_width,
                    int image_height, const RoiOptions& options) {
  const float long_side = std::max(width * image_width, height * image_height);
  return {x_center, y_center, long_side / image_width * options.scale, long_side / image_height * options.scale,
          rotation};
}

void check_size(int image_width, int image_height) {
  if (image_width <= 0 || image_height <= 0) throw std::invalid_argument("face roi: empty image");
}

}  // namespace

float normalize_radians(float angle) {
  return angle - 2 * kPi * std::floor((angle - (-kPi)) / (2 * kPi));
}

RotatedRect roi_from_detection(const Detection& detection, int image_width, int image_height,
                               const RoiOptions& options) {
  check_size(image_width, image_height);
  if (detection.keypoints.size() <= LeftEye) throw std::invalid_argument("face roi: the detection has no eye keypoints");
  const Keypoint& r = detection.keypoints[RightEye];
  const Keypoint& l = detection.keypoints[LeftEye];
  const float rotation =
      level_rotation(r.x * image_width, r.y * image_height, l.x * image_width, l.y * image_height);
  return squared(detection.x_min + detection.width / 2, detection.y_min + detection.height / 2, detection.width,
                 detection.height, rotation, image_width, image_height, options);
}

RotatedRect roi_from_landmarks(const std::vector<Landmark>& landmarks, int image_width, int image_height,
                               const RoiOptions& options) {
  check_size(image_width, image_height);
  if (landmarks.size() < 264) throw std::invalid_argument("face roi: expected the 468/478 face landmarks");
  float x0 = landmarks[0].x, x1 = x0, y0 = landmarks[0].y, y1 = y0;
  for (const Landmark& l : landmarks) {
    x0 = std::min(x0, l.x);
    x1 = std::max(x1, l.x);
    y0 = std::min(y0, l.y);
    y1 = std::max(y1, l.y);
  }
  const Landmark& r = landmarks[33];
  const Landmark& l = landmarks[263];
  const float rotation =
      level_rotation(r.x * image_width, r.y * image_height, l.x * image_width, l.y * image_height);
  return squared((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, rotation, image_width, image_height, options);
}

std::vector<Landmark> project_landmarks(const std::vector<Landmark>& crop_landmarks, const RotatedRect& roi,
                                        int crop_size) {
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  std::vector<Landmark> out;
  out.reserve(crop_landmarks.size());
  for (const Landmark& p : crop_landmarks) {
    const float x = p.x / crop_size - 0.5f, y = p.y / crop_size - 0.5f;
    out.push_back({(c * x - s * y) * roi.width + roi.x_center, (s * x + c * y) * roi.height + roi.y_center,
                   p.z / crop_size * roi.width});
  }
  return out;
}

}  // namespace being::face
