#include "being/tracking/canonical_mesh.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace being::tracking {

std::vector<Vec3> canonical_mesh(const Camera& camera, const HeadPose& pose, const LandmarksPx& landmarks,
                                 const std::vector<Vec3>& canonical_vertices) {
  const std::size_t n = canonical_vertices.size();
  if (landmarks.size() < n)
    throw std::invalid_argument("canonical_mesh: " + std::to_string(landmarks.size()) + " landmarks for " +
                                std::to_string(n) + " canonical vertices; pass the landmarker's full set");
  const double origin_depth = pose.translation[2];
  if (!(origin_depth > 0.0) || !(camera.focal_px > 0.0))
    throw std::invalid_argument("canonical_mesh: the pose puts the head behind the camera or the camera has no focal length");
  const double px_per_cm = camera.focal_px / origin_depth;

  std::vector<double> posed_depth(n), depth_difference(n);
  for (std::size_t i = 0; i < n; ++i) {
    posed_depth[i] = to_camera(pose, canonical_vertices[i])[2];
    depth_difference[i] = landmarks[i][2] - px_per_cm * (posed_depth[i] - origin_depth);
  }
  std::vector<double> sorted = depth_difference;
  std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.end());
  const double z_origin = n ? sorted[n / 2] : 0.0;

  const auto r = rotation_matrix(pose.rotation);
  std::vector<Vec3> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double depth = posed_depth[i] + (depth_difference[i] - z_origin) / px_per_cm;
    if (!(depth > 0.0)) throw std::invalid_argument("canonical_mesh: a landmark lands behind the camera; check its z scale");
    const Vec3 offset{(landmarks[i][0] - camera.cx) / camera.focal_px * depth - pose.translation[0],
                      (landmarks[i][1] - camera.cy) / camera.focal_px * depth - pose.translation[1],
                      depth - pose.translation[2]};
    Vec3 unrotated{0, 0, 0};  // R^T * offset
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) unrotated[a] += r[b][a] * offset[b];
    out[i] = {unrotated[0], -unrotated[1], -unrotated[2]};  // flip is its own inverse
  }
  return out;
}

}  // namespace being::tracking
