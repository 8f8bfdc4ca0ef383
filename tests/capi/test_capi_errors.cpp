// Every C API call with invalid arguments (NULL handles and pointers, wrong sizes, unknown
// versions and enum values) returns an error code, clears its output handle and leaves a message
// that names the call and the problem; nothing crashes and nothing throws.
#include "being/being.h"
#include "being_test.h"
#include "capi_test.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using being::capi_test::CapiTest;
using being::capi_test::player_info;

const auto kInvalid = BEING_ERROR_INVALID_ARGUMENT;
const auto kVersion = BEING_ERROR_UNSUPPORTED_VERSION;

// A non-null handle value to check that failing calls reset their outputs.
template <class T>
T* poisoned() {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(0x1));
}

TEST(CapiVersion, RuntimeMatchesHeaderAndResultsHaveNames) {
  EXPECT_EQ(being_version(), BEING_HEADER_VERSION);
  EXPECT_EQ(BEING_VERSION_MAJOR(being_version()), 0u);
  EXPECT_EQ(BEING_VERSION_MINOR(BEING_MAKE_VERSION(3, 7, 9)), 7u);
  EXPECT_EQ(BEING_VERSION_PATCH(BEING_MAKE_VERSION(3, 7, 9)), 9u);
  EXPECT_STREQ(being_result_name(BEING_OK), "BEING_OK");
  EXPECT_STREQ(being_result_name(BEING_ERROR_DEVICE), "BEING_ERROR_DEVICE");
  EXPECT_STREQ(being_result_name(static_cast<being_result>(99)), "unknown being_result");
}

TEST(CapiErrors, ContextCreate) {
  being_context* context = poisoned<being_context>();
  EXPECT_FAILS(being_context_create(nullptr, &context), kInvalid, "being_context_create", "info is NULL");
  EXPECT_EQ(context, nullptr);
  being_context_create_info info{};
  EXPECT_FAILS(being_context_create(&info, &context), kVersion, "being_context_create", "api_version is 0");
  info.api_version = BEING_API_VERSION + 1;
  EXPECT_FAILS(being_context_create(&info, &context), kVersion, "being_context_create", "BEING_API_VERSION");
  info.api_version = BEING_API_VERSION;
  EXPECT_FAILS(being_context_create(&info, nullptr), kInvalid, "being_context_create", "context");
  info.device_selector = "no-such-device-name";
  EXPECT_FAILS(being_context_create(&info, &context), BEING_ERROR_DEVICE, "being_context_create", "no-such-device-name");
  EXPECT_EQ(context, nullptr);
  being_context_destroy(nullptr);
}

TEST_F(CapiTest, ContextWrapAndQuery) {
  being_vulkan_device device{};
  EXPECT_FAILS(being_context_get_vulkan(nullptr, &device), kInvalid, "being_context_get_vulkan", "context is NULL");
  EXPECT_FAILS(being_context_get_vulkan(context, nullptr), kInvalid, "being_context_get_vulkan", "device is NULL");
  ASSERT_EQ(being_context_get_vulkan(context, &device), BEING_OK);
  EXPECT_EQ(device.api_version, BEING_API_VERSION);

  being_context* wrapped = poisoned<being_context>();
  EXPECT_FAILS(being_context_wrap_vulkan(nullptr, &wrapped), kInvalid, "being_context_wrap_vulkan", "device is NULL");
  EXPECT_EQ(wrapped, nullptr);
  EXPECT_FAILS(being_context_wrap_vulkan(&device, nullptr), kInvalid, "being_context_wrap_vulkan", "context");
  being_vulkan_device bad = device;
  bad.api_version = 7;
  EXPECT_FAILS(being_context_wrap_vulkan(&bad, &wrapped), kVersion, "being_context_wrap_vulkan", "api_version is 7");
  bad = device;
  bad.device = VK_NULL_HANDLE;
  EXPECT_FAILS(being_context_wrap_vulkan(&bad, &wrapped), kInvalid, "being_context_wrap_vulkan", "must all be set");
  bad = device;
  bad.queue = VK_NULL_HANDLE;
  EXPECT_FAILS(being_context_wrap_vulkan(&bad, &wrapped), kInvalid, "being_context_wrap_vulkan", "must all be set");
  bad = device;
  bad.queue_family = 1000;
  EXPECT_FAILS(being_context_wrap_vulkan(&bad, &wrapped), kInvalid, "being_context_wrap_vulkan", "queue family 1000");
  EXPECT_EQ(wrapped, nullptr);
}

