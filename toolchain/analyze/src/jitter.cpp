#include "being/analyze/jitter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace being::analyze {

const std::vector<int>& static_face_points() {
  static const std::vector<int> points{168, 6, 197, 33, 133, 362, 263};
  return points;
}

Jitter landmark_jitter(const std::vector<std::vector<face::Landmark>>& tracks, const std::vector<int>& points,
                       int window) {
  if (window < 3 || window % 2 == 0) throw std::invalid_argument("landmark_jitter: window must be odd and >= 3");
  const int half = window / 2, n = static_cast<int>(tracks.size());
  Jitter out;
  double sum_sq = 0, eyes = 0;
  std::size_t residuals = 0;
  std::vector<float> xs(window), ys(window);
  for (int t = half; t + half < n; ++t) {
    bool complete = true;
    for (int k = -half; k <= half && complete; ++k) complete = !tracks[t + k].empty();
    if (!complete) continue;
    for (int p : points) {
      for (int k = -half; k <= half; ++k) {
        xs[k + half] = tracks[t + k].at(p).x;
        ys[k + half] = tracks[t + k].at(p).y;
      }
      std::nth_element(xs.begin(), xs.begin() + half, xs.end());
      std::nth_element(ys.begin(), ys.begin() + half, ys.end());
      const double dx = tracks[t][p].x - xs[half], dy = tracks[t][p].y - ys[half];
      sum_sq += dx * dx + dy * dy;
      ++residuals;
    }
    eyes += std::hypot(tracks[t].at(33).x - tracks[t].at(263).x, tracks[t].at(33).y - tracks[t].at(263).y);
    ++out.frames;
  }
  if (residuals) out.rms_px = std::sqrt(sum_sq / residuals);
  if (out.frames) out.interocular_px = eyes / out.frames;
  return out;
}

}  // namespace being::analyze
