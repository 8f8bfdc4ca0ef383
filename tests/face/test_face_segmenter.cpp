// Person and hair masks at frame resolution on real frames.
#include <torch/torch.h>

#include <cmath>

#include "../tflite/video_frame.h"
#include "being/face/segmenter.h"
#include "being_test.h"

namespace {

using being::face::Segmenter;

double iou(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a > 0.5, y = b > 0.5;
  return (x & y).sum().item<double>() / std::max(1.0, (x | y).sum().item<double>());
}

TEST(FaceSegmenter, BlendingLeansOnThePreviousMaskWhereUncertain) {
  const auto current = torch::tensor({0.0f, 1.0f, 0.5f, 0.9f});
  const auto previous = torch::tensor({1.0f, 0.0f, 1.0f, 0.0f});
  const auto blended = being::face::blend_with_previous(current, previous, 0.9);
  // Certain pixels keep (almost) their new value, whatever the previous mask says.
  EXPECT_NEAR(blended[0].item<float>(), 0.0f, 0.01f);
  EXPECT_NEAR(blended[1].item<float>(), 1.0f, 0.01f);
  // p = 0.5: certainty 1 + log2(0.501) = 0.00288, squared form 0.00575: nearly all previous.
  const double a = 1.0 + std::log(0.501) / std::log(2.0), c = a * (2.0 - a);
  EXPECT_NEAR(blended[2].item<float>(), 0.9 * (0.5 * c + 1.0 * (1.0 - c)) + 0.1 * 0.5, 1e-5);
  // p = 0.9: H(0.9) = 0.469 bits, certainty 0.531 -> 0.780; mixed 0.702; result 0.722.
  const double h = -(0.9 * std::log(0.901) + 0.1 * std::log(0.101)) / std::log(2.0);
  const double c9 = (1.0 - h) * (1.0 + h);
  EXPECT_NEAR(blended[3].item<float>(), 0.9 * (0.9 * c9) + 0.1 * 0.9, 1e-5);
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
