// A desktop window that shows frames of the runtime renderer: SDL2 for the window and its events,
// a Vulkan swapchain on the window's own gpu::Context (the renderer draws on the same device, so a
// frame reaches the screen with one copy and one scaled blit), and Dear ImGui for overlays and tools.
//
// One frame, as `being play` and the editor run it:
//
//   being::window::Window window(options);
//   being::player::AvatarPlayer player(window.context(), avatar, ...);
//   while (window.poll_events()) {
//     if (!window.begin_frame()) { window.wait_events(50); continue; }  // minimised
//     player.render(frame, fps, code, {.read_back = false});
//     ImGui::Begin("..."); ...; ImGui::End();          // any ImGui calls, between the two
//     window.present(being::window::FrameImage::of(player.renderer()));
//   }
//
// present() letterboxes the frame into the window (or into PresentOptions::viewport, for an editor
// that lays out its own panels), then runs PresentOptions::draw inside the window's render pass
// (render_pass(): one colour attachment, the swapchain image, loaded, not cleared), then ImGui's draw
// data, and presents. Pacing: with vsync (FIFO) present() returns at the display rate.
//
// Resizing, full screen (F11, set_fullscreen) and out-of-date swapchains re-create the swapchain; a
// minimised window presents nothing (begin_frame() is false). A lost device or surface is a
// WindowError (no crash): the caller reports it and exits.
//
// Only one Window with ImGui may exist at a time (ImGui's backends are global). Not thread-safe:
// use it from the thread that created it (SDL wants events on that thread).
#pragma once

#include "being/gpu/context.h"

#include <vulkan/vulkan.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

union SDL_Event;
struct SDL_Window;

namespace being::gpu {
class Buffer;
}
namespace being::render {
class SplatRenderer;
}

namespace being::window {

// The window could not be made or can no longer be drawn to (no display, device lost, surface lost);
// the message says what happened and what to try.
class WindowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WindowOptions {
  std::string title = "Being";
  int width = 1280, height = 720;  // initial size in screen coordinates (ignored in full screen)
  bool fullscreen = false;         // desktop-sized full screen; F11 toggles
  bool resizable = true;
  bool vsync = true;               // FIFO: present() paces at the display rate. false: MAILBOX or IMMEDIATE
  bool imgui = true;               // create ImGui's context and its SDL2 and Vulkan backends
  // Device choice and validation; the window adds its instance extensions and surface.
  gpu::ContextOptions context = gpu::ContextOptions::from_environment();
};

// A frame on the GPU: `width` x `height` RGBA float32 pixels, row-major, in `buffer` (the layout of
// SplatRenderer::image()). Colours are display values (as written to 8-bit files) and premultiplied.
struct FrameImage {
  const gpu::Buffer* buffer = nullptr;
  int width = 0, height = 0;
  static FrameImage of(const render::SplatRenderer& renderer);
};

// A rectangle in window pixels (the swapchain's), top-left origin.
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

// The largest rectangle of the aspect ratio `width`:`height` centred in `area` (the bars left over
// stay the clear colour). Empty when any size is not positive.
Rect letterbox(int width, int height, const Rect& area);

struct PresentOptions {
  Rect viewport;                             // where the frame is fitted; empty: the whole window
  float clear_color[3] = {0.f, 0.f, 0.f};    // the bars and anything the frame does not cover
  // Called inside the window's render pass after the frame is drawn and before ImGui: the caller's
  // own draws (pipelines made with render_pass(), subpass 0).
  std::function<void(VkCommandBuffer)> draw;
};

struct PresentResult {
  bool presented = false;  // false: nothing shown this time (minimised, swapchain re-created)
  // When vkQueuePresentKHR returned: the frame is queued for the display's next refresh, which with
  // FIFO is at most one refresh later. Latency measurements use it as the photon time.
  std::chrono::steady_clock::time_point present_time{};
  Rect frame_rect;  // where the frame went, in window pixels
};

class Window {
 public:
  // Opens the window and its device. Throws WindowError when there is no display (DISPLAY unset,
  // no X server) or no Vulkan device can present to it.
  explicit Window(const WindowOptions& options = {});
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // The device the window presents with; render on it (gpu::Buffer, AvatarPlayer).
  gpu::Context& context() { return *context_; }
  SDL_Window* sdl_window() const { return window_; }