TEST(CapiErrors, AvatarLoadAndQueries) {
  being_avatar* avatar = poisoned<being_avatar>();
  EXPECT_FAILS(being_avatar_load(nullptr, &avatar), kInvalid, "being_avatar_load", "path is NULL");
  EXPECT_EQ(avatar, nullptr);
  EXPECT_FAILS(being_avatar_load(BEING_TEST_AVATAR, nullptr), kInvalid, "being_avatar_load", "avatar");
  const auto dir = being::test::scratch_dir("capi_avatar");
  EXPECT_FAILS(being_avatar_load((dir / "missing.avatar").c_str(), &avatar), BEING_ERROR_INVALID_AVATAR,
               "being_avatar_load", "missing.avatar");
  std::ofstream(dir / "text.avatar") << "not a glTF file\n";
  EXPECT_FAILS(being_avatar_load((dir / "text.avatar").c_str(), &avatar), BEING_ERROR_INVALID_AVATAR,
               "being_avatar_load", "");
  EXPECT_EQ(avatar, nullptr);
  being_avatar_destroy(nullptr);

  ASSERT_EQ(being_avatar_load(BEING_TEST_AVATAR, &avatar), BEING_OK) << being_last_error();
  uint32_t count = 0, width = 0, height = 0;
  EXPECT_FAILS(being_avatar_expression_count(nullptr, &count), kInvalid, "being_avatar_expression_count", "avatar is NULL");
  EXPECT_FAILS(being_avatar_expression_count(avatar, nullptr), kInvalid, "being_avatar_expression_count", "count is NULL");
  ASSERT_EQ(being_avatar_expression_count(avatar, &count), BEING_OK);
  EXPECT_EQ(count, 1u);
  const char* name = "poison";
  EXPECT_FAILS(being_avatar_expression_name(nullptr, 0, &name), kInvalid, "being_avatar_expression_name", "avatar is NULL");
  EXPECT_EQ(name, nullptr);
  EXPECT_FAILS(being_avatar_expression_name(avatar, 0, nullptr), kInvalid, "being_avatar_expression_name", "name");
  EXPECT_FAILS(being_avatar_expression_name(avatar, count, &name), kInvalid, "being_avatar_expression_name",
               "index 1 is out of range: the avatar has 1");
  ASSERT_EQ(being_avatar_expression_name(avatar, 0, &name), BEING_OK);
  EXPECT_STREQ(name, "jawOpen");
  EXPECT_FAILS(being_avatar_size(nullptr, &width, &height), kInvalid, "being_avatar_size", "avatar is NULL");
  EXPECT_FAILS(being_avatar_size(avatar, &width, nullptr), kInvalid, "being_avatar_size", "height is NULL");
  ASSERT_EQ(being_avatar_size(avatar, &width, &height), BEING_OK);
  EXPECT_EQ(width, 512u);
  EXPECT_EQ(height, 512u);
  being_avatar_destroy(avatar);
}

TEST_F(CapiTest, PlayerCreate) {
  const char* fn = "being_player_create";
  being_player* made = poisoned<being_player>();
  auto info = player_info();
  EXPECT_FAILS(being_player_create(nullptr, avatar, &info, &made), kInvalid, fn, "context is NULL");
  EXPECT_EQ(made, nullptr);
  EXPECT_FAILS(being_player_create(context, nullptr, &info, &made), kInvalid, fn, "avatar is NULL");
  EXPECT_FAILS(being_player_create(context, avatar, nullptr, &made), kInvalid, fn, "info is NULL");
  EXPECT_FAILS(being_player_create(context, avatar, &info, nullptr), kInvalid, fn, "player");
  info.api_version = 0;
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kVersion, fn, "being_player_create_info.api_version is 0");
  info = player_info(8);
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "frame size 8x8");
  info = player_info(9000);
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "use 16..8192");
  info = player_info(64, 1000);
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "fps 1000");
  info = player_info();
  info.background = static_cast<being_background>(9);
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "background 9");
  info = player_info();
  info.look_ahead_frames = -5;
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "look_ahead_frames -5");
  info.look_ahead_frames = 3;  // the test avatar reads 2 frames of future audio
  EXPECT_FAILS(being_player_create(context, avatar, &info, &made), kInvalid, fn, "look");
  EXPECT_EQ(made, nullptr);
}

