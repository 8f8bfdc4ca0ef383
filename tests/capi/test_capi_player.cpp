// The C API playing the test avatar: its pixels are AvatarPlayer's; audio at 8, 44.1 and 48 kHz
// stereo drives the jaw as 16 kHz mono does; less look-ahead, less latency; set_expression overrides
// the audio until cleared; VkImages on the application's own device (wrapped; RGBA32F, RGBA8,
// BGRA8) receive the frame the CPU buffer does; two players on one context render from two threads.
#include "being/being.h"
#include "being/being.hpp"
#include "being/gpu/buffer.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"
#include "capi_test.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using being::capi_test::player_info;
namespace api = being::api;

constexpr int kFps = 25;
constexpr int kStep = 3;

TEST(CapiPlayer, RenderCpuEqualsAvatarPlayer) {
  const api::Context context;
  const api::Avatar avatar(BEING_TEST_AVATAR);
  api::Player player(context, avatar, player_info(96, kFps));
  const std::vector<float> open = {0.7f};
  player.set_expression(open);
  const auto rgba8 = player.render_rgba8(5);
  std::vector<float> rgba32(96 * 96 * 4);
  ASSERT_EQ(being_player_render_cpu(player.get(), 5, rgba32.data(), 96 * 16, rgba32.size() * 4, BEING_PIXEL_FORMAT_RGBA32F),
            BEING_OK)
      << being_last_error();

  const being::gpu::Context gpu;
  const auto loaded = being::asset::read_avatar(BEING_TEST_AVATAR);
  being::player::PlayerOptions options;
  options.width = options.height = 96;
  being::player::AvatarPlayer reference(gpu, loaded, options);
  reference.render(5, kFps, open.data());
  std::vector<std::uint8_t> expected8(rgba8.size());
  being::player::to_rgba8_straight(reference.host_rgba(), 96 * 96, expected8.data());
  EXPECT_EQ(rgba8, expected8);
  EXPECT_EQ(std::memcmp(rgba32.data(), reference.host_rgba(), rgba32.size() * 4), 0);
  EXPECT_EQ(player.expression(1), open);
}

// Silence with a 180 Hz tone (plus harmonics) from 1.0 to 2.0 s, at `rate` Hz.
float signal_at(double t) {
  if (t < 1.0 || t >= 2.0) return 0.0f;
  return float(0.3 * std::sin(2 * M_PI * 180 * t) + 0.1 * std::sin(2 * M_PI * 540 * t));
}

// Pushes 3 s of the signal in 10 ms chunks of `channels` identical channels, then renders every
// kStep-th frame in order (a frame costs tens of milliseconds on lavapipe) and returns their jawOpen.
std::vector<float> jaw_per_frame(uint32_t rate, uint32_t channels, int64_t* ready) {
  const api::Context context;
  const api::Avatar avatar(BEING_TEST_AVATAR);
  auto info = player_info(16, kFps);
  info.still = 1;  // one plate: the test is about the expression, not the idle loop
  api::Player player(context, avatar, info);
  const std::size_t total = static_cast<std::size_t>(3 * rate), chunk = rate / 100;
  std::vector<float> interleaved;
  for (std::size_t start = 0; start < total; start += chunk) {
    interleaved.clear();
    for (std::size_t i = start; i < std::min(total, start + chunk); ++i)
      interleaved.insert(interleaved.end(), channels, signal_at(double(i) / rate));
    player.push_audio(interleaved.data(), interleaved.size() / channels, rate, channels);
  }
  *ready = player.frames_ready();
  std::vector<float> jaw;
  for (int64_t f = 0; f < *ready; f += kStep) {
    player.render_rgba8(f);
    jaw.push_back(player.expression(1)[0]);
  }
  return jaw;
}

