// A minimal application that embeds Being through its C API (being.h). It owns its window (SDL2)
// and its Vulkan instance and device, draws its own scene (a background that slowly changes colour)
// into the swapchain image, and asks libbeing to render the talking avatar into a second image on
// the same device, which it blits into the scene before presenting. With --headless the scene is an
// offscreen image instead of the window (for machines without a display). With --output every frame
// is also read back and written as a PNG.
//
// The avatar speaks a synthetic voice that the application generates at 48 kHz stereo and pushes
// frame by frame (it does not play it), or, with --weights FILE, shows expression weights read per
// frame from a text file (one line per frame, one number per expression), as an application
// driving the avatar from its own face tracker would.
//
//   host_app AVATAR [--headless] [--frames N] [--fps F] [--size S] [--weights FILE] [--output frames/%05d.png]
#include <being/being.h>

#include <SDL.h>
#include <SDL_vulkan.h>
#include <vulkan/vulkan.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr uint32_t kMargin = 32;  // scene pixels around the avatar
constexpr uint32_t kAudioRate = 48000;

void vk(VkResult result, const char* what) {
  if (result != VK_SUCCESS) throw std::runtime_error(std::string(what) + " failed (VkResult " + std::to_string(result) + ")");
}

void being(being_result result, const char* what) {
  if (result != BEING_OK)
    throw std::runtime_error(std::string(what) + ": " + being_result_name(result) + ": " + being_last_error());
}

struct Options {
  std::string avatar, weights, output;
  bool headless = false;
  int frames = 250;
  uint32_t fps = 25, size = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--headless") o.headless = true;
    else if (arg == "--frames") o.frames = std::stoi(value());
    else if (arg == "--fps") o.fps = static_cast<uint32_t>(std::stoul(value()));
    else if (arg == "--size") o.size = static_cast<uint32_t>(std::stoul(value()));
    else if (arg == "--weights") o.weights = value();
    else if (arg == "--output") o.output = value();
    else if (o.avatar.empty() && arg[0] != '-') o.avatar = arg;
    else throw std::runtime_error("unknown argument " + arg);
  }
  if (o.avatar.empty())
    throw std::runtime_error("usage: host_app AVATAR [--headless] [--frames N] [--fps F] [--size S] [--weights FILE] "
                             "[--output PATTERN.png]");
  return o;
}

// The application's own Vulkan objects: what any renderer or engine already has.
struct Gpu {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  uint32_t family = 0;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;

  VkSurfaceKHR surface = VK_NULL_HANDLE;  // the window's, or none when headless