TEST_F(CapiTest, PlayerAudioAndExpression) {
  const float samples[8] = {};
  const char* push = "being_player_push_audio";
  EXPECT_FAILS(being_player_push_audio(nullptr, samples, 4, 16000, 2), kInvalid, push, "player is NULL");
  EXPECT_FAILS(being_player_push_audio(player, nullptr, 4, 16000, 2), kInvalid, push, "samples is NULL");
  EXPECT_FAILS(being_player_push_audio(player, samples, 4, 16000, 0), kInvalid, push, "channels 0");
  EXPECT_FAILS(being_player_push_audio(player, samples, 4, 16000, 17), kInvalid, push, "channels 17");
  EXPECT_FAILS(being_player_push_audio(player, samples, 4, 999, 1), kInvalid, push, "sample_rate 999");
  EXPECT_FAILS(being_player_push_audio(player, samples, 4, 400000, 1), kInvalid, push, "sample_rate 400000");
  EXPECT_EQ(being_player_push_audio(player, nullptr, 0, 16000, 1), BEING_OK) << being_last_error();

  int64_t frames = 0;
  double seconds = 0;
  EXPECT_FAILS(being_player_frames_ready(nullptr, &frames), kInvalid, "being_player_frames_ready", "player is NULL");
  EXPECT_FAILS(being_player_frames_ready(player, nullptr), kInvalid, "being_player_frames_ready", "frames is NULL");
  EXPECT_FAILS(being_player_latency(nullptr, &seconds), kInvalid, "being_player_latency", "player is NULL");
  EXPECT_FAILS(being_player_latency(player, nullptr), kInvalid, "being_player_latency", "seconds is NULL");

  float weights[2] = {0.5f, 0.5f};
  const char* set = "being_player_set_expression";
  EXPECT_FAILS(being_player_set_expression(nullptr, weights, 1), kInvalid, set, "player is NULL");
  EXPECT_FAILS(being_player_set_expression(player, nullptr, 1), kInvalid, set, "weights is NULL");
  EXPECT_FAILS(being_player_set_expression(player, weights, 2), kInvalid, set, "count is 2 but the avatar has 1");
  EXPECT_FAILS(being_player_set_expression(player, weights, 0), kInvalid, set, "count is 0");
  EXPECT_FAILS(being_player_clear_expression(nullptr), kInvalid, "being_player_clear_expression", "player is NULL");
  const char* get = "being_player_get_expression";
  EXPECT_FAILS(being_player_get_expression(nullptr, weights, 1), kInvalid, get, "player is NULL");
  EXPECT_FAILS(being_player_get_expression(player, nullptr, 1), kInvalid, get, "weights is NULL");
  EXPECT_FAILS(being_player_get_expression(player, weights, 2), kInvalid, get, "count is 2");

  uint32_t width = 0, height = 0;
  EXPECT_FAILS(being_player_size(nullptr, &width, &height), kInvalid, "being_player_size", "player is NULL");
  EXPECT_FAILS(being_player_size(player, nullptr, &height), kInvalid, "being_player_size", "width or height is NULL");
  being_player_destroy(nullptr);
}

