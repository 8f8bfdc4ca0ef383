// BackgroundPlate on synthetic footage: a known background behind a moving "person" disc comes back
// exactly where it was seen, despite frames with a passing bright object; a region the person never
// leaves is inpainted smoothly; a shaking camera shows in median_abs_diff.
#include "being/plates/background_plate.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace {

using namespace being::plates;

constexpr int kWidth = 160, kHeight = 120;

// A smooth (linear) background: its harmonic fill is itself, so the inpainted hole has a known answer.
std::array<float, 3> smooth_background(float x, float y) { return {40 + 0.8f * x, 60 + 0.9f * y, 200 - 0.5f * x + 0.3f * y}; }

// A busy background: stripes and checks that move visibly under a one-pixel camera shift.
std::array<float, 3> busy_background(float x, float y) {
  return {128 + 100 * std::sin(x * 0.9f), 128 + 100 * std::cos(y * 0.7f), 128 + 90 * std::sin((x + y) * 0.5f)};
}

struct Frame {
  std::vector<std::uint8_t> rgb, alpha;
};

// The background with noise, a person disc at (px, py) and a person block that never moves below
// the centre; `flash` paints a bright square the segmenter does not see as person.
template <class Background>
Frame make_frame(Background background, float px, float py, bool flash, float shift_x, std::mt19937& rng) {
  std::normal_distribution<float> noise(0.0f, 1.5f);
  Frame f;
  f.rgb.resize(kWidth * kHeight * 3);
  f.alpha.assign(kWidth * kHeight, 0);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * kWidth + x;
      auto c = background(x + shift_x, y);
      const float d = std::hypot(x - px, y - py);
      const bool block = std::abs(x - 80) < 14 && y > 72 && y < 102;
      if (d < 20 || block) c = {200, 40, 40};
      if (flash && x >= 10 && x < 40 && y >= 10 && y < 40) c = {255, 255, 255};
      const float a = block ? 1.0f : std::clamp(21.0f - d, 0.0f, 1.0f);  // soft disc edge
      f.alpha[i] = static_cast<std::uint8_t>(std::lround(a * 255));
      for (int k = 0; k < 3; ++k) f.rgb[3 * i + k] = static_cast<std::uint8_t>(std::lround(std::clamp(c[k] + noise(rng), 0.0f, 255.0f)));
    }
  return f;
}

TEST(BackgroundPlate, RecoversTheBackgroundAndInpaintsTheNeverSeenHole) {
  BackgroundPlateOptions options;
  options.person_margin_px = 4;
  BackgroundPlate plate(kWidth, kHeight, options);
  std::mt19937 rng(7);
  const int frames = 60;
  for (int t = 0; t < frames; ++t) {
    const float px = 25 + 110.0f * t / (frames - 1), py = 50 + 15 * std::sin(t * 0.3f);
    const auto f = make_frame(smooth_background, px, py, t % 4 == 1, 0, rng);  // a flash in a quarter of them
    plate.add(f.rgb.data(), f.alpha.data());
  }
  const auto result = plate.finish();
  EXPECT_EQ(result.frames, frames);
  ASSERT_EQ(result.rgb.size(), static_cast<std::size_t>(kWidth * kHeight * 3));

  int hole = 0;
  float worst_seen = 0, worst_hole = 0, worst_step = 0;
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * kWidth + x;
      const auto expected = smooth_background(x, y);
      float error = 0;
      for (int k = 0; k < 3; ++k) error = std::max(error, std::abs(result.rgb[3 * i + k] - expected[k]));
      const bool in_block = std::abs(x - 80) < 14 && y > 72 && y < 102;
      if (in_block) {
        EXPECT_EQ(result.seen[i], 0) << "the block never moves: " << x << "," << y;
      }
      if (result.seen[i]) {
        worst_seen = std::max(worst_seen, error);
        continue;
      }
      ++hole;
      worst_hole = std::max(worst_hole, error);
      // No pixel of the hole far from its neighbours (the background changes < 1 per pixel).
      for (const auto& [nx, ny] : {std::array<int, 2>{x + 1, y}, {x, y + 1}}) {
        if (nx >= kWidth || ny >= kHeight) continue;
        const std::size_t j = static_cast<std::size_t>(ny) * kWidth + nx;
        for (int k = 0; k < 3; ++k) worst_step = std::max(worst_step, float(std::abs(result.rgb[3 * i + k] - result.rgb[3 * j + k])));
      }
    }
  std::printf("hole %d px; worst error seen %.1f, in the hole %.1f; worst step in the hole %.1f\n", hole, worst_seen,
              worst_hole, worst_step);
  EXPECT_GT(hole, 28 * 30) << "the block and its margin are never seen";
  EXPECT_LE(worst_seen, 5.0f) << "the median must reject the flashes and the noise";
  EXPECT_LE(worst_hole, 8.0f) << "the fill of a linear background should be close to it";
  EXPECT_LE(worst_step, 3.0f);
  EXPECT_NEAR(result.seen_fraction, 1.0f - float(hole) / (kWidth * kHeight), 1e-6);
  EXPECT_LT(result.median_abs_diff, 3.0f) << "a static camera";
}

TEST(BackgroundPlate, AShakingCameraShowsInTheMedianDifference) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> shake(-2.0f, 2.0f);
  BackgroundPlate still(kWidth, kHeight), shaking(kWidth, kHeight);
  for (int t = 0; t < 30; ++t) {
    const float px = 25 + 110.0f * t / 29;
    const auto a = make_frame(busy_background, px, 50, false, 0, rng);
    still.add(a.rgb.data(), a.alpha.data());
    const auto b = make_frame(busy_background, px, 50, false, shake(rng), rng);
    shaking.add(b.rgb.data(), b.alpha.data());
  }
  const float still_diff = still.finish().median_abs_diff, shaking_diff = shaking.finish().median_abs_diff;
  EXPECT_LT(still_diff, 3.0f);
  EXPECT_GT(shaking_diff, 15.0f);
}

TEST(BackgroundPlate, NothingSeenIsAClearError) {
  BackgroundPlate plate(8, 8);
  std::vector<std::uint8_t> rgb(8 * 8 * 3, 100), alpha(8 * 8, 255);
  plate.add(rgb.data(), alpha.data());
  EXPECT_THROW(plate.finish(), std::runtime_error);
  EXPECT_THROW(BackgroundPlate(0, 8), std::invalid_argument);
}

}  // namespace