  explicit Gpu(SDL_Window* window) {
    std::vector<const char*> extensions;
    if (window) {
      unsigned count = 0;
      SDL_Vulkan_GetInstanceExtensions(window, &count, nullptr);
      extensions.resize(count);
      if (!SDL_Vulkan_GetInstanceExtensions(window, &count, extensions.data()))
        throw std::runtime_error(std::string("SDL_Vulkan_GetInstanceExtensions: ") + SDL_GetError());
    }
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "being host_app example";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    vk(vkCreateInstance(&info, nullptr, &instance), "vkCreateInstance");
    if (window && !SDL_Vulkan_CreateSurface(window, instance, &surface))
      throw std::runtime_error(std::string("SDL_Vulkan_CreateSurface: ") + SDL_GetError());
    uint32_t count = 0;
    vkEnumeratePhysicalDevices(instance, &count, nullptr);
    std::vector<VkPhysicalDevice> devices(count);
    vkEnumeratePhysicalDevices(instance, &count, devices.data());
    // The first discrete GPU, else the first device (lavapipe in CI) with a graphics+compute queue
    // (that can present to the window).
    for (VkPhysicalDevice candidate : devices) {
      VkPhysicalDeviceProperties props;
      vkGetPhysicalDeviceProperties(candidate, &props);
      uint32_t families = 0;
      vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families, nullptr);
      std::vector<VkQueueFamilyProperties> properties(families);
      vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families, properties.data());
      for (uint32_t f = 0; f < families; ++f) {
        const VkQueueFlags both = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
        if ((properties[f].queueFlags & both) != both || props.apiVersion < VK_API_VERSION_1_2) continue;
        VkBool32 presents = VK_TRUE;
        if (surface) vkGetPhysicalDeviceSurfaceSupportKHR(candidate, f, surface, &presents);
        if (!presents) continue;
        if (!physical || props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) {
          physical = candidate;
          family = f;
        }
        break;
      }
    }
    if (!physical) throw std::runtime_error("no Vulkan 1.2 device with a graphics+compute queue that can show the scene");
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queue_info.queueFamilyIndex = family;
    queue_info.queueCount = 1;
    queue_info.pQueuePriorities = &priority;
    VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    device_info.queueCreateInfoCount = 1;
    device_info.pQueueCreateInfos = &queue_info;
    const char* swapchain_extension = VK_KHR_SWAPCHAIN_EXTENSION_NAME;
    if (surface) {
      device_info.enabledExtensionCount = 1;
      device_info.ppEnabledExtensionNames = &swapchain_extension;
    }
    vk(vkCreateDevice(physical, &device_info, nullptr, &device), "vkCreateDevice");
    vkGetDeviceQueue(device, family, 0, &queue);
    VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool_info.queueFamilyIndex = family;
    vk(vkCreateCommandPool(device, &pool_info, nullptr, &pool), "vkCreateCommandPool");
    VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    vk(vkCreateFence(device, &fence_info, nullptr, &fence), "vkCreateFence");
  }
  ~Gpu() {
    vkDestroyFence(device, fence, nullptr);
    vkDestroyCommandPool(device, pool, nullptr);
    vkDestroyDevice(device, nullptr);
    if (surface) vkDestroySurfaceKHR(instance, surface, nullptr);
    vkDestroyInstance(instance, nullptr);
  }

  uint32_t memory_type(uint32_t bits, VkMemoryPropertyFlags flags) const {
    VkPhysicalDeviceMemoryProperties memory;
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);
    for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
      if ((bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & flags) == flags) return i;
    throw std::runtime_error("no suitable Vulkan memory type");
  }

  VkDeviceMemory allocate(VkMemoryRequirements needs, VkMemoryPropertyFlags flags) const {
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = needs.size;
    alloc.memoryTypeIndex = memory_type(needs.memoryTypeBits, flags);
    VkDeviceMemory memory = VK_NULL_HANDLE;
    vk(vkAllocateMemory(device, &alloc, nullptr, &memory), "vkAllocateMemory");
    return memory;
  }

  void require_format(VkFormat format, VkFormatFeatureFlags features, const char* name) const {
    VkFormatProperties props;
    vkGetPhysicalDeviceFormatProperties(physical, format, &props);
    if ((props.optimalTilingFeatures & features) != features)
      throw std::runtime_error(std::string("the device cannot blit ") + name + " images");
  }
};

struct Image {
  const Gpu& gpu;
  VkImage image = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;

  Image(const Gpu& g, VkFormat format, uint32_t width, uint32_t height) : gpu(g) {
    VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
    info.imageType = VK_IMAGE_TYPE_2D;
    info.format = format;
    info.extent = {width, height, 1};
    info.mipLevels = info.arrayLayers = 1;
    info.samples = VK_SAMPLE_COUNT_1_BIT;
    info.tiling = VK_IMAGE_TILING_OPTIMAL;
    info.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
    vk(vkCreateImage(gpu.device, &info, nullptr, &image), "vkCreateImage");
    VkMemoryRequirements needs;
    vkGetImageMemoryRequirements(gpu.device, image, &needs);
    memory = gpu.allocate(needs, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    vk(vkBindImageMemory(gpu.device, image, memory, 0), "vkBindImageMemory");
  }
  ~Image() {
    vkDestroyImage(gpu.device, image, nullptr);
    vkFreeMemory(gpu.device, memory, nullptr);
  }
};

// The window's swapchain: the images the scene is drawn into (by transfers only) and presented.
struct Swapchain {
  const Gpu& gpu;
  VkSwapchainKHR swapchain = VK_NULL_HANDLE;
  VkFormat format = VK_FORMAT_UNDEFINED;
  VkExtent2D extent{};
  std::vector<VkImage> images;
  VkSemaphore acquired = VK_NULL_HANDLE, drawn = VK_NULL_HANDLE;