TEST(CapiPlayer, AudioAtOtherRatesAndChannelsDrivesTheJawLikeMono) {
  int64_t reference_ready = 0;
  const auto reference = jaw_per_frame(16000, 1, &reference_ready);
  // 3 s at 25 fps, less the look-ahead.
  EXPECT_NEAR(double(reference_ready), 75 - std::ceil(0.0525 * kFps + 2.0), 2.0);
  auto mean = [&](const std::vector<float>& jaw, int from, int to) {
    double sum = 0;
    for (int f = from; f < to; ++f) sum += jaw[f];
    return sum / (to - from);
  };
  // Frames 5..19 are silent, 30..44 in the tone (jaw[i] is frame i * kStep).
  const double silent = mean(reference, 5 / kStep, 20 / kStep), loud = mean(reference, 30 / kStep, 45 / kStep);
  EXPECT_GT(loud, silent + 0.3) << "silent " << silent << ", loud " << loud;
  for (const uint32_t rate : {8000u, 44100u, 48000u}) {
    int64_t ready = 0;
    const auto jaw = jaw_per_frame(rate, 2, &ready);
    EXPECT_NEAR(double(ready), double(reference_ready), 1.0) << rate << " Hz";
    const std::size_t n = std::min(jaw.size(), reference.size());
    double worst = 0;
    for (std::size_t f = 0; f < n; ++f) worst = std::max(worst, double(std::abs(jaw[f] - reference[f])));
    // 8 kHz loses the spectrum above 4 kHz, which the log-mel reads; the others only resampling error.
    EXPECT_LT(worst, rate == 8000 ? 0.15 : 0.02) << rate << " Hz";
  }
}

TEST(CapiPlayer, LessLookAheadMeansLessLatencyAndMoreFramesReady) {
  const api::Context context;
  const api::Avatar avatar(BEING_TEST_AVATAR);
  auto info = player_info(16, kFps);
  api::Player whole(context, avatar, info);
  info.look_ahead_frames = BEING_LOOK_AHEAD_NONE;
  api::Player none(context, avatar, info);
  const std::vector<float> second(16000, 0.1f);
  whole.push_audio(second.data(), second.size(), 16000);
  none.push_audio(second.data(), second.size(), 16000);
  // The test avatar's encoder reads two avatar frames (at 25 fps: 0.08 s) of future audio.
  EXPECT_NEAR(whole.latency() - none.latency(), 0.08, 1e-6);
  EXPECT_NEAR(double(none.frames_ready() - whole.frames_ready()), (whole.latency() - none.latency()) * kFps, 1.0);
}

TEST(CapiPlayer, SetExpressionOverridesTheAudioUntilCleared) {
  const api::Context context;
  const api::Avatar avatar(BEING_TEST_AVATAR);
  api::Player player(context, avatar, player_info(16, kFps));
  std::vector<float> loud(48000);
  for (std::size_t i = 0; i < loud.size(); ++i) loud[i] = signal_at(1.0 + double(i) / 48000);
  player.push_audio(loud.data(), loud.size(), 48000);
  const std::vector<float> shut = {0.0f};
  player.set_expression(shut);
  player.render_rgba8(10);
  EXPECT_EQ(player.expression(1), shut);
  player.clear_expression();
  player.render_rgba8(11);
  EXPECT_GT(player.expression(1)[0], 0.3f);
}

// A device-local image on the application's device, and its read-back.
class HostImage {
 public:
  HostImage(const being::gpu::Context& gpu, VkFormat format, uint32_t bytes_per_pixel, uint32_t width, uint32_t height)
      : gpu_(gpu), format_(format), bytes_per_pixel_(bytes_per_pixel), width_(width), height_(height) {
    VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
    info.imageType = VK_IMAGE_TYPE_2D;
    info.format = format;
    info.extent = {width, height, 1};
    info.mipLevels = info.arrayLayers = 1;
    info.samples = VK_SAMPLE_COUNT_1_BIT;
    info.tiling = VK_IMAGE_TILING_OPTIMAL;
    info.usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
    EXPECT_EQ(vkCreateImage(gpu.device(), &info, nullptr, &image_), VK_SUCCESS);
    VkMemoryRequirements needs;
    vkGetImageMemoryRequirements(gpu.device(), image_, &needs);
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = needs.size;
    alloc.memoryTypeIndex = gpu.find_memory_type(needs.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    EXPECT_EQ(vkAllocateMemory(gpu.device(), &alloc, nullptr, &memory_), VK_SUCCESS);
    EXPECT_EQ(vkBindImageMemory(gpu.device(), image_, memory_, 0), VK_SUCCESS);
  }
  ~HostImage() {
    vkDestroyImage(gpu_.device(), image_, nullptr);
    vkFreeMemory(gpu_.device(), memory_, nullptr);
  }

  being_vk_image_target target(VkImageLayout old_layout) const {
    being_vk_image_target t{};
    t.api_version = BEING_API_VERSION;
    t.image = image_;
    t.format = format_;
    t.width = width_;
    t.height = height_;
    t.old_layout = old_layout;
    t.new_layout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    return t;
  }

  // The image's bytes (it must be in TRANSFER_SRC_OPTIMAL).
  std::vector<std::uint8_t> read() const {
    const VkDeviceSize bytes = VkDeviceSize{width_} * height_ * bytes_per_pixel_;
    const being::gpu::Buffer staging(gpu_, bytes, 0, being::gpu::MemoryLocation::host);
    gpu_.submit_and_wait([&](VkCommandBuffer cmd) {
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = {width_, height_, 1};
      vkCmdCopyImageToBuffer(cmd, image_, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, staging.handle(), 1, &region);
    });
    const auto* data = static_cast<const std::uint8_t*>(staging.mapped());
    return std::vector<std::uint8_t>(data, data + bytes);
  }

 private:
  const being::gpu::Context& gpu_;
  VkFormat format_;
  uint32_t bytes_per_pixel_, width_, height_;
  VkImage image_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
};

// The application owns the instance and device; libbeing wraps them.
class CapiSharedDevice : public ::testing::Test {
 protected:
  static constexpr uint32_t kSide = 48;

