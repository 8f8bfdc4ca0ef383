// The rotated crop agrees with the landmark projection, and the whole first-frame pipeline
// (detector -> ROI -> crop -> landmark model -> projection) lands the landmarks on the face.
#include <torch/torch.h>

#include "being/face/crop.h"
#include "being/models/model_store.h"
#include "being/tflite/graph.h"
#include "being_test.h"
#include "../tflite/video_frame.h"

namespace {

using namespace being::face;

TEST(FaceCrop, SamplesWhereTheProjectionPoints) {
  // An image whose two channels hold each pixel's own centre coordinates: bilinear sampling of this
  // linear ramp returns exactly the sampled position.
  const int64_t w = 160, h = 120;
  const auto xs = torch::arange(w).to(torch::kFloat) + 0.5f, ys = torch::arange(h).to(torch::kFloat) + 0.5f;
  const auto image = torch::stack({xs.view({1, w}).expand({h, w}), ys.view({h, 1}).expand({h, w})}, 2).unsqueeze(0);
  const std::vector<RotatedRect> rois = {{0.5f, 0.5f, 0.3f, 0.4f, 0.4f}, {0.4f, 0.55f, 0.25f, 1.0f / 3, -1.1f}};
  const auto crops = crop_rotated(image, rois, 32);
  ASSERT_EQ(crops.sizes(), (std::vector<int64_t>{2, 32, 32, 2}));
  for (std::size_t k = 0; k < rois.size(); ++k) {
    for (int v : {0, 7, 31}) {
      for (int u : {0, 16, 31}) {
        const auto p = project_landmarks({{u + 0.5f, v + 0.5f, 0}}, rois[k], 32)[0];
        EXPECT_NEAR(crops[k][v][u][0].item<float>(), p.x * w, 1e-3) << k << " " << u << "," << v;
        EXPECT_NEAR(crops[k][v][u][1].item<float>(), p.y * h, 1e-3) << k << " " << u << "," << v;
      }
    }
  }
  // Outside the image the edge repeats.
  const auto outside = crop_rotated(image, {{0.0f, 0.0f, 0.5f, 0.5f, 0.0f}}, 8);
  EXPECT_NEAR(outside[0][0][0][0].item<float>(), 0.5f, 1e-5);
  EXPECT_NEAR(outside[0][0][0][1].item<float>(), 0.5f, 1e-5);
}

std::vector<Landmark> to_landmarks(const torch::Tensor& t) {
  const auto c = t.reshape({-1, 3}).contiguous();
  std::vector<Landmark> out;
  for (int64_t i = 0; i < c.size(0); ++i) out.push_back({c[i][0].item<float>(), c[i][1].item<float>(), c[i][2].item<float>()});
  return out;
}

float distance(const Landmark& a, const Keypoint& b) { return std::hypot(a.x - b.x, a.y - b.y); }

TEST(FaceCrop, FirstFramePipelinePutsLandmarksOnTheFace) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto frame = being::test::video_frame_rgb("may_5s.mp4", 1.0, 512, 512);
  ASSERT_TRUE(frame.defined()) << "could not decode a frame with the ffmpeg CLI";
  const auto detector =
      being::tflite::Graph::load(being::models::require("mediapipe_face/face_detector.tflite"), torch::kCPU);
  const auto landmarker =
      being::tflite::Graph::load(being::models::require("mediapipe_face/face_landmarks_detector.tflite"), torch::kCPU);

  namespace F = torch::nn::functional;
  const auto small = F::interpolate(frame.permute({0, 3, 1, 2}), F::InterpolateFuncOptions()
                                                                     .size(std::vector<int64_t>{128, 128})
                                                                     .mode(torch::kBilinear)
                                                                     .align_corners(false))
                         .permute({0, 2, 3, 1})
                         .contiguous();
  const auto det = detector.run({small * 2.0f - 1.0f});
  const auto raw_boxes = det[0].contiguous(), raw_scores = det[1].contiguous();
  const auto faces = weighted_non_max_suppression(
      decode_detections(raw_boxes.data_ptr<float>(), raw_scores.data_ptr<float>(), ssd_anchors()));
  ASSERT_EQ(faces.size(), 1u);

  const RotatedRect roi = roi_from_detection(faces[0], 512, 512);
  const auto out = landmarker.run({crop_rotated(frame, {roi}, 256)});
  const double presence = out[1].item<double>();
  const auto landmarks = project_landmarks(to_landmarks(out[0]), roi, 256);
  ASSERT_EQ(landmarks.size(), 478u);
  const auto& k = faces[0].keypoints;
  std::printf("presence logit %.2f; nose tip %.4f from the detector's, eyes %.4f / %.4f (of the frame)\n", presence,
              distance(landmarks[1], k[NoseTip]), distance(landmarks[468], k[RightEye]),
              distance(landmarks[473], k[LeftEye]));
  EXPECT_GT(presence, 2.0);
  // 468 / 473 are the iris centres, landmark 1 the nose tip; the detector's keypoints are coarser
  // (its nose keypoint sits a little off the mesh's tip), so a few percent of the frame apart at most.
  EXPECT_LT(distance(landmarks[1], k[NoseTip]), 0.05f);
  EXPECT_LT(distance(landmarks[468], k[RightEye]), 0.03f);
  EXPECT_LT(distance(landmarks[473], k[LeftEye]), 0.03f);

  // Tracking: the ROI from these landmarks is close to the detection's and gives the same
  // landmarks again (within a pixel or two of 512).
  const RotatedRect tracked = roi_from_landmarks(landmarks, 512, 512);
  EXPECT_NEAR(tracked.x_center, roi.x_center, 0.05f);
  EXPECT_NEAR(tracked.y_center, roi.y_center, 0.05f);
  EXPECT_NEAR(tracked.width / roi.width, 1.0f, 0.3f);
  EXPECT_NEAR(tracked.rotation, roi.rotation, 0.15f);
  const auto again = landmarker.run({crop_rotated(frame, {tracked}, 256)});
  EXPECT_GT(again[1].item<double>(), 2.0);
  const auto second = project_landmarks(to_landmarks(again[0]), tracked, 256);
  double mean_px = 0;
  for (std::size_t i = 0; i < 468; ++i) mean_px += std::hypot(second[i].x - landmarks[i].x, second[i].y - landmarks[i].y);
  mean_px = mean_px / 468 * 512;
  std::printf("tracking re-crop: mean landmark change %.2f px of 512\n", mean_px);
  EXPECT_LT(mean_px, 3.0);

  // Rotating the frame by 90 degrees and the ROI with it gives the same crop pixels, so the
  // landmarks must come back rotated with the frame: checks crop and projection under rotation.
  const auto turned = frame.transpose(1, 2).flip(2).contiguous();  // clockwise on screen
  const RotatedRect turned_roi{1.0f - roi.y_center, roi.x_center, roi.height, roi.width,
                               normalize_radians(roi.rotation + 3.14159265f / 2)};
  const auto turned_out = landmarker.run({crop_rotated(turned, {turned_roi}, 256)});
  EXPECT_GT(turned_out[1].item<double>(), 2.0);
  const auto turned_lm = project_landmarks(to_landmarks(turned_out[0]), turned_roi, 256);
  double turned_px = 0;
  for (std::size_t i = 0; i < 468; ++i) {
    turned_px += std::hypot(turned_lm[i].x - (1.0f - landmarks[i].y), turned_lm[i].y - landmarks[i].x);
  }
  turned_px = turned_px / 468 * 512;
  std::printf("rotated frame: mean landmark difference %.2f px of 512\n", turned_px);
  EXPECT_LT(turned_px, 0.5);
}

}  // namespace
