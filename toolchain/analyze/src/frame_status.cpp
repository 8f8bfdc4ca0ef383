#include <algorithm>
#include <cmath>

#include "being/analyze/frame_analysis.h"

namespace being::analyze {

const char* to_string(FaceStatus status) {
  switch (status) {
    case FaceStatus::ok: return "ok";
    case FaceStatus::cut_by_border: return "cut_by_border";
    case FaceStatus::too_small: return "too_small";
    case FaceStatus::no_face: return "no_face";
    case FaceStatus::blank_frame: return "blank_frame";
  }
  return "unknown";
}

bool has_landmarks(FaceStatus status) { return status == FaceStatus::ok || status == FaceStatus::cut_by_border; }

FaceStatus classify_face(const std::vector<face::Landmark>& landmarks, int width, int height,
                         const AnalysisOptions& options, float* face_size_px, float* outside_fraction) {
  constexpr std::size_t kMesh = 468;  // the iris points lie inside the eyes: the mesh decides
  const std::size_t n = std::min(kMesh, landmarks.size());
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  std::size_t outside = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& l = landmarks[i];
    x0 = std::min(x0, l.x), x1 = std::max(x1, l.x), y0 = std::min(y0, l.y), y1 = std::max(y1, l.y);
    if (l.x < 0 || l.y < 0 || l.x >= width || l.y >= height) ++outside;
  }
  const float size = n ? std::max(x1 - x0, y1 - y0) : 0.0f;
  const float fraction = n ? static_cast<float>(outside) / n : 0.0f;
  if (face_size_px) *face_size_px = size;
  if (outside_fraction) *outside_fraction = fraction;
  if (size < options.min_face_px) return FaceStatus::too_small;
  if (fraction > options.max_outside) return FaceStatus::cut_by_border;
  return FaceStatus::ok;
}

bool is_blank(const std::uint8_t* rgb, int width, int height, float spread) {
  const std::size_t n = static_cast<std::size_t>(width) * height * 3;
  if (n == 0) return true;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += rgb[i];
  const double mean = sum / n;
  for (std::size_t i = 0; i < n; ++i)
    if (std::abs(rgb[i] - mean) > spread) return false;
  return true;
}

}  // namespace being::analyze
