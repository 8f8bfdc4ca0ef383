// The avatar's tuning as player::AvatarPlayer applies it on lavapipe: a weight of 0 renders the
// neutral mouth bit for bit, the idle segment starts the loop at its first frame, and plate
// saturation 0 turns the plate grey.
#include "being/player/avatar_player.h"
#include "../gpu/vulkan_test_context.h"

#include <gtest/gtest.h>

#include <vector>

namespace being::player {
namespace {

const asset::Avatar& test_avatar() {
  static const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  return avatar;
}

std::vector<float> frame(const gpu::Context& context, const asset::Avatar& avatar, int64_t index, float jaw) {
  PlayerOptions options;
  options.width = options.height = 64;
  AvatarPlayer player(context, avatar, options);
  player.render(index, 25, &jaw);
  return {player.host_rgba(), player.host_rgba() + 64 * 64 * 4};
}

TEST(PlayerTuning, AZeroWeightRendersTheNeutralMouth) {
  const gpu::Context context(test::vulkan_test_options());
  asset::Avatar avatar = test_avatar();
  const std::vector<float> neutral = frame(context, avatar, 0, 0.0f);
  ASSERT_NE(frame(context, avatar, 0, 1.0f), neutral) << "the jaw opens untuned";
  avatar.tuning.expression_weights = {0.0f};
  EXPECT_EQ(frame(context, avatar, 0, 1.0f), neutral);
}

TEST(PlayerTuning, TheIdleSegmentStartsAtItsFirstFrame) {
  const gpu::Context context(test::vulkan_test_options());
  asset::Avatar avatar = test_avatar();  // idle loop at 12.5 fps: output frame 6 at 25 fps shows idle frame 3
  const std::vector<float> third = frame(context, avatar, 6, 0.0f);
  ASSERT_NE(frame(context, avatar, 0, 0.0f), third);
  avatar.tuning.idle_first = 3;
  EXPECT_EQ(frame(context, avatar, 0, 0.0f), third);
}

TEST(PlayerTuning, PlateSaturationZeroIsGrey) {
  const gpu::Context context(test::vulkan_test_options());
  asset::Avatar avatar = test_avatar();
  ASSERT_FALSE(avatar.idle.plates.empty());
  const std::vector<float> plain = frame(context, avatar, 0, 0.0f);
  ASSERT_FALSE(plain[0] == plain[1] && plain[1] == plain[2]) << "the test plate's corner is coloured";
  avatar.tuning.plate_saturation = 0.0f;
  const std::vector<float> grey = frame(context, avatar, 0, 0.0f);
  EXPECT_EQ(grey[0], grey[1]);
  EXPECT_EQ(grey[1], grey[2]);
}

}  // namespace
}  // namespace being::player
