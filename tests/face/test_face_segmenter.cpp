// Person and hair masks at frame resolution on real frames.
#include <torch/torch.h>

#include "../tflite/video_frame.h"
#include "being/face/segmenter.h"
#include "being_test.h"

namespace {

using being::face::Segmenter;

double iou(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a > 0.5, y = b > 0.5;
  return (x & y).sum().item<double>() / std::max(1.0, (x | y).sum().item<double>());
}

TEST(FaceSegmenter, MasksAtFrameResolutionAndStableOverFrames) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  // A non-square size checks that the masks come back at the frame's own resolution.
  const auto frames = being::test::video_frames_rgb("may_5s.mp4", 1.0, 3, 640, 480);
  ASSERT_TRUE(frames.defined()) << "could not decode frames with the ffmpeg CLI";
  Segmenter segmenter(torch::kCPU);
  std::vector<being::face::Masks> masks;
  for (int64_t i = 0; i < frames.size(0); ++i) masks.push_back(segmenter.segment(frames[i]));

  const auto& m = masks[0];
  ASSERT_EQ(m.person.sizes(), (std::vector<int64_t>{480, 640}));
  ASSERT_EQ(m.hair.sizes(), (std::vector<int64_t>{480, 640}));
  EXPECT_GE(m.person.min().item<double>(), 0.0);
  EXPECT_LE(m.person.max().item<double>(), 1.0);
  const double centre = m.person.slice(0, 180, 300).slice(1, 240, 400).mean().item<double>();
  const double corner = m.person.slice(0, 0, 40).slice(1, 0, 40).mean().item<double>();
  const double hair_top = (m.hair.slice(0, 0, 240) > 0.5).to(torch::kFloat).mean().item<double>();
  const double hair_bottom = (m.hair.slice(0, 360, 480) > 0.5).to(torch::kFloat).mean().item<double>();
  std::printf("person: centre %.3f, corner %.3f; hair: upper half %.3f, bottom quarter %.3f; IoU frame 0/2: "
              "person %.3f, hair %.3f\n",
              centre, corner, hair_top, hair_bottom, iou(masks[0].person, masks[2].person),
              iou(masks[0].hair, masks[2].hair));
  EXPECT_GT(centre, 0.9);
  EXPECT_LT(corner, 0.3);
  EXPECT_GT(hair_top, 0.05);
  EXPECT_GT(hair_top, hair_bottom);
  // Hair is part of the person.
  EXPECT_GT((m.person > 0.5).logical_and(m.hair > 0.5).sum().item<double>(), 0.8 * (m.hair > 0.5).sum().item<double>());
  // Three frames 40 ms apart: nearly the same masks.
  EXPECT_GT(iou(masks[0].person, masks[2].person), 0.9);
  EXPECT_GT(iou(masks[0].hair, masks[2].hair), 0.8);

  // reset() forgets the previous hair mask: the first frame again gives the first mask again.
  segmenter.reset();
  const auto again = segmenter.segment(frames[0]);
  EXPECT_LT((again.hair - masks[0].hair).abs().max().item<double>(), 1e-4);
}

}  // namespace