  Swapchain(const Gpu& g, uint32_t width, uint32_t height) : gpu(g) {
    VkSurfaceCapabilitiesKHR caps;
    vk(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(gpu.physical, gpu.surface, &caps), "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
    const VkImageUsageFlags usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
    if ((caps.supportedUsageFlags & usage) != usage)
      throw std::runtime_error("the window's images cannot be copied to and from; run with --headless");
    extent = caps.currentExtent.width == UINT32_MAX ? VkExtent2D{width, height} : caps.currentExtent;
    if (extent.width < width || extent.height < height)
      throw std::runtime_error("the window is " + std::to_string(extent.width) + "x" + std::to_string(extent.height) +
                               ", smaller than the scene");
    uint32_t count = 0;
    vkGetPhysicalDeviceSurfaceFormatsKHR(gpu.physical, gpu.surface, &count, nullptr);
    std::vector<VkSurfaceFormatKHR> formats(count);
    vkGetPhysicalDeviceSurfaceFormatsKHR(gpu.physical, gpu.surface, &count, formats.data());
    // 8-bit UNORM: Being's pixels are display values already, which an sRGB format would encode again.
    for (const auto& f : formats)
      if ((f.format == VK_FORMAT_B8G8R8A8_UNORM || f.format == VK_FORMAT_R8G8B8A8_UNORM) && format == VK_FORMAT_UNDEFINED)
        format = f.format;
    if (format == VK_FORMAT_UNDEFINED) throw std::runtime_error("the window offers no 8-bit UNORM format; run with --headless");
    gpu.require_format(format, VK_FORMAT_FEATURE_BLIT_DST_BIT, "to the window's format");
    VkSwapchainCreateInfoKHR info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
    info.surface = gpu.surface;
    info.minImageCount = caps.maxImageCount ? std::min(caps.minImageCount + 1, caps.maxImageCount) : caps.minImageCount + 1;
    info.imageFormat = format;
    info.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    info.imageExtent = extent;
    info.imageArrayLayers = 1;
    info.imageUsage = usage;
    info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
    info.preTransform = caps.currentTransform;
    info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
    info.presentMode = VK_PRESENT_MODE_FIFO_KHR;  // always offered
    info.clipped = VK_TRUE;
    vk(vkCreateSwapchainKHR(gpu.device, &info, nullptr, &swapchain), "vkCreateSwapchainKHR");
    vkGetSwapchainImagesKHR(gpu.device, swapchain, &count, nullptr);
    images.resize(count);
    vkGetSwapchainImagesKHR(gpu.device, swapchain, &count, images.data());
    VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    vk(vkCreateSemaphore(gpu.device, &semaphore, nullptr, &acquired), "vkCreateSemaphore");
    vk(vkCreateSemaphore(gpu.device, &semaphore, nullptr, &drawn), "vkCreateSemaphore");
  }
  ~Swapchain() {
    vkDestroySemaphore(gpu.device, acquired, nullptr);
    vkDestroySemaphore(gpu.device, drawn, nullptr);
    vkDestroySwapchainKHR(gpu.device, swapchain, nullptr);
  }
};

// The SDL window (none when headless).
struct Window {
  SDL_Window* window = nullptr;

