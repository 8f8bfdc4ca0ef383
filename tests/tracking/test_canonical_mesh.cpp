#include "being/tracking/canonical_mesh.h"

#include "being/face_model/canonical_face.h"

#include "being_test.h"

#include <cmath>

using namespace being::tracking;

namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

std::vector<Vec3> canonical_vertices() {
  std::vector<Vec3> out;
  for (const auto& v : being::face_model::canonical_face().vertices) out.push_back({v[0], v[1], v[2]});
  return out;
}

Camera test_camera() {
  Camera c;
  c.width = 1280;
  c.height = 720;
  c.cx = 640;
  c.cy = 360;
  c.focal_px = 1100;
  return c;
}

std::vector<HeadPose> test_poses() {
  std::vector<HeadPose> poses(4);
  poses[1].rotation = {0.0, 25 * kDeg, 0.0};
  poses[1].translation = {-4.0, 1.0, 60.0};
  poses[2].rotation = {-12 * kDeg, -30 * kDeg, 10 * kDeg};
  poses[2].translation = {6.0, -3.0, 45.0};
  poses[3].rotation = {20 * kDeg, 10 * kDeg, -15 * kDeg};
  poses[3].translation = {0.5, 4.0, 80.0};
  poses[0].translation = {0.0, 0.0, 55.0};
  return poses;
}

// What a landmarker reports for `face` under `pose`: pixels, and z in the face's pixel scale with an
// origin of its own.
LandmarksPx observe(const Camera& camera, const HeadPose& pose, const std::vector<Vec3>& face, double z_origin_px) {
  const double px_per_cm = camera.focal_px / pose.translation[2];
  LandmarksPx out;
  for (const auto& v : face) {
    const Vec3 c = to_camera(pose, v);
    const auto uv = camera.project(c);
    out.push_back({uv[0], uv[1], px_per_cm * (c[2] - pose.translation[2]) + z_origin_px});
  }
  return out;
}

double worst_distance(const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::hypot(a[i][0] - b[i][0], a[i][1] - b[i][1], a[i][2] - b[i][2]));
  return worst;
}

}  // namespace

TEST(CanonicalMesh, TheProjectedCanonicalFaceComesBackUnchanged) {
  const auto face = canonical_vertices();
  const Camera camera = test_camera();
  for (const HeadPose& pose : test_poses()) {
    const auto mesh = canonical_mesh(camera, pose, observe(camera, pose, face, -13.0), face);
    ASSERT_EQ(mesh.size(), face.size());
    EXPECT_LT(worst_distance(mesh, face), 1e-4);
  }
}

TEST(CanonicalMesh, AMouthOpeningComesBackAsTheSameDisplacementAtEveryPose) {
  const auto face = canonical_vertices();
  // Lower lip and chin: below the inner lower lip's centre (vertex 14) and near the middle.
  std::vector<Vec3> open = face;
  int moved = 0;
  for (auto& v : open) {
    if (v[1] <= face[14][1] + 0.05 && v[1] > face[14][1] - 3.0 && std::abs(v[0]) < 2.5 && v[2] > face[14][2] - 2.0) {
      v[1] -= 0.8;
      v[2] -= 0.1;
      ++moved;
    }
  }
  ASSERT_GT(moved, 10);
  ASSERT_LT(moved, static_cast<int>(face.size()) / 4);
  const Camera camera = test_camera();
  for (const HeadPose& pose : test_poses()) {
    const auto mesh = canonical_mesh(camera, pose, observe(camera, pose, open, 40.0), face);
    EXPECT_LT(worst_distance(mesh, open), 1e-4);
    EXPECT_NEAR(mesh[17][1] - face[17][1], open[17][1] - face[17][1], 1e-4);  // the lower lip's outer centre moved
  }
}

TEST(CanonicalMesh, LandmarkDepthIsWhatSeparatesForwardFromSidewaysMotion) {
  // A vertex pushed along its own camera ray projects to the same pixel: only z tells it moved.
  const auto face = canonical_vertices();
  const Camera camera = test_camera();
  const HeadPose pose = test_poses()[2];
  std::vector<Vec3> pushed = face;
  const Vec3 tip = to_camera(pose, face[1]);
  const auto r = rotation_matrix(pose.rotation);
  Vec3 ray_canonical{0, 0, 0};  // flip * R^T * (0.05 * tip): a 5% step away from the camera
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) ray_canonical[a] += r[b][a] * 0.05 * tip[b];
  pushed[1] = {face[1][0] + ray_canonical[0], face[1][1] - ray_canonical[1], face[1][2] - ray_canonical[2]};
  const auto observed = observe(camera, pose, pushed, 0.0);
  EXPECT_NEAR(observed[1][0], observe(camera, pose, face, 0.0)[1][0], 1e-9);
  EXPECT_LT(worst_distance(canonical_mesh(camera, pose, observed, face), pushed), 1e-4);
}

TEST(CanonicalMesh, RejectsInputsItCannotUse) {
  const auto face = canonical_vertices();
  const Camera camera = test_camera();
  HeadPose pose = test_poses()[0];
  auto landmarks = observe(camera, pose, face, 0.0);
  landmarks.resize(100);
  EXPECT_THROW(canonical_mesh(camera, pose, landmarks, face), std::invalid_argument);
  pose.translation[2] = -5.0;
  EXPECT_THROW(canonical_mesh(camera, pose, observe(camera, test_poses()[0], face, 0.0), face), std::invalid_argument);
}
