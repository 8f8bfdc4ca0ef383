// The per-frame analyzer on consecutive frames of a real video: detection once, then tracking,
// stable landmarks, sane blendshapes; a frame without a face loses the track and the next real
// frame finds it again.
#include <torch/torch.h>

#include "../tflite/video_frame.h"
#include "being/face/analyzer.h"
#include "being_test.h"

namespace {

using namespace being::face;

TEST(FaceAnalyzer, TracksAFaceThroughAVideo) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto frames = being::test::video_frames_rgb("may_5s.mp4", 1.0, 8, 512, 512);
  ASSERT_TRUE(frames.defined()) << "could not decode frames with the ffmpeg CLI";
  FaceAnalyzer analyzer(torch::kCPU);
  ASSERT_EQ(analyzer.blendshape_names().size(), 52u);
  EXPECT_EQ(analyzer.blendshape_names()[9], "eyeBlinkLeft");

  std::vector<FaceFrame> results;
  for (int64_t i = 0; i < frames.size(0); ++i) results.push_back(analyzer.analyze(frames[i]));
  double motion = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const FaceFrame& f = results[i];
    ASSERT_TRUE(f.found) << "frame " << i;
    EXPECT_EQ(f.detected, i == 0) << "frame " << i;
    EXPECT_GT(f.presence, 0.9f);
    ASSERT_EQ(f.landmarks.size(), 478u);
    for (float b : f.blendshapes) {
      EXPECT_GE(b, 0.0f);
      EXPECT_LE(b, 1.0f);
    }
    if (i > 0) {
      for (std::size_t k = 0; k < 468; ++k) {
        motion += std::hypot(f.landmarks[k].x - results[i - 1].landmarks[k].x,
                             f.landmarks[k].y - results[i - 1].landmarks[k].y);
      }
    }
  }
  motion = motion / (468.0 * (results.size() - 1)) * 512;
  std::printf("mean landmark motion between frames: %.2f px of 512\n", motion);
  EXPECT_LT(motion, 6.0);  // a talking head at 25 fps moves a few pixels per frame at most

  // Landmarks within the frame; the face's mesh spans a sensible part of it.
  float x0 = 1, x1 = 0;
  for (const Landmark& l : results.back().landmarks) {
    EXPECT_GT(l.x, 0.0f);
    EXPECT_LT(l.x, 1.0f);
    x0 = std::min(x0, l.x);
    x1 = std::max(x1, l.x);
  }
  EXPECT_GT(x1 - x0, 0.15f);

  // A black frame: no face, and the track is dropped; the next real frame runs the detector again.
  const FaceFrame none = analyzer.analyze(torch::zeros({512, 512, 3}));
  EXPECT_FALSE(none.found);
  const FaceFrame again = analyzer.analyze((frames[0] * 255).to(torch::kUInt8));  // uint8 input works too
  EXPECT_TRUE(again.found);
  EXPECT_TRUE(again.detected);
  double diff = 0;
  for (std::size_t k = 0; k < 468; ++k) {
    diff += std::hypot(again.landmarks[k].x - results[0].landmarks[k].x, again.landmarks[k].y - results[0].landmarks[k].y);
  }
  EXPECT_LT(diff / 468 * 512, 1.0);  // same frame, same detection path: the same landmarks
}

TEST(FaceAnalyzer, NonSquareFrameUsesTheLetterbox) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto frame = being::test::video_frame_rgb("may_5s.mp4", 1.0, 512, 512);
  ASSERT_TRUE(frame.defined());
  // Put the square frame into a wide black canvas at an offset: the landmarks must move with it.
  auto wide = torch::zeros({1, 512, 900, 3});
  wide.slice(2, 300, 812).copy_(frame);
  FaceAnalyzer analyzer(torch::kCPU);
  const FaceFrame square = analyzer.analyze(frame[0]);
  analyzer.reset();
  const FaceFrame shifted = analyzer.analyze(wide[0]);
  ASSERT_TRUE(square.found);
  ASSERT_TRUE(shifted.found);
  double diff = 0;
  for (std::size_t k = 0; k < 468; ++k) {
    diff += std::hypot(shifted.landmarks[k].x * 900 - (square.landmarks[k].x * 512 + 300),
                       (shifted.landmarks[k].y - square.landmarks[k].y) * 512);
  }
  diff /= 468;
  std::printf("landmarks in a 900x512 canvas vs the 512x512 frame: mean %.2f px\n", diff);
  EXPECT_LT(diff, 3.0);
}

}  // namespace

TEST(FaceAnalyzer, PrimaryFaceIsTheLargestThenTheMostCentral) {
  auto box = [](float x, float y, float w, float h) {
    Detection d;
    d.score = 0.9f;
    d.x_min = x, d.y_min = y, d.width = w, d.height = h;
    return d;
  };
  // A big face off to the side wins over a small central one.
  EXPECT_EQ(primary_face({box(0.45f, 0.4f, 0.1f, 0.1f), box(0.0f, 0.0f, 0.3f, 0.3f)}, 640, 480), 1u);
  // Two faces of nearly the same size: the one nearer the centre.
  EXPECT_EQ(primary_face({box(0.0f, 0.3f, 0.3f, 0.3f), box(0.36f, 0.36f, 0.28f, 0.28f)}, 640, 480), 1u);
  EXPECT_EQ(primary_face({box(0.2f, 0.2f, 0.1f, 0.1f)}, 640, 480), 0u);
  EXPECT_THROW(primary_face({}, 640, 480), std::invalid_argument);
}

// Two people in the frame: the larger face is tracked, the other reported.
TEST(FaceAnalyzer, TracksTheLargerOfTwoFacesAndReportsTheOther) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto frames = being::test::video_frames_rgb("may_5s.mp4", 1.0, 1, 512, 512);
  ASSERT_TRUE(frames.defined()) << "could not decode frames with the ffmpeg CLI";
  const auto big = frames[0];
  const auto small = torch::nn::functional::interpolate(
                         big.permute({2, 0, 1}).unsqueeze(0),
                         torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{384, 384}).mode(torch::kBilinear).align_corners(false))
                         .squeeze(0)
                         .permute({1, 2, 0});
  auto canvas = torch::zeros({512, 896, 3});
  canvas.slice(1, 512, 896).slice(0, 64, 448).copy_(small);
  canvas.slice(1, 0, 512).copy_(big);
  FaceAnalyzer analyzer(torch::kCPU);
  const FaceFrame f = analyzer.analyze(canvas);
  ASSERT_TRUE(f.found);
  EXPECT_TRUE(f.detected);
  EXPECT_LT(f.roi.x_center * 896, 512.0f);  // the tracked face is the big one, on the left
  ASSERT_EQ(f.other_faces.size(), 1u);
  const Detection& other = f.other_faces[0];
  EXPECT_GT((other.x_min + other.width / 2) * 896, 512.0f);  // the reported one is on the right
  EXPECT_LT(other.width * 896, f.roi.width * 896);
}
