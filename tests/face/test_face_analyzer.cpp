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