TEST_F(CapiTest, RenderCpu) {
  const char* fn = "being_player_render_cpu";
  std::vector<float> pixels(64 * 64 * 4);
  const std::size_t bytes = pixels.size() * sizeof(float);
  EXPECT_FAILS(being_player_render_cpu(nullptr, 0, pixels.data(), 64 * 4, bytes, BEING_PIXEL_FORMAT_RGBA8), kInvalid, fn,
               "player is NULL");
  EXPECT_FAILS(being_player_render_cpu(player, 0, nullptr, 64 * 4, bytes, BEING_PIXEL_FORMAT_RGBA8), kInvalid, fn,
               "pixels is NULL");
  EXPECT_FAILS(being_player_render_cpu(player, -1, pixels.data(), 64 * 4, bytes, BEING_PIXEL_FORMAT_RGBA8), kInvalid, fn,
               "frame -1 is negative");
  EXPECT_FAILS(being_player_render_cpu(player, 0, pixels.data(), 64 * 4 - 1, bytes, BEING_PIXEL_FORMAT_RGBA8), kInvalid,
               fn, "stride 255 is less than a row (256 bytes)");
  EXPECT_FAILS(being_player_render_cpu(player, 0, pixels.data(), 64 * 16, bytes / 4, BEING_PIXEL_FORMAT_RGBA32F),
               kInvalid, fn, "buffer_size 16384 is less than the 65536 bytes a 64x64 frame needs");
  EXPECT_FAILS(being_player_render_cpu(player, 0, pixels.data(), 64 * 4, 64 * 4 * 64 - 1, BEING_PIXEL_FORMAT_RGBA8),
               kInvalid, fn, "buffer_size 16383");
  EXPECT_FAILS(being_player_render_cpu(player, 0, pixels.data(), 64 * 4, bytes, static_cast<being_pixel_format>(0)),
               kInvalid, fn, "format 0 is not a being_pixel_format");
  EXPECT_FAILS(being_player_render_cpu(player, 0, pixels.data(), 64 * 16, bytes, static_cast<being_pixel_format>(7)),
               kInvalid, fn, "format 7");
  // The smallest buffer that fits: the last row needs no padding.
  EXPECT_EQ(being_player_render_cpu(player, 0, pixels.data(), 64 * 8, 64 * 8 * 63 + 64 * 4, BEING_PIXEL_FORMAT_RGBA8),
            BEING_OK)
      << being_last_error();
}

TEST_F(CapiTest, RenderVkImage) {
  const char* fn = "being_player_render_vk_image";
  being_vk_image_target target{};
  target.api_version = BEING_API_VERSION;
  target.image = reinterpret_cast<VkImage>(static_cast<std::uintptr_t>(0x1));  // never reached: checks fail first
  target.format = VK_FORMAT_R32G32B32A32_SFLOAT;
  target.width = target.height = 64;
  target.new_layout = VK_IMAGE_LAYOUT_GENERAL;
  EXPECT_FAILS(being_player_render_vk_image(nullptr, 0, &target), kInvalid, fn, "player is NULL");
  EXPECT_FAILS(being_player_render_vk_image(player, 0, nullptr), kInvalid, fn, "target is NULL");
  EXPECT_FAILS(being_player_render_vk_image(player, -3, &target), kInvalid, fn, "frame -3 is negative");
  auto bad = target;
  bad.api_version = 2;
  EXPECT_FAILS(being_player_render_vk_image(player, 0, &bad), kVersion, fn, "being_vk_image_target.api_version is 2");
  bad = target;
  bad.image = VK_NULL_HANDLE;
  EXPECT_FAILS(being_player_render_vk_image(player, 0, &bad), kInvalid, fn, "image is VK_NULL_HANDLE");
  bad = target;
  bad.format = VK_FORMAT_R16G16B16A16_SFLOAT;
  EXPECT_FAILS(being_player_render_vk_image(player, 0, &bad), BEING_ERROR_UNSUPPORTED, fn,
               "target->format 97: use VK_FORMAT_R32G32B32A32_SFLOAT");
  bad = target;
  bad.width = 65;
  EXPECT_FAILS(being_player_render_vk_image(player, 0, &bad), kInvalid, fn, "the image is 65x64 but the player's frames are 64x64");
  bad = target;
  bad.new_layout = VK_IMAGE_LAYOUT_UNDEFINED;
  EXPECT_FAILS(being_player_render_vk_image(player, 0, &bad), kInvalid, fn, "new_layout");
}

TEST(CapiErrors, LastErrorIsPerThread) {
  being_avatar* avatar = nullptr;
  EXPECT_FAILS(being_avatar_load(nullptr, &avatar), kInvalid, "being_avatar_load", "path is NULL");
  std::string other;
  std::thread([&] {
    EXPECT_STREQ(being_last_error(), "");
    being_context* context = nullptr;
    EXPECT_EQ(being_context_create(nullptr, &context), kInvalid);
    other = being_last_error();
  }).join();
  EXPECT_NE(other.find("being_context_create"), std::string::npos) << other;
  EXPECT_NE(std::string(being_last_error()).find("being_avatar_load"), std::string::npos) << being_last_error();
}

}  // namespace
