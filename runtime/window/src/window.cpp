#include "being/window/window.h"

#include "being/gpu/buffer.h"
#include "being/render/splat_renderer.h"

#include <SDL.h>
#include <SDL_vulkan.h>
#include <imgui.h>
#include <backends/imgui_impl_sdl.h>
#include <backends/imgui_impl_vulkan.h>

#include <algorithm>
#include <array>
#include <string>

namespace being::window {

namespace {

std::string result_text(VkResult result) {
  switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_SURFACE_LOST_KHR: return "VK_ERROR_SURFACE_LOST_KHR";
    case VK_ERROR_NATIVE_WINDOW_IN_USE_KHR: return "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR";
    case VK_ERROR_OUT_OF_DATE_KHR: return "VK_ERROR_OUT_OF_DATE_KHR";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    default: return "VkResult " + std::to_string(static_cast<int>(result));
  }
}

void check(VkResult result, const char* call) {
  if (result == VK_SUCCESS) return;
  if (result == VK_ERROR_DEVICE_LOST || result == VK_ERROR_SURFACE_LOST_KHR)
    swapchain_state(result, call);  // throws, with the remedy
  throw WindowError(std::string(call) + " failed: " + result_text(result));
}

void check_imgui(VkResult result) { check(result, "ImGui's Vulkan backend"); }

// The two-call Vulkan idiom: `query(&count, nullptr)`, then `query(&count, items)`.
template <typename T, typename Query>
std::vector<T> enumerate(Query query, const char* call) {
  std::uint32_t count = 0;
  check(query(&count, nullptr), call);
  std::vector<T> items(count);
  check(query(&count, items.data()), call);
  items.resize(count);
  return items;
}

void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                   VkAccessFlags src_access, VkAccessFlags dst_access, VkPipelineStageFlags src_stage,
                   VkPipelineStageFlags dst_stage) {
  VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  barrier.srcAccessMask = src_access;
  barrier.dstAccessMask = dst_access;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

// The swapchain format: 8-bit UNORM, because frames hold display values already (an sRGB format
// would encode them a second time); an sRGB one only where nothing else is offered.
VkSurfaceFormatKHR choose_format(VkPhysicalDevice physical, VkSurfaceKHR surface) {
  const auto formats = enumerate<VkSurfaceFormatKHR>(
      [&](std::uint32_t* count, VkSurfaceFormatKHR* items) {
        return vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, count, items);
      },
      "vkGetPhysicalDeviceSurfaceFormatsKHR");
  if (formats.empty()) throw WindowError("the window's surface offers no pixel format");
  for (VkFormat wanted : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM}) {
    for (const auto& f : formats)
      if (f.format == wanted && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) return f;
  }
  return formats.front();
}

VkPresentModeKHR choose_present_mode(VkPhysicalDevice physical, VkSurfaceKHR surface, bool vsync) {
  if (vsync) return VK_PRESENT_MODE_FIFO_KHR;  // always offered
  const auto modes = enumerate<VkPresentModeKHR>(
      [&](std::uint32_t* count, VkPresentModeKHR* items) {
        return vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, count, items);
      },
      "vkGetPhysicalDeviceSurfacePresentModesKHR");
  for (VkPresentModeKHR wanted : {VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR})
    if (std::find(modes.begin(), modes.end(), wanted) != modes.end()) return wanted;
  return VK_PRESENT_MODE_FIFO_KHR;
}

bool has_features(VkPhysicalDevice physical, VkFormat format, VkFormatFeatureFlags features) {
  VkFormatProperties properties;
  vkGetPhysicalDeviceFormatProperties(physical, format, &properties);
  return (properties.optimalTilingFeatures & features) == features;
}

const VkFormat source_format = VK_FORMAT_R32G32B32A32_SFLOAT;

}  // namespace

SwapchainState swapchain_state(VkResult result, const char* call) {
  switch (result) {
    case VK_SUCCESS: return SwapchainState::usable;
    case VK_SUBOPTIMAL_KHR: return SwapchainState::suboptimal;
    case VK_ERROR_OUT_OF_DATE_KHR: return SwapchainState::out_of_date;
    case VK_ERROR_DEVICE_LOST:
      throw WindowError(std::string(call) +
                        ": the Vulkan device was lost (VK_ERROR_DEVICE_LOST: a driver reset, a GPU "
                        "fault or a removed GPU); start again, and update the driver if it recurs");
    case VK_ERROR_SURFACE_LOST_KHR:
      throw WindowError(std::string(call) +
                        ": the window's surface was lost (VK_ERROR_SURFACE_LOST_KHR: the display or "
                        "its window went away); start again on a working display");
    default: throw WindowError(std::string(call) + " failed: " + result_text(result));
  }
}

