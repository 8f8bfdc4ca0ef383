#include "being/animate/pose.h"

#include <cmath>

namespace being::animate {

std::size_t idle_frame(int64_t frame, int fps, const asset::IdleLoop& idle) {
  return loop_frame(frame, fps, idle.fps, idle.frame_count());
}

std::size_t loop_frame(int64_t frame, int fps, double loop_fps, std::size_t count) {
  const auto index = static_cast<int64_t>(std::floor(static_cast<double>(frame) * loop_fps / fps));
  return static_cast<std::size_t>(index % static_cast<int64_t>(count));
}

void rotation_matrix(const float q[4], double r[9]) {
  const double n = std::sqrt(double(q[0]) * q[0] + double(q[1]) * q[1] + double(q[2]) * q[2] + double(q[3]) * q[3]);
  const double x = q[0] / n, y = q[1] / n, z = q[2] / n, w = q[3] / n;
  r[0] = 1 - 2 * (y * y + z * z), r[1] = 2 * (x * y - z * w), r[2] = 2 * (x * z + y * w);
  r[3] = 2 * (x * y + z * w), r[4] = 1 - 2 * (x * x + z * z), r[5] = 2 * (y * z - x * w);
  r[6] = 2 * (x * z - y * w), r[7] = 2 * (y * z + x * w), r[8] = 1 - 2 * (x * x + y * y);
}

void head_to_camera(const asset::IdleLoop& idle, std::size_t f, double view[16]) {
  double r[9];
  rotation_matrix(&idle.rotations[f * 4], r);
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) view[row * 4 + col] = r[row * 3 + col];
    view[row * 4 + 3] = idle.translations[f * 3 + row];
  }
  view[12] = view[13] = view[14] = 0;
  view[15] = 1;
}

}  // namespace being::animate