  Window(bool headless, uint32_t width, uint32_t height) {
    if (headless) return;
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
      throw std::runtime_error(std::string("SDL_Init: ") + SDL_GetError() + " (no display? run with --headless)");
    window = SDL_CreateWindow("Being host_app", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, int(width), int(height),
                              SDL_WINDOW_VULKAN);
    if (!window) throw std::runtime_error(std::string("SDL_CreateWindow: ") + SDL_GetError());
  }
  ~Window() {
    if (!window) return;
    SDL_DestroyWindow(window);
    SDL_Quit();
  }
  // False once the user closed the window.
  bool open() const {
    SDL_Event event;
    while (SDL_PollEvent(&event))
      if (event.type == SDL_QUIT) return false;
    return true;
  }
};

// Host-visible memory that frames are read back into.
struct Readback {
  const Gpu& gpu;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  void* mapped = nullptr;

  Readback(const Gpu& g, VkDeviceSize bytes) : gpu(g) {
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = bytes;
    info.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    vk(vkCreateBuffer(gpu.device, &info, nullptr, &buffer), "vkCreateBuffer");
    VkMemoryRequirements needs;
    vkGetBufferMemoryRequirements(gpu.device, buffer, &needs);
    memory = gpu.allocate(needs, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    vk(vkBindBufferMemory(gpu.device, buffer, memory, 0), "vkBindBufferMemory");
    vk(vkMapMemory(gpu.device, memory, 0, bytes, 0, &mapped), "vkMapMemory");
  }
  ~Readback() {
    vkDestroyBuffer(gpu.device, buffer, nullptr);
    vkFreeMemory(gpu.device, memory, nullptr);
  }
};

// Libbeing's handles, destroyed before the device (declared after it).
template <class T, void (*destroy)(T*)>
struct Destroy {
  void operator()(T* handle) const { destroy(handle); }
};
using Context = std::unique_ptr<being_context, Destroy<being_context, being_context_destroy>>;
using Avatar = std::unique_ptr<being_avatar, Destroy<being_avatar, being_avatar_destroy>>;
using Player = std::unique_ptr<being_player, Destroy<being_player, being_player_destroy>>;

void transition(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to, VkAccessFlags src,
                VkAccessFlags dst) {
  VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  barrier.srcAccessMask = src;
  barrier.dstAccessMask = dst;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0, nullptr,
                       1, &barrier);
}

// The voice: 180 Hz with two harmonics, in syllables of 0.3 s with 0.2 s pauses.
float voice(double t) {
  if (std::fmod(t, 0.5) >= 0.3) return 0.0f;
  const double w = 2 * M_PI * 180 * t;
  return static_cast<float>(0.3 * std::sin(w) + 0.1 * std::sin(2 * w) + 0.05 * std::sin(3 * w));
}

std::vector<std::vector<float>> read_weights(const std::string& path, uint32_t count) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<float>> frames;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream values(line);
    std::vector<float> weights;
    float w;
    while (values >> w) weights.push_back(w);
    if (weights.size() != count)
      throw std::runtime_error(path + " line " + std::to_string(frames.size() + 1) + ": expected " + std::to_string(count) +
                               " weights, got " + std::to_string(weights.size()));
    frames.push_back(weights);
  }
  return frames;
}