Rect letterbox(int width, int height, const Rect& area) {
  if (width <= 0 || height <= 0 || area.width <= 0 || area.height <= 0) return {};
  Rect fit;
  // Compare width/height with area.width/area.height in integers (no rounding at exact ratios).
  if (static_cast<long long>(width) * area.height >= static_cast<long long>(area.width) * height) {
    fit.width = area.width;
    fit.height = std::max(1, static_cast<int>(static_cast<long long>(area.width) * height / width));
  } else {
    fit.height = area.height;
    fit.width = std::max(1, static_cast<int>(static_cast<long long>(area.height) * width / height));
  }
  fit.x = area.x + (area.width - fit.width) / 2;
  fit.y = area.y + (area.height - fit.height) / 2;
  return fit;
}

FrameImage FrameImage::of(const render::SplatRenderer& renderer) {
  return FrameImage{&renderer.image(), renderer.width(), renderer.height()};
}

Window::Window(const WindowOptions& options) : fullscreen_(options.fullscreen), vsync_(options.vsync) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    throw WindowError(std::string("cannot open a window: ") + SDL_GetError() +
                      " (is there a display? set DISPLAY, or run under Xvfb)");
  }
  sdl_started_ = true;
  try {
    // Without a display SDL falls back to drivers that cannot show anything.
    const std::string driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
    if (driver == "offscreen" || driver == "dummy") {
      throw WindowError("cannot open a window: no display found (SDL chose its " + driver +
                        " video driver); set DISPLAY or WAYLAND_DISPLAY, or run under Xvfb");
    }
    Uint32 flags = SDL_WINDOW_VULKAN | SDL_WINDOW_ALLOW_HIGHDPI;
    if (options.resizable) flags |= SDL_WINDOW_RESIZABLE;
    if (options.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    window_ = SDL_CreateWindow(options.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                               std::max(1, options.width), std::max(1, options.height), flags);
    if (!window_) {
      throw WindowError(std::string("cannot create a Vulkan window: ") + SDL_GetError() +
                        " (a Vulkan driver and libvulkan1 are needed)");
    }
    unsigned int count = 0;
    if (!SDL_Vulkan_GetInstanceExtensions(window_, &count, nullptr))
      throw WindowError(std::string("SDL_Vulkan_GetInstanceExtensions: ") + SDL_GetError());
    std::vector<const char*> names(count);
    SDL_Vulkan_GetInstanceExtensions(window_, &count, names.data());

    gpu::ContextOptions context_options = options.context;
    context_options.instance_extensions.insert(context_options.instance_extensions.end(), names.begin(),
                                               names.end());
    SDL_Window* window = window_;
    context_options.create_surface = [window](VkInstance instance) {
      VkSurfaceKHR surface = VK_NULL_HANDLE;
      if (!SDL_Vulkan_CreateSurface(window, instance, &surface))
        throw WindowError(std::string("SDL_Vulkan_CreateSurface: ") + SDL_GetError());
      return surface;
    };
    try {
      context_ = std::make_unique<gpu::Context>(context_options);
    } catch (const WindowError&) {
      throw;
    } catch (const std::exception& e) {
      throw WindowError(std::string("no Vulkan device can present to this window: ") + e.what());
    }

    const VkDevice device = context_->device();
    const VkSurfaceFormatKHR format = choose_format(context_->physical_device(), context_->surface());
    surface_format_ = format.format;
    color_space_ = format.colorSpace;
    present_mode_ = choose_present_mode(context_->physical_device(), context_->surface(), vsync_);
    if (!has_features(context_->physical_device(), surface_format_, VK_FORMAT_FEATURE_BLIT_DST_BIT) ||
        !has_features(context_->physical_device(), source_format, VK_FORMAT_FEATURE_BLIT_SRC_BIT)) {
      throw WindowError("Vulkan device " + context_->device_info().name +
                        " cannot blit float frames to the window's format; choose another device with "
                        "BEING_VULKAN_DEVICE=<index or name>");
    }
    if (!has_features(context_->physical_device(), source_format, VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT))
      blit_filter_ = VK_FILTER_NEAREST;

    // One pass over the swapchain image after the frame was blitted into it: the caller's draws and
    // ImGui, loaded (never cleared), left ready to present.
    VkAttachmentDescription attachment{};
    attachment.format = surface_format_;
    attachment.samples = VK_SAMPLE_COUNT_1_BIT;
    attachment.loadOp = VK_ATTACHMENT_LOAD_OP_LOAD;
    attachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    attachment.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    attachment.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    attachment.initialLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    attachment.finalLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    VkSubpassDependency after_blit{};
    after_blit.srcSubpass = VK_SUBPASS_EXTERNAL;
    after_blit.dstSubpass = 0;
    after_blit.srcStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT;
    after_blit.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    after_blit.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    after_blit.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    VkRenderPassCreateInfo pass_info{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    pass_info.attachmentCount = 1;
    pass_info.pAttachments = &attachment;
    pass_info.subpassCount = 1;
    pass_info.pSubpasses = &subpass;
    pass_info.dependencyCount = 1;
    pass_info.pDependencies = &after_blit;
    check(vkCreateRenderPass(device, &pass_info, nullptr, &render_pass_), "vkCreateRenderPass");

    VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool_info.queueFamilyIndex = context_->queue_family();
    check(vkCreateCommandPool(device, &pool_info, nullptr, &command_pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = command_pool_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(device, &alloc, &command_buffer_), "vkAllocateCommandBuffers");
    VkSemaphoreCreateInfo semaphore_info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    check(vkCreateSemaphore(device, &semaphore_info, nullptr, &image_available_), "vkCreateSemaphore");
    VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(vkCreateFence(device, &fence_info, nullptr, &frame_done_), "vkCreateFence");

    create_swapchain();
    if (options.imgui) init_imgui();
  } catch (...) {
    release();
    throw;
  }
}

Window::~Window() { release(); }

void Window::release() {
  if (context_) {
    const VkDevice device = context_->device();
    vkDeviceWaitIdle(device);
    if (imgui_) {
      ImGui_ImplVulkan_Shutdown();
      ImGui_ImplSDL2_Shutdown();
      ImGui::DestroyContext();
      imgui_ = false;
    }
    if (imgui_pool_) vkDestroyDescriptorPool(device, imgui_pool_, nullptr);
    destroy_swapchain_images();
    if (swapchain_) vkDestroySwapchainKHR(device, swapchain_, nullptr);
    if (source_) vkDestroyImage(device, source_, nullptr);
    if (source_memory_) vkFreeMemory(device, source_memory_, nullptr);
    if (frame_done_) vkDestroyFence(device, frame_done_, nullptr);
    if (image_available_) vkDestroySemaphore(device, image_available_, nullptr);
    if (command_pool_) vkDestroyCommandPool(device, command_pool_, nullptr);
    if (render_pass_) vkDestroyRenderPass(device, render_pass_, nullptr);
    imgui_pool_ = VK_NULL_HANDLE;
    swapchain_ = VK_NULL_HANDLE;
    source_ = VK_NULL_HANDLE;
    source_memory_ = VK_NULL_HANDLE;
    frame_done_ = VK_NULL_HANDLE;
    image_available_ = VK_NULL_HANDLE;
    command_pool_ = VK_NULL_HANDLE;
    render_pass_ = VK_NULL_HANDLE;
    context_.reset();  // destroys the surface before the window it belongs to
  }
  if (window_) {
    SDL_DestroyWindow(window_);
    window_ = nullptr;
  }
  if (sdl_started_) {
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    sdl_started_ = false;
  }
}

void Window::destroy_swapchain_images() {
  const VkDevice device = context_->device();
  for (VkFramebuffer f : framebuffers_) vkDestroyFramebuffer(device, f, nullptr);
  for (VkImageView v : views_) vkDestroyImageView(device, v, nullptr);
  for (VkSemaphore s : render_finished_) vkDestroySemaphore(device, s, nullptr);
  framebuffers_.clear();
  views_.clear();
  render_finished_.clear();
  images_.clear();
}

void Window::create_swapchain() {
  const VkDevice device = context_->device();
  const VkPhysicalDevice physical = context_->physical_device();
  VkSurfaceCapabilitiesKHR caps;
  check(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(physical, context_->surface(), &caps),
        "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
  VkExtent2D extent = caps.currentExtent;
  if (extent.width == UINT32_MAX) {  // the surface takes the swapchain's size: use the window's
    int w = 0, h = 0;
    SDL_Vulkan_GetDrawableSize(window_, &w, &h);
    extent.width = std::clamp(static_cast<std::uint32_t>(std::max(w, 0)), caps.minImageExtent.width, caps.maxImageExtent.width);
    extent.height = std::clamp(static_cast<std::uint32_t>(std::max(h, 0)), caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  if (extent.width == 0 || extent.height == 0) {  // minimised: keep the old swapchain until it shows again
    extent_ = {0, 0};
    return;
  }
  const VkImageUsageFlags usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  if ((caps.supportedUsageFlags & usage) != usage)
    throw WindowError("the window's surface cannot be a transfer destination; choose another Vulkan device");

  vkDeviceWaitIdle(device);
  destroy_swapchain_images();
  std::uint32_t image_count = std::max(caps.minImageCount + 1, 2u);
  if (caps.maxImageCount > 0) image_count = std::min(image_count, caps.maxImageCount);
  VkSwapchainCreateInfoKHR info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  info.surface = context_->surface();
  info.minImageCount = image_count;
  info.imageFormat = surface_format_;
  info.imageColorSpace = color_space_;
  info.imageExtent = extent;
  info.imageArrayLayers = 1;
  info.imageUsage = usage;
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = caps.currentTransform;
  info.compositeAlpha = (caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR)
                            ? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR
                            : static_cast<VkCompositeAlphaFlagBitsKHR>(caps.supportedCompositeAlpha & -caps.supportedCompositeAlpha);
  info.presentMode = present_mode_;
  info.clipped = VK_TRUE;
  info.oldSwapchain = swapchain_;
  VkSwapchainKHR created = VK_NULL_HANDLE;
  const VkResult result = vkCreateSwapchainKHR(device, &info, nullptr, &created);
  if (swapchain_) vkDestroySwapchainKHR(device, swapchain_, nullptr);
  swapchain_ = VK_NULL_HANDLE;
  swapchain_state(result, "vkCreateSwapchainKHR");
  swapchain_ = created;
  extent_ = extent;

  images_ = enumerate<VkImage>(
      [&](std::uint32_t* count, VkImage* items) { return vkGetSwapchainImagesKHR(device, swapchain_, count, items); },
      "vkGetSwapchainImagesKHR");
  for (VkImage image : images_) {
    VkImageViewCreateInfo view_info{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    view_info.image = image;
    view_info.viewType = VK_IMAGE_VIEW_TYPE_2D;
    view_info.format = surface_format_;
    view_info.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageView view = VK_NULL_HANDLE;
    check(vkCreateImageView(device, &view_info, nullptr, &view), "vkCreateImageView");
    views_.push_back(view);
    VkFramebufferCreateInfo fb_info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    fb_info.renderPass = render_pass_;
    fb_info.attachmentCount = 1;
    fb_info.pAttachments = &view;
    fb_info.width = extent.width;
    fb_info.height = extent.height;
    fb_info.layers = 1;
    VkFramebuffer framebuffer = VK_NULL_HANDLE;
    check(vkCreateFramebuffer(device, &fb_info, nullptr, &framebuffer), "vkCreateFramebuffer");
    framebuffers_.push_back(framebuffer);
    VkSemaphoreCreateInfo semaphore_info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VkSemaphore semaphore = VK_NULL_HANDLE;
    check(vkCreateSemaphore(device, &semaphore_info, nullptr, &semaphore), "vkCreateSemaphore");
    render_finished_.push_back(semaphore);
  }
  if (imgui_) ImGui_ImplVulkan_SetMinImageCount(std::max(2u, image_count));
  swapchain_stale_ = false;
}

void Window::init_imgui() {
  const VkDevice device = context_->device();
  // Generous for an overlay and an editor's panels: ImGui allocates one set per texture.
  const std::array<VkDescriptorPoolSize, 1> sizes{{{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 64}}};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pool_info.maxSets = 64;
  pool_info.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  pool_info.pPoolSizes = sizes.data();
  check(vkCreateDescriptorPool(device, &pool_info, nullptr, &imgui_pool_), "vkCreateDescriptorPool");

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini in the user's working directory
  ImGui::StyleColorsDark();
  imgui_ = true;
  ImGui_ImplSDL2_InitForVulkan(window_);
  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = context_->instance();
  info.PhysicalDevice = context_->physical_device();
  info.Device = device;
  info.QueueFamily = context_->queue_family();
  info.Queue = context_->queue();
  info.DescriptorPool = imgui_pool_;
  info.Subpass = 0;
  info.MinImageCount = 2;
  info.ImageCount = std::max<std::uint32_t>(2, image_count());
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.CheckVkResultFn = check_imgui;
  ImGui_ImplVulkan_Init(&info, render_pass_);
  context_->submit_and_wait([](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
  ImGui_ImplVulkan_DestroyFontUploadObjects();
}

bool Window::handle_event(const SDL_Event& event) {
  if (event.type == SDL_QUIT) open_ = false;
  if (event.type == SDL_WINDOWEVENT && event.window.windowID == SDL_GetWindowID(window_)) {
    switch (event.window.event) {
      case SDL_WINDOWEVENT_CLOSE: open_ = false; break;
      case SDL_WINDOWEVENT_RESIZED:
      case SDL_WINDOWEVENT_SIZE_CHANGED:
      case SDL_WINDOWEVENT_RESTORED:
      case SDL_WINDOWEVENT_MAXIMIZED: swapchain_stale_ = true; break;
      default: break;
    }
  }
  if (event.type == SDL_KEYDOWN && event.key.keysym.sym == SDLK_F11 && !event.key.repeat)
    set_fullscreen(!fullscreen_);
  return open_;
}

bool Window::poll_events() {
  SDL_Event event;
  while (SDL_PollEvent(&event)) {
    handle_event(event);
    if (imgui_) ImGui_ImplSDL2_ProcessEvent(&event);
    if (handler_) handler_(event);
  }
  return open_;
}

bool Window::wait_events(int timeout_ms) {
  SDL_Event event;
  if (SDL_WaitEventTimeout(&event, timeout_ms)) {
    handle_event(event);
    if (imgui_) ImGui_ImplSDL2_ProcessEvent(&event);
    if (handler_) handler_(event);
  }
  return poll_events();
}

void Window::set_fullscreen(bool on) {
  if (SDL_SetWindowFullscreen(window_, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0) return;  // stays as it was
  fullscreen_ = on;
  swapchain_stale_ = true;
}

bool Window::minimised() const { return (SDL_GetWindowFlags(window_) & SDL_WINDOW_MINIMIZED) != 0; }

bool Window::begin_frame() {
  if (minimised()) return false;
  if (swapchain_stale_ || !swapchain_) create_swapchain();
  if (extent_.width == 0 || extent_.height == 0) return false;
  if (imgui_ && !imgui_frame_open_) {
    ImGui_ImplVulkan_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGui::NewFrame();
    imgui_frame_open_ = true;
  }
  return true;
}

void Window::ensure_source_image(int width, int height) {
  if (source_ && source_width_ == width && source_height_ == height) return;
  const VkDevice device = context_->device();
  vkDeviceWaitIdle(device);
  if (source_) vkDestroyImage(device, source_, nullptr);
  if (source_memory_) vkFreeMemory(device, source_memory_, nullptr);
  source_ = VK_NULL_HANDLE;
  source_memory_ = VK_NULL_HANDLE;
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = source_format;
  info.extent = {static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height), 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  check(vkCreateImage(device, &info, nullptr, &source_), "vkCreateImage");
  VkMemoryRequirements requirements;
  vkGetImageMemoryRequirements(device, source_, &requirements);
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = requirements.size;
  alloc.memoryTypeIndex = context_->find_memory_type(requirements.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  check(vkAllocateMemory(device, &alloc, nullptr, &source_memory_), "vkAllocateMemory");
  check(vkBindImageMemory(device, source_, source_memory_, 0), "vkBindImageMemory");
  source_width_ = width;
  source_height_ = height;
}

void Window::record(VkCommandBuffer cmd, std::uint32_t image_index, const FrameImage* frame,
                    const PresentOptions& options, Rect& frame_rect) {
  const VkImage target = images_[image_index];
  image_barrier(cmd, target, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
                VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
  VkClearColorValue clear{};
  std::copy(options.clear_color, options.clear_color + 3, clear.float32);
  clear.float32[3] = 1.0f;
  const VkImageSubresourceRange whole{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdClearColorImage(cmd, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &clear, 1, &whole);

  const Rect window_rect{0, 0, static_cast<int>(extent_.width), static_cast<int>(extent_.height)};
  const Rect area = options.viewport.width > 0 && options.viewport.height > 0 ? options.viewport : window_rect;
  frame_rect = frame ? letterbox(frame->width, frame->height, area) : Rect{};
  if (frame_rect.width > 0) {
    // The renderer's last submission wrote the buffer (in a compute shader) and has finished.
    VkBufferMemoryBarrier written{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    written.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    written.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    written.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    written.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    written.buffer = frame->buffer->handle();
    written.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 1, &written, 0, nullptr);
    image_barrier(cmd, source_, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkBufferImageCopy copy{};
    copy.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.imageExtent = {static_cast<std::uint32_t>(frame->width), static_cast<std::uint32_t>(frame->height), 1};
    vkCmdCopyBufferToImage(cmd, frame->buffer->handle(), source_, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &copy);
    image_barrier(cmd, source_, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_PIPELINE_STAGE_TRANSFER_BIT);
    // The clear and the blit both write the target: order them.
    image_barrier(cmd, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkImageBlit blit{};
    blit.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    blit.srcOffsets[1] = {frame->width, frame->height, 1};
    blit.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    blit.dstOffsets[0] = {frame_rect.x, frame_rect.y, 0};
    blit.dstOffsets[1] = {frame_rect.x + frame_rect.width, frame_rect.y + frame_rect.height, 1};
    vkCmdBlitImage(cmd, source_, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   1, &blit, blit_filter_);
  }

  VkRenderPassBeginInfo pass{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  pass.renderPass = render_pass_;
  pass.framebuffer = framebuffers_[image_index];
  pass.renderArea.extent = extent_;
  vkCmdBeginRenderPass(cmd, &pass, VK_SUBPASS_CONTENTS_INLINE);
  if (options.draw) options.draw(cmd);
  if (imgui_) ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
  vkCmdEndRenderPass(cmd);
}

PresentResult Window::present(const FrameImage* frame, const PresentOptions& options) {
  PresentResult result;
  if (imgui_frame_open_) {
    ImGui::Render();  // closes the frame even when nothing is presented below
    imgui_frame_open_ = false;
  }
  if (swapchain_stale_ || !swapchain_ || extent_.width == 0 || extent_.height == 0 || minimised()) return result;
  if (frame && (!frame->buffer || frame->width <= 0 || frame->height <= 0 ||
                frame->buffer->size() < static_cast<VkDeviceSize>(frame->width) * frame->height * 4 * sizeof(float))) {
    throw std::invalid_argument("Window::present: the frame's buffer does not hold width x height RGBA floats");
  }
  if (frame) ensure_source_image(frame->width, frame->height);

  const VkDevice device = context_->device();
  std::uint32_t image_index = 0;
  const SwapchainState acquired = swapchain_state(
      vkAcquireNextImageKHR(device, swapchain_, UINT64_MAX, image_available_, VK_NULL_HANDLE, &image_index),
      "vkAcquireNextImageKHR");
  if (acquired == SwapchainState::out_of_date) {
    swapchain_stale_ = true;
    return result;
  }
  if (acquired == SwapchainState::suboptimal) swapchain_stale_ = true;  // still presentable this time

  check(vkResetCommandBuffer(command_buffer_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(command_buffer_, &begin), "vkBeginCommandBuffer");
  record(command_buffer_, image_index, frame, options, result.frame_rect);
  check(vkEndCommandBuffer(command_buffer_), "vkEndCommandBuffer");

  const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.waitSemaphoreCount = 1;
  submit.pWaitSemaphores = &image_available_;
  submit.pWaitDstStageMask = &wait_stage;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &command_buffer_;
  submit.signalSemaphoreCount = 1;
  submit.pSignalSemaphores = &render_finished_[image_index];
  check(vkResetFences(device, 1, &frame_done_), "vkResetFences");
  check(vkQueueSubmit(context_->queue(), 1, &submit, frame_done_), "vkQueueSubmit");

  VkPresentInfoKHR present{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
  present.waitSemaphoreCount = 1;
  present.pWaitSemaphores = &render_finished_[image_index];
  present.swapchainCount = 1;
  present.pSwapchains = &swapchain_;
  present.pImageIndices = &image_index;
  const SwapchainState presented = swapchain_state(vkQueuePresentKHR(context_->queue(), &present), "vkQueuePresentKHR");
  result.present_time = std::chrono::steady_clock::now();
  if (presented != SwapchainState::usable) swapchain_stale_ = true;
  // The next render may overwrite the frame's buffer, and the next present re-records this command
  // buffer: both need this frame's commands finished.
  check(vkWaitForFences(device, 1, &frame_done_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  result.presented = presented != SwapchainState::out_of_date;
  return result;
}

}  // namespace being::window
