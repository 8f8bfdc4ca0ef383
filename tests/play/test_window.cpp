// being_window: the letterbox geometry, what swapchain results mean, and a real window under Xvfb
// on lavapipe whose pixels (grabbed from the X server) show the frame where it should be, through
// resizing, a full-screen toggle and a viewport.
#include "being/gpu/buffer.h"
#include "being/window/overlay.h"
#include "being/window/window.h"
#include "virtual_display.h"

#include <SDL.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using being::window::Rect;
using being::window::SwapchainState;

TEST(Letterbox, FitsTheAspectRatioCentred) {
  const Rect wide = being::window::letterbox(200, 100, {0, 0, 400, 400});
  EXPECT_EQ(wide.x, 0);
  EXPECT_EQ(wide.width, 400);
  EXPECT_EQ(wide.height, 200);
  EXPECT_EQ(wide.y, 100);
  const Rect tall = being::window::letterbox(100, 200, {10, 20, 400, 100});
  EXPECT_EQ(tall.height, 100);
  EXPECT_EQ(tall.width, 50);
  EXPECT_EQ(tall.x, 10 + 175);
  EXPECT_EQ(tall.y, 20);
  const Rect same = being::window::letterbox(512, 512, {0, 0, 128, 128});
  EXPECT_EQ(same.width, 128);
  EXPECT_EQ(same.height, 128);
  EXPECT_EQ(being::window::letterbox(0, 10, {0, 0, 10, 10}).width, 0);
  EXPECT_EQ(being::window::letterbox(10, 10, {0, 0, 0, 10}).width, 0);
}

TEST(SwapchainState, ClassifiesResults) {
  EXPECT_EQ(being::window::swapchain_state(VK_SUCCESS, "x"), SwapchainState::usable);
  EXPECT_EQ(being::window::swapchain_state(VK_SUBOPTIMAL_KHR, "x"), SwapchainState::suboptimal);
  EXPECT_EQ(being::window::swapchain_state(VK_ERROR_OUT_OF_DATE_KHR, "x"), SwapchainState::out_of_date);
  try {
    being::window::swapchain_state(VK_ERROR_DEVICE_LOST, "vkQueuePresentKHR");
    FAIL() << "device loss must throw";
  } catch (const being::window::WindowError& e) {
    EXPECT_NE(std::string(e.what()).find("device was lost"), std::string::npos) << e.what();
  }
  try {
    being::window::swapchain_state(VK_ERROR_SURFACE_LOST_KHR, "vkAcquireNextImageKHR");
    FAIL() << "surface loss must throw";
  } catch (const being::window::WindowError& e) {
    EXPECT_NE(std::string(e.what()).find("surface was lost"), std::string::npos) << e.what();
  }
  EXPECT_THROW(being::window::swapchain_state(VK_ERROR_OUT_OF_DEVICE_MEMORY, "x"), being::window::WindowError);
}

TEST(Window, NoDisplayIsAWindowError) {
  setenv("DISPLAY", ":59999", 1);
  unsetenv("WAYLAND_DISPLAY");
  try {
    being::window::Window window;
    FAIL() << "a window opened without a display";
  } catch (const being::window::WindowError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open a window"), std::string::npos) << e.what();
  }
}

struct Rgb {
  int r, g, b;
};

Rgb pixel(const std::vector<std::uint8_t>& rgb, int width, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
  return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

void expect_near(const Rgb& got, const Rgb& want, const char* where) {
  EXPECT_NEAR(got.r, want.r, 3) << where;
  EXPECT_NEAR(got.g, want.g, 3) << where;
  EXPECT_NEAR(got.b, want.b, 3) << where;
}

// Presents twice (the X server shows the latest) and grabs the window's pixels; `imgui` runs
// inside each frame.
std::vector<std::uint8_t> show(being::window::Window& window, const being::test::VirtualDisplay& display,
                               const being::window::FrameImage& frame, const being::window::PresentOptions& options,
                               const std::function<void()>& imgui = {}) {
  for (int i = 0; i < 2; ++i) {
    window.poll_events();
    EXPECT_TRUE(window.begin_frame());
    if (imgui) imgui();
    EXPECT_TRUE(window.present(frame, options).presented);
  }
  int x = 0, y = 0;
  SDL_GetWindowPosition(window.sdl_window(), &x, &y);
  return display.grab(x, y, static_cast<int>(window.extent().width), static_cast<int>(window.extent().height));
}

// A size x size frame on the device: left half red, right half blue (display values; alpha 1).
being::gpu::Buffer two_colour_frame(const being::gpu::Context& context, int size) {
  std::vector<float> pixels(static_cast<std::size_t>(size) * size * 4);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      float* p = &pixels[(static_cast<std::size_t>(y) * size + x) * 4];
      p[0] = x < size / 2 ? 1.0f : 0.0f;
      p[2] = x < size / 2 ? 0.0f : 1.0f;
      p[3] = 1.0f;
    }
  being::gpu::Buffer buffer(context, pixels.size() * sizeof(float), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                            being::gpu::MemoryLocation::device);
  being::gpu::upload(context, buffer, pixels.data(), pixels.size() * sizeof(float));
  return buffer;
}