int run(const Options& options) {
  // The avatar's size decides the window's, so read it first.
  being_avatar* made_avatar = nullptr;
  being(being_avatar_load(options.avatar.c_str(), &made_avatar), "being_avatar_load");
  const Avatar avatar(made_avatar);
  uint32_t width = options.size, height = options.size, count = 0;
  if (!options.size) being(being_avatar_size(avatar.get(), &width, &height), "being_avatar_size");
  being(being_avatar_expression_count(avatar.get(), &count), "being_avatar_expression_count");
  const auto weights = options.weights.empty() ? std::vector<std::vector<float>>{} : read_weights(options.weights, count);
  const uint32_t scene_width = width + 2 * kMargin, scene_height = height + 2 * kMargin;

  const Window window(options.headless, scene_width, scene_height);
  Gpu gpu(window.window);
  gpu.require_format(VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_FEATURE_BLIT_SRC_BIT, "from RGBA32F");
  std::unique_ptr<Swapchain> swapchain;
  std::unique_ptr<Image> offscreen;
  if (window.window) {
    swapchain = std::make_unique<Swapchain>(gpu, scene_width, scene_height);
  } else {
    gpu.require_format(VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_FEATURE_BLIT_DST_BIT, "to RGBA8");
    offscreen = std::make_unique<Image>(gpu, VK_FORMAT_R8G8B8A8_UNORM, scene_width, scene_height);
  }
  const VkExtent2D extent = swapchain ? swapchain->extent : VkExtent2D{scene_width, scene_height};
  const bool bgra = swapchain && swapchain->format == VK_FORMAT_B8G8R8A8_UNORM;

  // Libbeing renders on the application's device and queue.
  being_vulkan_device shared{BEING_API_VERSION, gpu.instance, gpu.physical, gpu.device, gpu.family, gpu.queue};
  being_context* made_context = nullptr;
  being(being_context_wrap_vulkan(&shared, &made_context), "being_context_wrap_vulkan");
  const Context context(made_context);
  being_player_create_info info{};
  info.api_version = BEING_API_VERSION;
  info.width = width;
  info.height = height;
  info.fps = options.fps;
  being_player* made_player = nullptr;
  being(being_player_create(context.get(), avatar.get(), &info, &made_player), "being_player_create");
  const Player player(made_player);
  double latency = 0;
  being(being_player_latency(player.get(), &latency), "being_player_latency");

  const Image head(gpu, VK_FORMAT_R32G32B32A32_SFLOAT, width, height);
  const VkDeviceSize scene_bytes = VkDeviceSize{extent.width} * extent.height * 4;
  const Readback readback(gpu, scene_bytes);
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = gpu.pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  vk(vkAllocateCommandBuffers(gpu.device, &alloc, &cmd), "vkAllocateCommandBuffers");

  std::printf("avatar rectangle in the scene: %u %u %u %u\n", kMargin, kMargin, width, height);
  std::printf("%s; driven by %s; look-ahead latency %.3f s\n", swapchain ? "window" : "headless",
              weights.empty() ? "a synthetic 48 kHz stereo voice" : "weights", latency);
  std::vector<float> stereo;
  std::vector<std::uint8_t> pixels(scene_bytes);
  const auto start = std::chrono::steady_clock::now();
  int frame = 0;
  for (; frame < options.frames && window.open(); ++frame) {
    if (!weights.empty()) {
      const auto& w = weights[std::min<std::size_t>(frame, weights.size() - 1)];
      being(being_player_set_expression(player.get(), w.data(), count), "being_player_set_expression");
    } else {
      // The audio of this frame's duration, as a sound card callback would deliver it.
      const uint64_t from = uint64_t(frame) * kAudioRate / options.fps, to = uint64_t(frame + 1) * kAudioRate / options.fps;
      stereo.clear();
      for (uint64_t i = from; i < to; ++i) stereo.insert(stereo.end(), 2, voice(double(i) / kAudioRate));
      being(being_player_push_audio(player.get(), stereo.data(), to - from, kAudioRate, 2), "being_player_push_audio");
    }

    // 1. The avatar into the application's image (synchronous: done when the call returns).
    being_vk_image_target target{};
    target.api_version = BEING_API_VERSION;
    target.image = head.image;
    target.format = VK_FORMAT_R32G32B32A32_SFLOAT;
    target.width = width;
    target.height = height;
    target.old_layout = VK_IMAGE_LAYOUT_UNDEFINED;
    target.new_layout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    being(being_player_render_vk_image(player.get(), frame, &target), "being_player_render_vk_image");

    // 2. The application's scene: its background, the avatar blitted in, read back, presented.
    uint32_t index = 0;
    if (swapchain)
      vk(vkAcquireNextImageKHR(gpu.device, swapchain->swapchain, UINT64_MAX, swapchain->acquired, VK_NULL_HANDLE, &index),
         "vkAcquireNextImageKHR");
    const VkImage scene = swapchain ? swapchain->images[index] : offscreen->image;
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vk(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
    transition(cmd, scene, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0, VK_ACCESS_TRANSFER_WRITE_BIT);
    const float hue = float(frame) / float(options.fps);
    const VkClearColorValue background{{0.5f + 0.4f * std::sin(hue), 0.3f, 0.5f + 0.4f * std::cos(hue), 1.0f}};
    const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdClearColorImage(cmd, scene, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &background, 1, &range);
    transition(cmd, scene, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
               VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    VkImageBlit blit{};
    blit.srcSubresource = blit.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    blit.srcOffsets[1] = {int32_t(width), int32_t(height), 1};
    blit.dstOffsets[0] = {int32_t(kMargin), int32_t(kMargin), 0};
    blit.dstOffsets[1] = {int32_t(kMargin + width), int32_t(kMargin + height), 1};
    vkCmdBlitImage(cmd, head.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, scene, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1,
                   &blit, VK_FILTER_NEAREST);
    transition(cmd, scene, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
               VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    VkBufferImageCopy copy{};
    copy.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.imageExtent = {extent.width, extent.height, 1};
    vkCmdCopyImageToBuffer(cmd, scene, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.buffer, 1, &copy);
    if (swapchain)
      transition(cmd, scene, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                 VK_ACCESS_TRANSFER_READ_BIT, 0);
    VkBufferMemoryBarrier to_host{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    to_host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    to_host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    to_host.srcQueueFamilyIndex = to_host.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    to_host.buffer = readback.buffer;
    to_host.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, nullptr, 1, &to_host, 0,
                         nullptr);
    vk(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &cmd;
    const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
    if (swapchain) {
      submit.waitSemaphoreCount = 1;
      submit.pWaitSemaphores = &swapchain->acquired;
      submit.pWaitDstStageMask = &wait_stage;
      submit.signalSemaphoreCount = 1;
      submit.pSignalSemaphores = &swapchain->drawn;
    }
    vk(vkResetFences(gpu.device, 1, &gpu.fence), "vkResetFences");
    vk(vkQueueSubmit(gpu.queue, 1, &submit, gpu.fence), "vkQueueSubmit");
    if (swapchain) {
      VkPresentInfoKHR present{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
      present.waitSemaphoreCount = 1;
      present.pWaitSemaphores = &swapchain->drawn;
      present.swapchainCount = 1;
      present.pSwapchains = &swapchain->swapchain;
      present.pImageIndices = &index;
      vk(vkQueuePresentKHR(gpu.queue, &present), "vkQueuePresentKHR");
    }
    vk(vkWaitForFences(gpu.device, 1, &gpu.fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");

    if (!options.output.empty()) {
      std::memcpy(pixels.data(), readback.mapped, scene_bytes);
      if (bgra)
        for (std::size_t i = 0; i < pixels.size(); i += 4) std::swap(pixels[i], pixels[i + 2]);
      std::vector<char> name(options.output.size() + 32);
      std::snprintf(name.data(), name.size(), options.output.c_str(), frame);
      if (!stbi_write_png(name.data(), int(extent.width), int(extent.height), 4, pixels.data(), int(extent.width * 4)))
        throw std::runtime_error(std::string("cannot write ") + name.data());
    }
    // A window shows frame i at time i / fps.
    if (swapchain) std::this_thread::sleep_until(start + std::chrono::duration<double>(double(frame + 1) / options.fps));
  }
  vk(vkQueueWaitIdle(gpu.queue), "vkQueueWaitIdle");  // the last present is done with the semaphores
  std::printf("rendered %d frames of %ux%u\n", frame, extent.width, extent.height);
  vkFreeCommandBuffers(gpu.device, gpu.pool, 1, &cmd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "host_app: %s\n", e.what());
    return 1;
  }
}
