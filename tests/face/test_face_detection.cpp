// Detector post-processing against hand-computed values: anchors, decoding, weighted NMS, letterbox.
#include <cmath>

#include "being/face/detection.h"
#include "being_test.h"

namespace {

using namespace being::face;

TEST(FaceDetection, ShortRangeAnchorsMatchTheModelLayout) {
  const auto anchors = ssd_anchors();
  ASSERT_EQ(anchors.size(), 896u);  // 16x16 cells x 2 + 8x8 cells x 6
  // Stride 8: cell (0,0) twice, then cell (x=1, y=0).
  EXPECT_FLOAT_EQ(anchors[0].x_center, 0.5f / 16);
  EXPECT_FLOAT_EQ(anchors[1].x_center, 0.5f / 16);
  EXPECT_FLOAT_EQ(anchors[2].x_center, 1.5f / 16);
  EXPECT_FLOAT_EQ(anchors[2].y_center, 0.5f / 16);
  EXPECT_FLOAT_EQ(anchors[511].x_center, 15.5f / 16);
  EXPECT_FLOAT_EQ(anchors[511].y_center, 15.5f / 16);
  // Stride 16: three layers share the 8x8 map, 6 anchors per cell.
  for (int i = 512; i < 518; ++i) EXPECT_FLOAT_EQ(anchors[i].x_center, 0.5f / 8) << i;
  EXPECT_FLOAT_EQ(anchors[518].x_center, 1.5f / 8);
  EXPECT_FLOAT_EQ(anchors[895].y_center, 7.5f / 8);
  for (const Anchor& a : anchors) {
    EXPECT_EQ(a.width, 1.0f);
    EXPECT_EQ(a.height, 1.0f);
  }
  // Full-range style options: one stride-4 layer on a 192 input.
  AnchorOptions full;
  full.input_width = full.input_height = 192;
  full.strides = {4};
  full.anchors_per_layer = 1;
  EXPECT_EQ(ssd_anchors(full).size(), 48u * 48u);
}

TEST(FaceDetection, DecodeScalesOffsetsAndThresholds) {
  const std::vector<Anchor> anchors = {{0.25f, 0.75f, 1, 1}, {0.5f, 0.5f, 1, 1}};
  std::vector<float> regressors(2 * 16, 0.0f);
  // Anchor 0: centre moved by (+12.8, -6.4) px of 128, size 32 x 64 px, keypoint 0 at +(0, 12.8) px.
  regressors[0] = 12.8f;
  regressors[1] = -6.4f;
  regressors[2] = 32.0f;
  regressors[3] = 64.0f;
  regressors[4] = 0.0f;
  regressors[5] = 12.8f;
  const std::vector<float> scores = {std::log(3.0f), -1.0f};  // sigmoid: 0.75, 0.27 (dropped)
  const auto d = decode_detections(regressors.data(), scores.data(), anchors);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[0].score, 0.75f, 1e-6);
  EXPECT_NEAR(d[0].x_min, 0.25f + 0.1f - 0.125f, 1e-6);
  EXPECT_NEAR(d[0].y_min, 0.75f - 0.05f - 0.25f, 1e-6);
  EXPECT_NEAR(d[0].width, 0.25f, 1e-6);
  EXPECT_NEAR(d[0].height, 0.5f, 1e-6);
  ASSERT_EQ(d[0].keypoints.size(), 6u);
  EXPECT_NEAR(d[0].keypoints[0].x, 0.25f, 1e-6);
  EXPECT_NEAR(d[0].keypoints[0].y, 0.85f, 1e-6);
  EXPECT_NEAR(d[0].keypoints[5].x, 0.25f, 1e-6);  // zero offsets: the anchor centre
  // Huge logits are clipped, not overflowed.
  const std::vector<float> extreme = {1e30f, -1e30f};
  DecodeOptions all;
  all.min_score = 0.0f;
  const auto e = decode_detections(regressors.data(), extreme.data(), anchors, all);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_FLOAT_EQ(e[0].score, 1.0f);
  EXPECT_GE(e[1].score, 0.0f);
}

Detection box(float score, float x, float y, float w, float h, float kp) {
  Detection d;
  d.score = score;
  d.x_min = x;
  d.y_min = y;
  d.width = w;
  d.height = h;
  d.keypoints = {{kp, kp}};
  return d;
}

TEST(FaceDetection, IntersectionOverUnion) {
  EXPECT_FLOAT_EQ(intersection_over_union(box(1, 0, 0, 2, 2, 0), box(1, 1, 1, 2, 2, 0)), 1.0f / 7.0f);
  EXPECT_FLOAT_EQ(intersection_over_union(box(1, 0, 0, 1, 1, 0), box(1, 0, 0, 1, 1, 0)), 1.0f);
  EXPECT_EQ(intersection_over_union(box(1, 0, 0, 1, 1, 0), box(1, 1, 0, 1, 1, 0)), 0.0f);  // touching
}

TEST(FaceDetection, WeightedNmsAveragesOverlapsAndKeepsSeparateFaces) {
  // Two overlapping boxes (IoU 2/3) and one far away, given out of score order.
  const std::vector<Detection> in = {box(0.6f, 0.1f, 0.0f, 0.5f, 0.5f, 0.4f), box(0.9f, 0.0f, 0.0f, 0.5f, 0.5f, 0.1f),
                                     box(0.7f, 0.8f, 0.8f, 0.1f, 0.1f, 0.9f)};
  const auto out = weighted_non_max_suppression(in, 0.3f);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);
  // Weighted by 0.9 and 0.6: x_min = (0*0.9 + 0.1*0.6) / 1.5 = 0.04, x_max = (0.5*0.9 + 0.6*0.6) / 1.5 = 0.54.
  EXPECT_NEAR(out[0].x_min, 0.04f, 1e-6);
  EXPECT_NEAR(out[0].width, 0.5f, 1e-6);
  EXPECT_NEAR(out[0].y_min, 0.0f, 1e-6);
  EXPECT_NEAR(out[0].keypoints[0].x, (0.1f * 0.9f + 0.4f * 0.6f) / 1.5f, 1e-6);
  EXPECT_FLOAT_EQ(out[1].score, 0.7f);
  EXPECT_FLOAT_EQ(out[1].x_min, 0.8f);
  // A stricter threshold than their IoU keeps both overlapping boxes.
  EXPECT_EQ(weighted_non_max_suppression(in, 0.7f).size(), 3u);
  EXPECT_TRUE(weighted_non_max_suppression({}).empty());
}

TEST(FaceDetection, LetterboxRoundTrip) {
  const Letterbox wide = square_letterbox(1280, 720);
  EXPECT_FLOAT_EQ(wide.left, 0.0f);
  EXPECT_NEAR(wide.top, (1.0f - 720.0f / 1280.0f) / 2, 1e-6);
  EXPECT_FLOAT_EQ(wide.top, wide.bottom);
  // The image's centre stays the centre; the square's top edge of the image content maps to 0.
  const Detection d = remove_letterbox(box(1, 0.5f, wide.top, 0.25f, 0.5625f, 0.5f), wide);
  EXPECT_NEAR(d.x_min, 0.5f, 1e-6);
  EXPECT_NEAR(d.y_min, 0.0f, 1e-6);
  EXPECT_NEAR(d.height, 1.0f, 1e-5);
  EXPECT_NEAR(d.keypoints[0].y, 0.5f, 1e-6);
  const Letterbox tall = square_letterbox(720, 1280);
  EXPECT_FLOAT_EQ(tall.top, 0.0f);
  EXPECT_FLOAT_EQ(tall.left, wide.top);
}

}  // namespace