  CapiSharedDevice()
      : wrapped(being_vulkan_device{BEING_API_VERSION, application.instance(), application.physical_device(),
                                    application.device(), application.queue_family(), application.queue()}),
        avatar(BEING_TEST_AVATAR),
        player(wrapped, avatar, player_info(kSide, kFps)) {
    player.set_expression({0.4f});
  }

  std::vector<std::uint8_t> render_cpu(int64_t frame, being_pixel_format format, std::size_t bytes_per_pixel) {
    std::vector<std::uint8_t> pixels(std::size_t{kSide} * kSide * bytes_per_pixel);
    EXPECT_EQ(being_player_render_cpu(player.get(), frame, pixels.data(), kSide * bytes_per_pixel, pixels.size(), format),
              BEING_OK)
        << being_last_error();
    return pixels;
  }

  const being::gpu::Context application;
  const api::Context wrapped;
  const api::Avatar avatar;
  api::Player player;
};

TEST_F(CapiSharedDevice, FloatImageHoldsTheCpuFrame) {
  EXPECT_EQ(wrapped.vulkan().device, application.device());
  const HostImage image(application, VK_FORMAT_R32G32B32A32_SFLOAT, 16, kSide, kSide);
  player.render_vk_image(3, image.target(VK_IMAGE_LAYOUT_UNDEFINED));
  const auto frame3 = image.read();
  player.render_vk_image(4, image.target(VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL));
  const auto frame4 = image.read();
  EXPECT_EQ(frame3, render_cpu(3, BEING_PIXEL_FORMAT_RGBA32F, 16));
  EXPECT_EQ(frame4, render_cpu(4, BEING_PIXEL_FORMAT_RGBA32F, 16));
  EXPECT_NE(frame3, frame4);  // the idle loop moves the head
}

TEST_F(CapiSharedDevice, EightBitImagesHoldTheCpuFrameInTheirByteOrder) {
  // The plate background is opaque, so premultiplied and straight alpha give the same bytes.
  const HostImage rgba(application, VK_FORMAT_R8G8B8A8_UNORM, 4, kSide, kSide);
  const HostImage bgra(application, VK_FORMAT_B8G8R8A8_SRGB, 4, kSide, kSide);
  player.render_vk_image(7, rgba.target(VK_IMAGE_LAYOUT_UNDEFINED));
  player.render_vk_image(7, bgra.target(VK_IMAGE_LAYOUT_UNDEFINED));
  const auto expected = render_cpu(7, BEING_PIXEL_FORMAT_RGBA8, 4);
  EXPECT_EQ(rgba.read(), expected);
  auto swapped = expected;
  for (std::size_t i = 0; i < swapped.size(); i += 4) std::swap(swapped[i], swapped[i + 2]);
  EXPECT_EQ(bgra.read(), swapped);
}

TEST(CapiPlayer, TwoPlayersOnOneContextRenderFromTwoThreads) {
  const api::Context context;
  const api::Avatar avatar(BEING_TEST_AVATAR);
  api::Player first(context, avatar, player_info(32, kFps)), second(context, avatar, player_info(32, kFps));
  std::vector<std::vector<std::uint8_t>> alone;
  for (int f = 0; f < 8; ++f) alone.push_back(first.render_rgba8(f));
  std::vector<std::vector<std::uint8_t>> a, b;
  api::Player fresh(context, avatar, player_info(32, kFps));
  std::thread one([&] {
    for (int f = 0; f < 8; ++f) a.push_back(fresh.render_rgba8(f));
  });
  std::thread two([&] {
    for (int f = 0; f < 8; ++f) b.push_back(second.render_rgba8(f));
  });
  one.join();
  two.join();
  EXPECT_EQ(a, alone);
  EXPECT_EQ(b, alone);
}

}  // namespace
