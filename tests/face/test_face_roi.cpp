// Region-of-interest geometry against hand-computed values.
#include <cmath>

#include "being/face/roi.h"
#include "being_test.h"

namespace {

using namespace being::face;
constexpr float kPi = 3.14159265358979323846f;

TEST(FaceRoi, NormalizeRadians) {
  EXPECT_NEAR(normalize_radians(0.5f), 0.5f, 1e-6);
  EXPECT_NEAR(normalize_radians(2 * kPi + 0.5f), 0.5f, 1e-5);
  EXPECT_NEAR(normalize_radians(-kPi - 0.5f), kPi - 0.5f, 1e-5);
}

TEST(FaceRoi, FromDetectionLevelsTheEyesAndSquaresTheBox) {
  // 200x100 image; box 40x50 px centred at (100, 55) px; eyes 20 px apart, the left one 30 degrees
  // lower on screen (y down).
  Detection d;
  d.x_min = 0.4f;
  d.y_min = 0.3f;
  d.width = 0.2f;
  d.height = 0.5f;
  const float ex = 90.0f, ey = 50.0f;
  d.keypoints = {{ex / 200, ey / 100},
                 {(ex + 20 * std::cos(kPi / 6)) / 200, (ey + 20 * std::sin(kPi / 6)) / 100}};
  const RotatedRect r = roi_from_detection(d, 200, 100);
  EXPECT_NEAR(r.x_center, 0.5f, 1e-6);
  EXPECT_NEAR(r.y_center, 0.55f, 1e-6);
  EXPECT_NEAR(r.rotation, kPi / 6, 1e-5);
  EXPECT_NEAR(r.width * 200, 75.0f, 1e-4);  // long side 50 px x 1.5, square in pixels
  EXPECT_NEAR(r.height * 100, 75.0f, 1e-4);
}

TEST(FaceRoi, ProjectionRotatesAndScalesIntoTheImage) {
  const RotatedRect r{0.5f, 0.25f, 0.25f, 0.5f, kPi / 2};  // 400x200 image: a 100 px square
  const auto p = project_landmarks({{128, 128, 0}, {256, 128, 25.6f}, {128, 0, 0}}, r, 256);
  // Centre -> centre; the crop's +x edge -> image +y (rotated 90 degrees), 50 px away.
  EXPECT_NEAR(p[0].x * 400, 200.0f, 1e-4);
  EXPECT_NEAR(p[0].y * 200, 50.0f, 1e-4);
  EXPECT_NEAR(p[1].x * 400, 200.0f, 1e-3);
  EXPECT_NEAR(p[1].y * 200, 100.0f, 1e-3);
  EXPECT_NEAR(p[1].z * 400, 10.0f, 1e-4);  // z scales like x: 25.6 of 256 -> 10 of 100 px
  // The crop's top edge -> image +x.
  EXPECT_NEAR(p[2].x * 400, 250.0f, 1e-3);
  EXPECT_NEAR(p[2].y * 200, 50.0f, 1e-3);
}

TEST(FaceRoi, FromLandmarksUsesTheirBoxAndEyeCorners) {
  // 478 points filling a 60x40 px box centred at (70, 60) in a 100x100 image, outer eye corners
  // (33, 263) on a line rising 45 degrees on screen.
  std::vector<Landmark> lm(478);
  for (std::size_t i = 0; i < lm.size(); ++i) {
    lm[i] = {(40.0f + static_cast<float>(i % 61)) / 100, (40.0f + static_cast<float>(i % 41)) / 100, 0};
  }
  lm[33] = {0.6f, 0.6f, 0};
  lm[263] = {0.7f, 0.5f, 0};
  const RotatedRect r = roi_from_landmarks(lm, 100, 100);
  EXPECT_NEAR(r.x_center, 0.7f, 1e-6);
  EXPECT_NEAR(r.y_center, 0.6f, 1e-6);
  EXPECT_NEAR(r.rotation, -kPi / 4, 1e-5);
  EXPECT_NEAR(r.width, 0.9f, 1e-6);
  EXPECT_NEAR(r.height, 0.9f, 1e-6);
  EXPECT_THROW(roi_from_landmarks(std::vector<Landmark>(10), 100, 100), std::invalid_argument);
}

}  // namespace