  // Handles every pending event: the window's own (close, resize, minimise, F11), then ImGui's
  // (when on), then the event handler's. False once the window was asked to close.
  bool poll_events();
  // Blocks up to `timeout_ms` for an event (e.g. while minimised), then does what poll_events does.
  bool wait_events(int timeout_ms);
  // Sees every event after the window and ImGui did (keys for the caller's toggles: check
  // ImGui::GetIO().WantCaptureKeyboard first when ImGui is on).
  void set_event_handler(std::function<void(const SDL_Event&)> handler) { handler_ = std::move(handler); }
  void request_close() { open_ = false; }

  void set_fullscreen(bool on);
  bool fullscreen() const { return fullscreen_; }
  bool minimised() const;
  // The swapchain's size in pixels (0 x 0 before the first frame or while minimised).
  VkExtent2D extent() const { return extent_; }
  VkFormat surface_format() const { return surface_format_; }
  VkPresentModeKHR present_mode() const { return present_mode_; }
  VkRenderPass render_pass() const { return render_pass_; }
  // Swapchain images; for ImGui's Vulkan backend and pipelines that care.
  std::uint32_t image_count() const { return static_cast<std::uint32_t>(images_.size()); }

  // Starts a frame: false when nothing can be drawn now (minimised or zero-sized; skip present()).
  // Otherwise the ImGui frame is open (when ImGui is on) until present().
  bool begin_frame();
  // Shows `frame` (nullptr: only the clear colour, the caller's draws and ImGui) and presents it;
  // waits until the GPU has read the frame's buffer, so the renderer may draw the next one.
  // Throws WindowError when the device or the surface is lost.
  PresentResult present(const FrameImage* frame, const PresentOptions& options = {});
  PresentResult present(const FrameImage& frame, const PresentOptions& options = {}) {
    return present(&frame, options);
  }

 private:
  void release();
  void create_swapchain();
  void destroy_swapchain_images();
  void ensure_source_image(int width, int height);
  void record(VkCommandBuffer cmd, std::uint32_t image_index, const FrameImage* frame,
              const PresentOptions& options, Rect& frame_rect);
  bool handle_event(const SDL_Event& event);
  void init_imgui();

  SDL_Window* window_ = nullptr;
  std::unique_ptr<gpu::Context> context_;
  bool sdl_started_ = false, open_ = true, fullscreen_ = false, vsync_ = true, imgui_ = false, imgui_frame_open_ = false;
  bool swapchain_stale_ = true;

  VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
  VkFormat surface_format_ = VK_FORMAT_UNDEFINED;
  VkColorSpaceKHR color_space_ = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  VkPresentModeKHR present_mode_ = VK_PRESENT_MODE_FIFO_KHR;
  VkExtent2D extent_{0, 0};
  std::vector<VkImage> images_;
  std::vector<VkImageView> views_;
  std::vector<VkFramebuffer> framebuffers_;
  std::vector<VkSemaphore> render_finished_;  // one per swapchain image
  VkRenderPass render_pass_ = VK_NULL_HANDLE;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer command_buffer_ = VK_NULL_HANDLE;
  VkSemaphore image_available_ = VK_NULL_HANDLE;
  VkFence frame_done_ = VK_NULL_HANDLE;
  VkDescriptorPool imgui_pool_ = VK_NULL_HANDLE;
  VkFilter blit_filter_ = VK_FILTER_LINEAR;

  // The frame as an image (copy source of the scaled blit), re-made when the frame size changes.
  VkImage source_ = VK_NULL_HANDLE;
  VkDeviceMemory source_memory_ = VK_NULL_HANDLE;
  int source_width_ = 0, source_height_ = 0;

  std::function<void(const SDL_Event&)> handler_;
};

enum class SwapchainState {
  usable,      // VK_SUCCESS
  suboptimal,  // works, but re-create it at the next frame (VK_SUBOPTIMAL_KHR)
  out_of_date, // cannot be used: re-create it now (VK_ERROR_OUT_OF_DATE_KHR)
};

// What a VkResult of acquiring or presenting means for the window; throws WindowError for a lost
// device or surface (with the remedy) and for any other error.
SwapchainState swapchain_state(VkResult result, const char* call);

}  // namespace being::window
