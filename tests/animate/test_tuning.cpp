// runtime/animate tuning: the saved expression weights, gain and smoothing shape the code as
// docs/avatar-format.md ("Tuning") says, the idle segment limits the loop, and the plate colour
// adjustment is the identity by default.
#include "being/animate/live_expression.h"
#include "being/animate/tuning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace being::animate {
namespace {

const asset::Avatar& test_avatar() {
  static const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  return avatar;
}

TEST(CodeTuning, DefaultsLeaveTheCodeUnchanged) {
  const asset::Avatar& avatar = test_avatar();
  CodeTuning tuning(avatar);
  const std::vector<float> code = {0.7f};
  std::vector<float> out(1);
  for (int64_t frame = 0; frame < 3; ++frame) {
    tuning.apply(frame, 25, code.data(), out.data());
    EXPECT_EQ(out[0], code[0]);
  }
}

TEST(CodeTuning, WeightAndGainMultiplyTheCode) {
  asset::Avatar avatar = test_avatar();
  avatar.tuning.expression_weights = {2.0f};
  avatar.tuning.expression_gain = 0.5;
  CodeTuning tuning(avatar);
  const float code = 0.3f;
  float out = 0;
  tuning.apply(0, 25, &code, &out);
  EXPECT_FLOAT_EQ(out, 0.3f);
  avatar.tuning.expression_weights = {3.0f};  // edits apply from the next call
  tuning.apply(1, 25, &code, &out);
  EXPECT_FLOAT_EQ(out, 0.45f);
}

TEST(CodeTuning, SmoothingIsExponentialOverElapsedTimeAndRestartsOnASeek) {
  asset::Avatar avatar = test_avatar();
  avatar.tuning.smoothing = 0.1;
  CodeTuning tuning(avatar);
  const float zero = 0.0f, one = 1.0f;
  float out = 0;
  tuning.apply(0, 25, &zero, &out);
  EXPECT_EQ(out, 0.0f);
  tuning.apply(1, 25, &one, &out);  // 40 ms later: 1 - exp(-0.4)
  EXPECT_NEAR(out, 1.0 - std::exp(-0.4), 1e-6);
  tuning.apply(3, 25, &one, &out);  // a skipped frame counts as elapsed time: 80 ms more
  EXPECT_NEAR(out, 1.0 - std::exp(-0.4) * std::exp(-0.8), 1e-6);
  tuning.apply(2, 25, &zero, &out);  // back in time: no memory of the later frames
  EXPECT_EQ(out, 0.0f);
}

TEST(TunedIdleFrame, TheSegmentIsTheLoop) {
  asset::Avatar avatar = test_avatar();  // 8 frames at 12.5 fps
  ASSERT_EQ(avatar.idle.frame_count(), 8u);
  EXPECT_EQ(tuned_idle_frame(15, 25, avatar), 7u);
  avatar.tuning.idle_first = 2;
  EXPECT_EQ(tuned_idle_frame(0, 25, avatar), 2u);
  EXPECT_EQ(tuned_idle_frame(11, 25, avatar), 7u);
  EXPECT_EQ(tuned_idle_frame(12, 25, avatar), 2u);  // 6 frames from 2 to the end
  avatar.tuning.idle_count = 3;
  EXPECT_EQ(tuned_idle_frame(5, 25, avatar), 4u);
  EXPECT_EQ(tuned_idle_frame(6, 25, avatar), 2u);
}

TEST(PlateColor, IdentityByDefaultAndSaturationZeroIsGrey) {
  std::vector<std::uint8_t> rgb = {200, 100, 50, 0, 255, 17};
  const std::vector<std::uint8_t> original = rgb;
  asset::Tuning tuning;
  adjust_plate_color(tuning, rgb.data(), 2);
  EXPECT_EQ(rgb, original);
  tuning.plate_saturation = 0;
  adjust_plate_color(tuning, rgb.data(), 2);
  EXPECT_EQ(rgb[0], rgb[1]);
  EXPECT_EQ(rgb[1], rgb[2]);
  EXPECT_EQ(rgb[0], static_cast<std::uint8_t>(std::lround((0.2126 * 200 + 0.7152 * 100 + 0.0722 * 50))));
  tuning = {};
  tuning.plate_offset = {0.0f, 0.0f, -1.0f};
  adjust_plate_color(tuning, rgb.data(), 2);
  EXPECT_EQ(rgb[2], 0);
}

TEST(LiveExpressionTuning, TheSavedLookAheadIsTheDefault) {
  asset::Avatar avatar = test_avatar();
  ASSERT_GT(avatar.audio.context_after, 1);
  const double full = LiveExpression(avatar).look_ahead_seconds();
  avatar.tuning.look_ahead_frames = 1;
  const double tuned = LiveExpression(avatar).look_ahead_seconds();
  EXPECT_NEAR(full - tuned, (avatar.audio.context_after - 1) / avatar.audio.video_fps, 1e-9);
}

}  // namespace
}  // namespace being::animate
