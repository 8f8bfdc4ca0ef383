#include "being/tracking/head_tracker.h"

#include "being/face_model/canonical_face.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being::tracking;

namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

struct Scene {
  Camera camera;
  std::vector<HeadPose> poses;
  std::vector<FrameLandmarks> frames;
  std::vector<Vec3> canonical;
  std::vector<double> weights;
};

// A synthetic video: the canonical face under known poses seen by a known camera, with pixel noise.
Scene make_scene(int frames, double noise_px, unsigned seed) {
  const auto& face = being::face_model::canonical_face();
  Scene s;
  for (const auto& v : face.vertices) s.canonical.push_back({v[0], v[1], v[2]});
  s.weights.assign(s.canonical.size(), 0.0);
  for (const auto& [id, w] : face.procrustes_weights) s.weights[id] = w;
  s.camera.width = s.camera.height = 512;
  s.camera.cx = s.camera.cy = 256;
  s.camera.focal_px = 900;
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_px);
  for (int i = 0; i < frames; ++i) {
    const double phase = 2.0 * 3.14159265358979 * i / frames;
    HeadPose pose;
    pose.rotation = {12 * kDeg * std::sin(phase * 2), 25 * kDeg * std::sin(phase), 8 * kDeg * std::cos(phase * 3)};
    pose.translation = {2.0 * std::sin(phase), -1.5 + std::cos(phase), 55.0 + 5.0 * std::sin(phase * 1.5)};
    FrameLandmarks f;
    f.valid = true;
    for (const auto& x : s.canonical) {
      const auto uv = s.camera.project(to_camera(pose, x));
      f.points.push_back({uv[0] + noise(rng), uv[1] + noise(rng)});
    }
    s.poses.push_back(pose);
    s.frames.push_back(f);
  }
  return s;
}

double rotation_error_deg(const HeadPose& a, const HeadPose& b) {
  const auto ra = rotation_matrix(a.rotation), rb = rotation_matrix(b.rotation);
  double trace = 0.0;  // trace(ra^T rb)
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) trace += ra[k][i] * rb[k][i];
  return std::acos(std::clamp((trace - 1.0) / 2.0, -1.0, 1.0)) / kDeg;
}

}  // namespace

TEST(HeadTracker, RecoversCameraAndPosesOfASyntheticVideo) {
  Scene s = make_scene(60, 0.3, 1);
  const auto result = track_head(s.frames, 512, 512, s.canonical, s.weights);
  EXPECT_NEAR(result.camera.focal_px, s.camera.focal_px, 0.1 * s.camera.focal_px);
  double worst_rotation = 0.0, worst_xy = 0.0, worst_z = 0.0, worst_rms = 0.0;
  for (std::size_t i = 0; i < s.poses.size(); ++i) {
    ASSERT_TRUE(result.tracked[i]);
    worst_rotation = std::max(worst_rotation, rotation_error_deg(result.poses[i], s.poses[i]));
    worst_xy = std::max({worst_xy, std::abs(result.poses[i].translation[0] - s.poses[i].translation[0]),
                         std::abs(result.poses[i].translation[1] - s.poses[i].translation[1])});
    worst_z = std::max(worst_z, std::abs(result.poses[i].translation[2] / s.poses[i].translation[2] - 1.0));
    worst_rms = std::max(worst_rms, result.reprojection_rms_px[i]);
  }
  EXPECT_LT(worst_rotation, 1.0);
  EXPECT_LT(worst_xy, 1.0);
  EXPECT_LT(worst_z, 0.12);  // depth trades off against the focal length
  EXPECT_LT(worst_rms, 0.6);  // about the injected noise
}

TEST(HeadTracker, ExactDataGivesExactPoses) {
  Scene s = make_scene(1, 0.0, 2);
  double rms = -1.0;
  const auto pose = fit_pose(s.camera, s.frames[0], s.canonical, s.weights, TrackerOptions{}, nullptr, &rms);
  EXPECT_LT(rotation_error_deg(pose, s.poses[0]), 1e-3);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(pose.translation[k], s.poses[0].translation[k], 1e-3);
  EXPECT_LT(rms, 1e-3);
}

TEST(HeadTracker, GrossLandmarkErrorsDoNotDragThePose) {
  Scene s = make_scene(1, 0.2, 3);
  int corrupted = 0;
  for (std::size_t i = 0; i < s.weights.size() && corrupted < 3; ++i)
    if (s.weights[i] > 0.02) s.frames[0].points[i][0] += 40.0, ++corrupted;
  const auto pose = fit_pose(s.camera, s.frames[0], s.canonical, s.weights, TrackerOptions{}, nullptr);
  EXPECT_LT(rotation_error_deg(pose, s.poses[0]), 3.0);
}

TEST(HeadTracker, FramesWithoutAFaceHoldTheNearestPose) {
  Scene s = make_scene(20, 0.2, 4);
  for (int i : {0, 1, 9, 10, 19}) s.frames[i].valid = false;
  const auto result = track_head(s.frames, 512, 512, s.canonical, s.weights);
  EXPECT_FALSE(result.tracked[0]);
  EXPECT_FALSE(result.tracked[10]);
  EXPECT_TRUE(result.tracked[2]);
  EXPECT_EQ(result.poses[0].translation, result.poses[2].translation);
  EXPECT_EQ(result.poses[9].translation, result.poses[8].translation);
  EXPECT_EQ(result.poses[10].translation, result.poses[11].translation);
  EXPECT_EQ(result.poses[19].translation, result.poses[18].translation);
  EXPECT_EQ(result.reprojection_rms_px[10], 0.0);
}

TEST(HeadTracker, RejectsInputsItCannotUse) {
  Scene s = make_scene(3, 0.0, 5);
  for (auto& f : s.frames) f.valid = false;
  EXPECT_THROW(track_head(s.frames, 512, 512, s.canonical, s.weights), std::invalid_argument);
  s.frames[0].valid = true;
  s.frames[0].points.resize(10);
  EXPECT_THROW(track_head(s.frames, 512, 512, s.canonical, s.weights), std::invalid_argument);
  EXPECT_THROW(track_head(s.frames, 0, 512, s.canonical, s.weights), std::invalid_argument);
}
