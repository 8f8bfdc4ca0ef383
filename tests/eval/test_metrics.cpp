// The evaluation's per-frame pieces (toolchain/eval metrics.h) against values worked out by hand.
#include "being/eval/metrics.h"

#include <cmath>
#include <random>

#include "being_test.h"

namespace {

using namespace being::eval;
using being::draw::Image;

Image constant(int w, int h, std::uint8_t v) { return Image(w, h, {v, v, v}); }

Image noise(int w, int h, unsigned seed, int spread = 255) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, spread);
  Image im(w, h);
  for (auto& v : im.rgb) v = static_cast<std::uint8_t>(d(rng));
  return im;
}

TEST(EvalPsnr, IsTenLogOfPeakOverMeanSquaredError) {
  const Image a = constant(16, 8, 100), b = constant(16, 8, 110);
  EXPECT_NEAR(psnr(a, b, whole(a)), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  EXPECT_EQ(psnr(a, a, whole(a)), kMaxPsnr);
  Image c = a;
  c.at(3, 2)[1] = 130;  // one channel of one pixel off by 30, only inside the box
  const Box box{2, 1, 6, 5};
  EXPECT_NEAR(psnr(a, c, box), 10 * std::log10(255.0 * 255.0 / (900.0 / (3 * 16))), 1e-9);
  EXPECT_EQ(psnr(a, c, Box{8, 0, 16, 8}), kMaxPsnr);
  EXPECT_THROW(psnr(a, constant(8, 8, 0), whole(a)), std::invalid_argument);
  EXPECT_THROW(psnr(a, b, Box{0, 0, 17, 8}), std::invalid_argument);
}

TEST(EvalSsim, MatchesTheClosedFormOnFlatImagesAndOrdersNoise) {
  // Flat images: no variance, so SSIM is the luminance term (2ab + C1) / (a^2 + b^2 + C1).
  const double c1 = (0.01 * 255) * (0.01 * 255);
  const Image a = constant(20, 20, 100), b = constant(20, 20, 150);
  EXPECT_NEAR(ssim(a, b, whole(a)), (2 * 100.0 * 150 + c1) / (100.0 * 100 + 150.0 * 150 + c1), 1e-9);
  const Image x = noise(40, 32, 1);
  EXPECT_NEAR(ssim(x, x, whole(x)), 1.0, 1e-12);
  // A little noise on top scores below 1, more noise lower still.
  Image slight = x, heavy = x;
  const Image n1 = noise(40, 32, 2, 10), n2 = noise(40, 32, 3, 80);
  for (std::size_t i = 0; i < x.rgb.size(); ++i) {
    slight.rgb[i] = static_cast<std::uint8_t>(std::min(255, x.rgb[i] + n1.rgb[i]));
    heavy.rgb[i] = static_cast<std::uint8_t>(std::min(255, x.rgb[i] + n2.rgb[i]));
  }
  const double s_slight = ssim(x, slight, whole(x)), s_heavy = ssim(x, heavy, whole(x));
  EXPECT_LT(s_slight, 1.0);
  EXPECT_GT(s_slight, s_heavy);
  EXPECT_TRUE(std::isnan(ssim(x, slight, Box{0, 0, 10, 32})));  // narrower than the 11-tap window
}

TEST(EvalComposite, PutsTheRenderOverThePlate) {
  const Image plate = constant(2, 1, 200);
  const float color[] = {0.5f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f};
  const float alpha[] = {0.5f, 0.0f};
  const Image out = composite(color, alpha, plate);
  EXPECT_EQ(out.at(0, 0)[0], 228);  // 127.5 + 100, rounded
  EXPECT_EQ(out.at(0, 0)[1], 100);
  EXPECT_EQ(out.at(0, 0)[2], 255);  // clipped
  EXPECT_EQ(out.at(1, 0)[0], 200);
}

TEST(EvalCropBackground, SamplesTheCropWindowOfTheSource) {
  // A gradient is reproduced exactly by bilinear sampling, at scale 1 and when downscaling.
  being::dataset::Image bg{64, 48, 3, std::vector<std::uint8_t>(64 * 48 * 3)};
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) bg.pixels[(y * 64 + x) * 3 + c] = static_cast<std::uint8_t>(2 * x + y + 10 * c);
  const float same[3] = {5, 7, 16};
  const Image a = crop_background(bg, same, 16);
  EXPECT_EQ(a.at(0, 0)[0], 2 * 5 + 7);
  EXPECT_EQ(a.at(15, 9)[2], 2 * 20 + 16 + 20);
  const float half[3] = {4, 2, 32};  // 32 source pixels onto 16: pixel u covers x = 4 + 2u .. 4 + 2u + 2
  const Image b = crop_background(bg, half, 16);
  for (int u : {0, 5, 15}) EXPECT_NEAR(b.at(u, 3)[0], 2 * (4 + 2 * u + 0.5) + (2 + 2 * 3 + 0.5), 1.0) << u;
}

TEST(EvalMouth, OpeningLipDistanceAndCorrelation) {
  std::vector<being::face::Landmark> lm(478);
  lm[10] = {50, 10, 0};
  lm[152] = {50, 110, 0};
  lm[13] = {50, 70, 0};
  lm[14] = {50, 78, 0};
  EXPECT_NEAR(mouth_opening(lm), 0.08, 1e-9);
  ASSERT_EQ(lip_landmarks().size(), 40u);
  EXPECT_EQ(lip_landmarks().front(), 0);  // the upper lip's middle is on the outer loop
  auto moved = lm;
  for (int i : lip_landmarks()) moved[i].x += 3, moved[i].y += 4;
  EXPECT_NEAR(lip_distance(lm, moved), 5.0, 1e-6);
  moved[1].x += 100;  // landmark 1 (nose tip) is not a lip landmark
  EXPECT_NEAR(lip_distance(lm, moved), 5.0, 1e-6);

  EXPECT_NEAR(pearson({1, 2, 3, 4}, {2, 4, 6, 8}), 1.0, 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3, 4}, {8, 6, 4, 2}), -1.0, 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3}, {1, 3, 2}), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(pearson({1, 2}, {1, 2})));
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
}

}  // namespace
