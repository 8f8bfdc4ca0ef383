#include "being/tracking/crop_window.h"

#include "being/tracking/smoothing.h"

#include <algorithm>
#include <stdexcept>

namespace being::tracking {

std::vector<CropWindow> crop_window_path(const std::vector<FrameLandmarks>& frames, int width, int height,
                                         const CropWindowOptions& options) {
  if (width <= 0 || height <= 0) throw std::invalid_argument("crop_window_path: the frame size must be positive");
  if (!(options.margin > 0.0) || !(options.jitter_fraction > 0.0) || !(options.acceleration_fraction > 0.0))
    throw std::invalid_argument("crop_window_path: margin and smoothing fractions must be positive");
  const std::size_t n = frames.size();
  std::vector<double> centre_x(n, 0.0), centre_y(n, 0.0), long_sides;
  std::vector<bool> has_face(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (!frames[i].valid || frames[i].points.empty()) continue;
    double x_min = frames[i].points[0][0], x_max = x_min, y_min = frames[i].points[0][1], y_max = y_min;
    for (const auto& p : frames[i].points) {
      x_min = std::min(x_min, p[0]), x_max = std::max(x_max, p[0]);
      y_min = std::min(y_min, p[1]), y_max = std::max(y_max, p[1]);
    }
    centre_x[i] = 0.5 * (x_min + x_max);
    centre_y[i] = 0.5 * (y_min + y_max);
    long_sides.push_back(std::max(x_max - x_min, y_max - y_min));
    has_face[i] = true;
  }
  if (long_sides.empty()) throw std::invalid_argument("crop_window_path: no frame has a face to centre the crop on");
  std::nth_element(long_sides.begin(), long_sides.begin() + long_sides.size() / 2, long_sides.end());
  const double size = std::min(options.margin * long_sides[long_sides.size() / 2], static_cast<double>(std::min(width, height)));

  const SmootherOptions smoothing{options.jitter_fraction * size, options.acceleration_fraction * size};
  std::vector<double> path_x = smooth_rts(centre_x, smoothing, has_face);
  std::vector<double> path_y = smooth_rts(centre_y, smoothing, has_face);
  // The smoother extrapolates with its last velocity past the ends of the face track; hold still there.
  const std::size_t first = static_cast<std::size_t>(std::find(has_face.begin(), has_face.end(), true) - has_face.begin());
  const std::size_t last = n - 1 - static_cast<std::size_t>(std::find(has_face.rbegin(), has_face.rend(), true) - has_face.rbegin());
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t held = std::clamp(i, first, last);
    path_x[i] = path_x[held];
    path_y[i] = path_y[held];
  }

  std::vector<CropWindow> windows(n);
  for (std::size_t i = 0; i < n; ++i) {
    windows[i].size = size;
    windows[i].x0 = std::clamp(path_x[i] - 0.5 * size, 0.0, width - size);
    windows[i].y0 = std::clamp(path_y[i] - 0.5 * size, 0.0, height - size);
  }
  return windows;
}

}  // namespace being::tracking
