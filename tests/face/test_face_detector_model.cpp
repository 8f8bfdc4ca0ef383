// The face detector end to end: the TFLite executor plus the post-processing on a real video frame.
#include <torch/torch.h>

#include "being/face/detection.h"
#include "being/models/model_store.h"
#include "being/tflite/graph.h"
#include "being_test.h"
#include "../tflite/video_frame.h"

namespace {

using namespace being::face;

// A frame of may_5s.mp4 as the detector's input: [1,128,128,3] scaled to [-1,1].
torch::Tensor detector_input(bool mirrored) {
  const auto frame = being::test::video_frame_rgb("may_5s.mp4", 1.0, 128, 128);
  if (!frame.defined()) return {};
  const auto x = frame * 2.0f - 1.0f;
  return mirrored ? x.flip(2).contiguous() : x;
}

std::vector<Detection> detect(const being::tflite::Graph& graph, const torch::Tensor& input) {
  const auto out = graph.run({input});
  const auto regressors = out[0].contiguous(), scores = out[1].contiguous();
  static const auto anchors = ssd_anchors();
  return weighted_non_max_suppression(
      decode_detections(regressors.data_ptr<float>(), scores.data_ptr<float>(), anchors));
}

TEST(FaceDetectorModel, OneFaceWithPlausibleKeypoints) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto graph = being::tflite::Graph::load(being::models::require("mediapipe_face/face_detector.tflite"),
                                                torch::kCPU);
  const auto input = detector_input(false);
  ASSERT_TRUE(input.defined()) << "could not decode a frame with the ffmpeg CLI";
  const auto faces = detect(graph, input);
  ASSERT_EQ(faces.size(), 1u);
  const Detection& f = faces[0];
  std::printf("face: score %.3f box (%.3f, %.3f) %.3f x %.3f\n", f.score, f.x_min, f.y_min, f.width, f.height);
  EXPECT_GT(f.score, 0.75f);
  EXPECT_GT(f.width, 0.1f);
  EXPECT_LT(f.width, 0.9f);
  EXPECT_NEAR(f.width, f.height, 0.2f * f.width);  // BlazeFace boxes are nearly square
  const auto& k = f.keypoints;
  ASSERT_EQ(k.size(), 6u);
  // Facing the camera: the subject's right eye is on the image left, eyes above nose above mouth,
  // ears outside the eyes, everything but the ears inside the box.
  EXPECT_LT(k[RightEye].x, k[LeftEye].x);
  EXPECT_LT(std::max(k[RightEye].y, k[LeftEye].y), k[NoseTip].y);
  EXPECT_LT(k[NoseTip].y, k[MouthCenter].y);
  EXPECT_LT(k[RightEarTragion].x, k[RightEye].x);
  EXPECT_GT(k[LeftEarTragion].x, k[LeftEye].x);
  for (int i : {RightEye, LeftEye, NoseTip, MouthCenter}) {
    EXPECT_GT(k[i].x, f.x_min);
    EXPECT_LT(k[i].x, f.x_min + f.width);
    EXPECT_GT(k[i].y, f.y_min);
    EXPECT_LT(k[i].y, f.y_min + f.height);
  }

  // The mirrored frame gives the mirrored box (within 2 px of 128).
  const auto mirrored = detect(graph, detector_input(true));
  ASSERT_EQ(mirrored.size(), 1u);
  EXPECT_NEAR(mirrored[0].x_min + mirrored[0].width, 1.0f - f.x_min, 2.0f / 128);
  EXPECT_NEAR(mirrored[0].y_min, f.y_min, 2.0f / 128);

  // A blank grey input has no face.
  EXPECT_TRUE(detect(graph, torch::zeros({1, 128, 128, 3})).empty());
}

}  // namespace