// A width x height window (with ImGui) on `display`.
being::window::Window open_window(const being::test::VirtualDisplay& display, int width, int height) {
  setenv("DISPLAY", display.name().c_str(), 1);
  being::window::WindowOptions options;
  options.width = width;
  options.height = height;
  options.imgui = true;
  return being::window::Window(options);
}

TEST(Window, ShowsTheFrameLetterboxedThroughResizeAndFullScreen) {
  being::test::VirtualDisplay display(640, 480);
  being::window::Window window = open_window(display, 200, 100);

  const int size = 40;
  const being::gpu::Buffer buffer = two_colour_frame(window.context(), size);
  const being::window::FrameImage frame{&buffer, size, size};
  being::window::PresentOptions present;
  present.clear_color[1] = 1.0f;  // green bars

  auto rgb = show(window, display, frame, present);
  ASSERT_EQ(window.extent().width, 200u);
  ASSERT_EQ(window.extent().height, 100u);
  // The frame fills the middle 100x100: red left, blue right; green bars either side.
  expect_near(pixel(rgb, 200, 70, 50), {255, 0, 0}, "left half of the frame");
  expect_near(pixel(rgb, 200, 130, 50), {0, 0, 255}, "right half of the frame");
  expect_near(pixel(rgb, 200, 20, 50), {0, 255, 0}, "left bar");
  expect_near(pixel(rgb, 200, 180, 50), {0, 255, 0}, "right bar");

  SDL_SetWindowSize(window.sdl_window(), 100, 300);
  SDL_SetWindowPosition(window.sdl_window(), 10, 10);  // all of it on the screen
  rgb = show(window, display, frame, present);
  ASSERT_EQ(window.extent().width, 100u);
  ASSERT_EQ(window.extent().height, 300u);
  expect_near(pixel(rgb, 100, 25, 150), {255, 0, 0}, "left half after the resize");
  expect_near(pixel(rgb, 100, 75, 150), {0, 0, 255}, "right half after the resize");
  expect_near(pixel(rgb, 100, 50, 20), {0, 255, 0}, "top bar after the resize");

  // Full screen is a request to the window manager, which Xvfb lacks: the window keeps its size
  // here, and what is checked is that toggling re-creates the swapchain and keeps presenting.
  window.set_fullscreen(true);
  rgb = show(window, display, frame, present);
  EXPECT_TRUE(window.fullscreen());

  // A viewport: the frame goes into the given rectangle only.
  window.set_fullscreen(false);
  SDL_SetWindowSize(window.sdl_window(), 200, 100);
  present.viewport = {0, 0, 100, 100};
  rgb = show(window, display, frame, present);
  ASSERT_EQ(window.extent().width, 200u);
  expect_near(pixel(rgb, 200, 20, 50), {255, 0, 0}, "left half in the viewport");
  expect_near(pixel(rgb, 200, 150, 50), {0, 255, 0}, "outside the viewport");
}

TEST(Window, TheOverlayIsDrawnOverTheFrame) {
  being::test::VirtualDisplay display(640, 480);
  being::window::Window window = open_window(display, 300, 300);
  const being::gpu::Buffer buffer = two_colour_frame(window.context(), 300);
  const being::window::FrameImage frame{&buffer, 300, 300};

  const std::vector<std::string> names = {"jawOpen", "smile"};
  const float code[2] = {0.8f, -0.5f};
  being::window::OverlayStats stats;
  stats.fps = 60;
  stats.frame_ms = 16.7;
  stats.latency_ms = 80;
  stats.source = "mic: test";
  stats.names = &names;
  stats.code = code;
  stats.code_dim = 2;
  const auto plain = show(window, display, frame, {});
  const auto with_overlay = show(window, display, frame, {}, [&] { being::window::draw_overlay(stats); });
  // The overlay's translucent panel darkens the top-left corner; far from it the frame is unchanged.
  expect_near(pixel(plain, 300, 14, 14), {255, 0, 0}, "the frame without the overlay");
  EXPECT_LT(pixel(with_overlay, 300, 14, 14).r, 200) << "the overlay's panel over the frame";
  expect_near(pixel(with_overlay, 300, 250, 250), {0, 0, 255}, "far from the overlay");
}

}  // namespace
