#include "being/tracking/idle_loop.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace being::tracking {
namespace {

constexpr double kDegPerRad = 180.0 / 3.14159265358979323846;

Eigen::Matrix3d rotation_of(const HeadPose& pose) {
  const Eigen::Vector3d w(pose.rotation.data());
  const double angle = w.norm();
  return angle < 1e-12 ? Eigen::Matrix3d::Identity() : Eigen::AngleAxisd(angle, w / angle).toRotationMatrix();
}

double angle_between_deg(const Eigen::Matrix3d& a, const Eigen::Matrix3d& b) {
  const double c = std::clamp(((a.transpose() * b).trace() - 1.0) / 2.0, -1.0, 1.0);
  return std::acos(c) * kDegPerRad;
}

// Normalised mouth opening: 5th percentile -> 0, 95th -> 1, clamped.
std::vector<double> normalised_mouth(const std::vector<double>& mouth, const std::vector<bool>& valid, int begin, int end) {
  std::vector<double> out(mouth.size(), 0.0);
  if (mouth.empty()) return out;
  std::vector<double> values;
  for (int i = begin; i < end; ++i)
    if (valid[i]) values.push_back(mouth[i]);
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  const double closed = values[values.size() * 5 / 100], open = values[std::min(values.size() - 1, values.size() * 95 / 100)];
  if (!(open > closed)) return out;
  for (std::size_t i = 0; i < mouth.size(); ++i) out[i] = std::clamp((mouth[i] - closed) / (open - closed), 0.0, 1.0);
  return out;
}

}  // namespace

IdleLoop choose_idle_loop(const std::vector<HeadPose>& poses, const std::vector<double>& mouth_opening,
                          const std::vector<bool>& valid, double fps, const IdleLoopOptions& options) {
  const int n = static_cast<int>(poses.size());
  if (valid.size() != poses.size() || (!mouth_opening.empty() && mouth_opening.size() != poses.size()))
    throw std::invalid_argument("choose_idle_loop: poses, valid flags and mouth openings differ in length");
  if (!(fps > 0.0)) throw std::invalid_argument("choose_idle_loop: fps must be positive");
  if (!(options.min_seconds > 0.0) || options.max_seconds < options.min_seconds || !(options.head_radius_cm > 0.0))
    throw std::invalid_argument("choose_idle_loop: need 0 < min_seconds <= max_seconds and a positive head radius");
  const int begin = options.range_begin, end = options.range_end < 0 ? n : options.range_end;
  if (begin < 0 || end > n || begin >= end)
    throw std::invalid_argument("choose_idle_loop: range [" + std::to_string(begin) + ", " + std::to_string(end) +
                                ") is not inside the video's " + std::to_string(n) + " frames");
  const int min_length = static_cast<int>(std::ceil(options.min_seconds * fps - 1e-9));
  const int max_length = static_cast<int>(std::floor(options.max_seconds * fps + 1e-9));

  std::vector<Eigen::Matrix3d> rotation(n);
  for (int i = begin; i < end; ++i) rotation[i] = rotation_of(poses[i]);
  // Velocities by central differences over valid neighbours in the range (one-sided at the edges).
  std::vector<Eigen::Vector3d> angular_velocity(n, Eigen::Vector3d::Zero()), linear_velocity(n, Eigen::Vector3d::Zero());
  for (int i = begin; i < end; ++i) {
    if (!valid[i]) continue;
    const int before = i > begin && valid[i - 1] ? i - 1 : i, after = i + 1 < end && valid[i + 1] ? i + 1 : i;
    if (before == after) continue;
    const double span_s = (after - before) / fps;
    const Eigen::AngleAxisd turn(rotation[after] * rotation[before].transpose());
    angular_velocity[i] = turn.axis() * (turn.angle() * kDegPerRad / span_s);
    linear_velocity[i] = (Eigen::Vector3d(poses[after].translation.data()) - Eigen::Vector3d(poses[before].translation.data())) / span_s;
  }
  const std::vector<double> mouth = normalised_mouth(mouth_opening, valid, begin, end);
  std::vector<int> invalid_before(n + 1, 0);  // invalid frames in [0, i)
  for (int i = 0; i < n; ++i) invalid_before[i + 1] = invalid_before[i] + (valid[i] ? 0 : 1);

  const double deg_per_cm = kDegPerRad / options.head_radius_cm;
  IdleLoop best;
  best.seam_cost_deg = std::numeric_limits<double>::infinity();
  for (int start = begin; start < end; ++start) {
    for (int length = std::min(max_length, end - 1 - start); length >= min_length; --length) {
      const int next = start + length;  // the frame the video would show after the loop's last one
      if (invalid_before[next + 1] != invalid_before[start]) continue;
      const double pose_cost =
          angle_between_deg(rotation[start], rotation[next]) +
          deg_per_cm * (Eigen::Vector3d(poses[start].translation.data()) - Eigen::Vector3d(poses[next].translation.data())).norm();
      const double velocity_cost =
          options.velocity_weight_s * ((angular_velocity[start] - angular_velocity[next]).norm() +
                                       deg_per_cm * (linear_velocity[start] - linear_velocity[next]).norm());
      const double mouth_cost = mouth.empty() ? 0.0 : options.mouth_weight_deg * std::max(mouth[start], mouth[next]);
      const double cost = pose_cost + velocity_cost + mouth_cost;
      if (cost < best.seam_cost_deg) best = IdleLoop{start, next, cost};
    }
  }
  if (!std::isfinite(best.seam_cost_deg))
    throw std::invalid_argument("choose_idle_loop: no run of " + std::to_string(min_length + 1) +
                                " valid frames in the range; lower min_seconds or use a longer video");
  return best;
}

}  // namespace being::tracking
