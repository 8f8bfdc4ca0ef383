#include "being/tracking/crop_window.h"

#include "being_test.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace being::tracking;

namespace {

// A face as the landmarker sees it: points filling a box of side `box` around (x, y).
FrameLandmarks face_at(double x, double y, double box) {
  FrameLandmarks f;
  f.valid = true;
  for (int i = 0; i <= 4; ++i)
    for (int j = 0; j <= 4; ++j) f.points.push_back({x + box * (i / 4.0 - 0.5), y + box * (j / 4.0 - 0.5)});
  return f;
}

// A slow pan across the frame with per-frame jitter of the detected face, as a real landmarker gives.
std::vector<FrameLandmarks> jittery_pan(int frames, double from_x, double to_x, double y, double box, double jitter_px,
                                        std::vector<double>* true_x) {
  std::mt19937 rng(11);
  std::normal_distribution<double> jitter(0.0, jitter_px);
  std::vector<FrameLandmarks> out;
  for (int i = 0; i < frames; ++i) {
    const double x = from_x + (to_x - from_x) * i / (frames - 1.0);
    if (true_x) true_x->push_back(x);
    out.push_back(face_at(x + jitter(rng), y + jitter(rng), box * (1.0 + 0.01 * jitter(rng))));
  }
  return out;
}

double largest_second_difference(const std::vector<CropWindow>& path, bool horizontal, std::size_t from = 0,
                                  std::size_t to = 0) {
  double worst = 0.0;
  for (std::size_t i = from + 1; i + 1 < (to ? to : path.size()); ++i) {
    const auto at = [&](std::size_t k) { return horizontal ? path[k].x0 : path[k].y0; };
    worst = std::max(worst, std::abs(at(i + 1) - 2.0 * at(i) + at(i - 1)));
  }
  return worst;
}

}  // namespace

TEST(CropWindow, AJitteryTrackGivesASmoothPathThatFollowsAPan) {
  std::vector<double> true_x;
  const auto frames = jittery_pan(300, 500.0, 780.0, 330.0, 180.0, 4.0, &true_x);
  const auto path = crop_window_path(frames, 1280, 720);
  ASSERT_EQ(path.size(), frames.size());
  EXPECT_NEAR(path[0].size, 2.4 * 180.0, 5.0);
  double raw_worst = 0.0;
  for (std::size_t i = 1; i + 1 < frames.size(); ++i)
    raw_worst = std::max(raw_worst, std::abs(frames[i + 1].points[0][0] - 2 * frames[i].points[0][0] + frames[i - 1].points[0][0]));
  EXPECT_GT(raw_worst, 10.0);                            // the input does jitter
  EXPECT_LT(largest_second_difference(path, true), 0.3);  // the window does not
  EXPECT_LT(largest_second_difference(path, false), 0.3);
  for (std::size_t i = 20; i + 20 < path.size(); ++i) {
    EXPECT_NEAR(path[i].x0 + 0.5 * path[i].size, true_x[i], 4.0) << "frame " << i;
    EXPECT_NEAR(path[i].y0 + 0.5 * path[i].size, 330.0, 4.0) << "frame " << i;
  }
  for (const auto& w : path) EXPECT_EQ(w.size, path[0].size);
}

TEST(CropWindow, TheWindowStaysInsideTheFrame) {
  const auto frames = jittery_pan(200, 60.0, 1250.0, 80.0, 200.0, 3.0, nullptr);
  const auto path = crop_window_path(frames, 1280, 720);
  for (const auto& w : path) {
    EXPECT_GE(w.x0, 0.0);
    EXPECT_GE(w.y0, 0.0);
    EXPECT_LE(w.x0 + w.size, 1280.0);
    EXPECT_LE(w.y0 + w.size, 720.0);
  }
  EXPECT_EQ(path.front().x0, 0.0);  // pinned to the left edge at the start, the right edge at the end
  EXPECT_EQ(path.back().x0 + path.back().size, 1280.0);
  EXPECT_EQ(path[100].y0, 0.0);
}

TEST(CropWindow, FramesWithoutAFaceAreBridged) {
  std::vector<double> true_x;
  auto frames = jittery_pan(300, 400.0, 800.0, 360.0, 150.0, 0.5, &true_x);
  for (int i = 120; i < 160; ++i) frames[i].valid = false;
  for (int i = 0; i < 10; ++i) frames[i].points.clear();
  for (int i = 290; i < 300; ++i) frames[i].valid = false;
  const auto path = crop_window_path(frames, 1280, 720);
  for (int i = 120; i < 160; ++i) EXPECT_NEAR(path[i].x0 + 0.5 * path[i].size, true_x[i], 3.0) << "frame " << i;
  EXPECT_LT(largest_second_difference(path, true, 10, 290), 0.3);  // where the face was seen, and across the gap
  for (int i = 0; i < 10; ++i) EXPECT_EQ(path[i].x0, path[10].x0);  // before the first face: held
  for (int i = 290; i < 300; ++i) EXPECT_EQ(path[i].x0, path[289].x0);
}

TEST(CropWindow, AFaceThatFillsTheFrameGetsTheWholeFrameOrTheClampedSquare) {
  const auto square = crop_window_path(jittery_pan(50, 250.0, 262.0, 250.0, 320.0, 2.0, nullptr), 512, 512);
  for (const auto& w : square) {
    EXPECT_EQ(w.size, 512.0);
    EXPECT_EQ(w.x0, 0.0);
    EXPECT_EQ(w.y0, 0.0);
  }
  const auto wide = crop_window_path(jittery_pan(50, 300.0, 340.0, 240.0, 300.0, 2.0, nullptr), 640, 480);
  for (const auto& w : wide) {
    EXPECT_EQ(w.size, 480.0);
    EXPECT_EQ(w.y0, 0.0);
    EXPECT_GE(w.x0, 0.0);
    EXPECT_LE(w.x0, 160.0);
  }
  EXPECT_GT(wide.back().x0, wide.front().x0);  // still follows the head sideways
}

TEST(CropWindow, RejectsInputsItCannotUse) {
  std::vector<FrameLandmarks> none(10);
  EXPECT_THROW(crop_window_path(none, 640, 480), std::invalid_argument);
  EXPECT_THROW(crop_window_path({face_at(100, 100, 50)}, 0, 480), std::invalid_argument);
  CropWindowOptions bad;
  bad.margin = 0.0;
  EXPECT_THROW(crop_window_path({face_at(100, 100, 50)}, 640, 480, bad), std::invalid_argument);
}
