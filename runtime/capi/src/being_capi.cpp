// The C API (runtime/include/being/being.h) over the runtime's C++ classes: handles that share
// ownership of what they use, argument checks, and the boundary where every exception becomes an
// error code and a per-thread message.
#define BEING_BUILDING_LIBRARY
#include "being/being.h"

#include "being/animate/live_expression.h"
#include "being/asset/avatar.h"
#include "being/audio/resampler.h"
#include "being/gpu/buffer.h"
#include "being/gpu/compute.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"
#include "being/shaders/pack_rgba8_comp.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

using namespace being;

namespace {

constexpr int kDefaultFps = 60;
constexpr int kMaxFps = 240;
constexpr int kMaxSide = 8192, kMinSide = 16;
constexpr std::uint32_t kMaxChannels = 16;

// A problem the C API itself finds in its arguments.
class ApiError : public std::runtime_error {
 public:
  ApiError(being_result code, const std::string& message) : std::runtime_error(message), code(code) {}
  being_result code;
};

thread_local std::string last_error;

being_result fail(being_result code, const char* function, const char* message) {
  try {
    last_error = std::string(function) + ": " + message;
  } catch (const std::bad_alloc&) {
    last_error.clear();  // no memory for the message; the code still says what happened
  }
  return code;
}

// Runs `body`, turning whatever it throws into an error code and being_last_error()'s message.
template <class Body>
being_result guard(const char* function, Body&& body) {
  try {
    body();
    return BEING_OK;
  } catch (const ApiError& e) {
    return fail(e.code, function, e.what());
  } catch (const asset::AssetError& e) {
    return fail(BEING_ERROR_INVALID_AVATAR, function, e.what());
  } catch (const player::PlayerError& e) {
    return fail(BEING_ERROR_UNSUPPORTED, function, e.what());
  } catch (const std::invalid_argument& e) {
    return fail(BEING_ERROR_INVALID_ARGUMENT, function, e.what());
  } catch (const std::bad_alloc&) {
    return fail(BEING_ERROR_OUT_OF_MEMORY, function, "out of memory");
  } catch (const std::logic_error& e) {
    return fail(BEING_ERROR_INTERNAL, function, e.what());
  } catch (const std::runtime_error& e) {
    // What remains are the Vulkan layer's failures: no driver or device, a failed call, a frame
    // that needs more than the device offers.
    return fail(BEING_ERROR_DEVICE, function, e.what());
  } catch (const std::exception& e) {
    return fail(BEING_ERROR_INTERNAL, function, e.what());
  } catch (...) {
    return fail(BEING_ERROR_INTERNAL, function, "an unknown exception");
  }
}

void require(bool condition, const std::string& message) {
  if (!condition) throw ApiError(BEING_ERROR_INVALID_ARGUMENT, message);
}

void require_version(std::uint32_t api_version, const char* what) {
  if (api_version != BEING_API_VERSION)
    throw ApiError(BEING_ERROR_UNSUPPORTED_VERSION,
                   std::string(what) + ".api_version is " + std::to_string(api_version) + "; this library speaks " +
                       std::to_string(BEING_API_VERSION) + " (set it to BEING_API_VERSION and rebuild against its being.h)");
}

struct ContextState {
  explicit ContextState(std::unique_ptr<gpu::Context> gpu) : gpu(std::move(gpu)) {}
  std::unique_ptr<gpu::Context> gpu;
  std::mutex queue;  // serialises the players' submissions (Context is not thread-safe)
};

}  // namespace

struct being_context {
  std::shared_ptr<ContextState> state;
};

struct being_avatar {
  std::shared_ptr<const asset::Avatar> avatar;
};

struct being_player {
  std::shared_ptr<ContextState> context;
  std::shared_ptr<const asset::Avatar> avatar;
  int fps = kDefaultFps;
  std::unique_ptr<player::AvatarPlayer> view;
  std::unique_ptr<animate::LiveExpression> live;  // null when the avatar cannot be driven by audio
  std::string no_audio;                           // why, when live is null
  std::unique_ptr<audio::Resampler> resampler;    // from the pushed rate to the avatar's
  std::vector<float> mono, resampled;
  std::vector<float> audio_code, set_code, shown_code;
  bool expression_set = false;
  // 8-bit image targets: the frame packed to RGBA8 or BGRA8 on the GPU (pack_rgba8.comp) before
  // the copy into the image. Made on first use.
  std::unique_ptr<gpu::ComputePipeline> pack;
  std::unique_ptr<gpu::DescriptorPool> pack_pool;
  gpu::Buffer packed;
  VkDescriptorSet pack_set = VK_NULL_HANDLE;
  VkBuffer pack_source = VK_NULL_HANDLE;  // the renderer's image buffer that pack_set reads

  std::size_t code_dim() const { return avatar->face.expression_dim(); }

  // Resamples and feeds mono audio to the live expression.
  void feed(const float* samples, std::size_t count) {
    if (!resampler) {
      live->push(samples, count);
      return;
    }
    resampled.clear();
    resampler->push(samples, count, resampled);
    live->push(resampled.data(), resampled.size());
  }

  // Brings audio_code to `frame`'s when its audio has arrived, else to the newest ready frame's.
  void advance_audio(int64_t frame) {
    if (!live) return;
    const int64_t ready = live->frames_ready();
    if (ready <= live->next_frame() || frame < live->next_frame()) return;
    if (frame >= ready - 1) {
      live->latest(audio_code.data());
      return;
    }
    while (live->next_frame() <= frame) live->next(audio_code.data());
  }

  // Renders `frame` with the code it shows; the caller holds the context's lock.
  void render(int64_t frame, bool read_back) {
    advance_audio(frame);
    shown_code = expression_set ? set_code : audio_code;
    render::FrameOptions options;
    options.read_back = read_back;
    view->render(frame, fps, shown_code.data(), options);
  }

  // The packing pass's buffers and descriptor set for the renderer's current image buffer.
  void prepare_packing() {
    const gpu::Context& gpu = *context->gpu;
    const gpu::Buffer& image = view->renderer().image();
    if (!pack) {
      pack = std::make_unique<gpu::ComputePipeline>(gpu, shaders::pack_rgba8_comp, 2, 2 * sizeof(std::uint32_t));
      packed = gpu::Buffer(gpu, static_cast<VkDeviceSize>(view->width()) * view->height() * 4,
                           VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, gpu::MemoryLocation::device);
    }
    if (pack_source != image.handle()) {
      pack_pool = std::make_unique<gpu::DescriptorPool>(gpu, 1, 2);
      pack_set = pack_pool->allocate(*pack, {&image, &packed});
      pack_source = image.handle();
    }
  }
};

namespace {

template <class Handle>
void require_handle(const Handle* handle, const char* name) {
  if (!handle) throw ApiError(BEING_ERROR_INVALID_ARGUMENT, std::string(name) + " is NULL");
}

template <class Out>
void require_out(Out** out, const char* name) {
  require(out != nullptr, std::string(name) + " (the output pointer) is NULL");
  *out = nullptr;
}

std::size_t bytes_per_pixel(being_pixel_format format) {
  switch (format) {
    case BEING_PIXEL_FORMAT_RGBA8: return 4;
    case BEING_PIXEL_FORMAT_RGBA32F: return 16;
  }
  throw ApiError(BEING_ERROR_INVALID_ARGUMENT, "format " + std::to_string(static_cast<int>(format)) +
                                                   " is not a being_pixel_format (use BEING_PIXEL_FORMAT_RGBA8 or _RGBA32F)");
}

// What an image format needs: a plain copy of the float pixels, or packing to 8 bits first.
enum class ImageFill { copy_float, pack_rgba, pack_bgra };

ImageFill fill_for(VkFormat format) {
  switch (format) {
    case VK_FORMAT_R32G32B32A32_SFLOAT: return ImageFill::copy_float;
    case VK_FORMAT_R8G8B8A8_UNORM:
    case VK_FORMAT_R8G8B8A8_SRGB: return ImageFill::pack_rgba;
    case VK_FORMAT_B8G8R8A8_UNORM:
    case VK_FORMAT_B8G8R8A8_SRGB: return ImageFill::pack_bgra;
    default:
      throw ApiError(BEING_ERROR_UNSUPPORTED, "target->format " + std::to_string(format) +
                                                  ": use VK_FORMAT_R32G32B32A32_SFLOAT, R8G8B8A8_UNORM/_SRGB or "
                                                  "B8G8R8A8_UNORM/_SRGB");
  }
}

// The copy of `frame` (the renderer's pixels, or their packed bytes) into the application's image,
// between the layout transitions the target asks for.
void record_image_copy(VkCommandBuffer cmd, const gpu::Buffer& frame, const being_vk_image_target& target) {
  const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  VkBufferMemoryBarrier written{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
  written.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  written.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  written.srcQueueFamilyIndex = written.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  written.buffer = frame.handle();
  written.size = VK_WHOLE_SIZE;
  VkImageMemoryBarrier to_transfer{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  // The application's earlier work on this queue may still read or write the image.
  to_transfer.srcAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  to_transfer.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  to_transfer.oldLayout = target.old_layout;
  to_transfer.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  to_transfer.srcQueueFamilyIndex = to_transfer.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  to_transfer.image = target.image;
  to_transfer.subresourceRange = range;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 1,
                       &written, 1, &to_transfer);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {target.width, target.height, 1};
  vkCmdCopyBufferToImage(cmd, frame.handle(), target.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
  VkImageMemoryBarrier to_final = to_transfer;
  to_final.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  to_final.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  to_final.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
  to_final.newLayout = target.new_layout;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 0, nullptr, 0,
                       nullptr, 1, &to_final);
}

}  // namespace

extern "C" {

uint32_t being_version(void) { return BEING_HEADER_VERSION; }

const char* being_last_error(void) { return last_error.c_str(); }

const char* being_result_name(being_result result) {
  switch (result) {
    case BEING_OK: return "BEING_OK";
    case BEING_ERROR_INVALID_ARGUMENT: return "BEING_ERROR_INVALID_ARGUMENT";
    case BEING_ERROR_UNSUPPORTED_VERSION: return "BEING_ERROR_UNSUPPORTED_VERSION";
    case BEING_ERROR_UNSUPPORTED: return "BEING_ERROR_UNSUPPORTED";
    case BEING_ERROR_INVALID_AVATAR: return "BEING_ERROR_INVALID_AVATAR";
    case BEING_ERROR_DEVICE: return "BEING_ERROR_DEVICE";
    case BEING_ERROR_OUT_OF_MEMORY: return "BEING_ERROR_OUT_OF_MEMORY";
    case BEING_ERROR_INTERNAL: return "BEING_ERROR_INTERNAL";
  }
  return "unknown being_result";
}

being_result being_context_create(const being_context_create_info* info, being_context** context) {
  return guard(__func__, [&] {
    require_out(context, "context");
    require_handle(info, "info");
    require_version(info->api_version, "being_context_create_info");
    gpu::ContextOptions options;
    options.validation = info->validation != 0;
    if (info->device_selector) options.device_selector = info->device_selector;
    auto state = std::make_shared<ContextState>(std::make_unique<gpu::Context>(options));
    *context = new being_context{std::move(state)};
  });
}

being_result being_context_wrap_vulkan(const being_vulkan_device* device, being_context** context) {
  return guard(__func__, [&] {
    require_out(context, "context");
    require_handle(device, "device");
    require_version(device->api_version, "being_vulkan_device");
    const gpu::ExternalDevice external{device->instance, device->physical_device, device->device, device->queue_family,
                                       device->queue};
    auto state = std::make_shared<ContextState>(std::make_unique<gpu::Context>(external));
    *context = new being_context{std::move(state)};
  });
}

being_result being_context_get_vulkan(const being_context* context, being_vulkan_device* device) {
  return guard(__func__, [&] {
    require_handle(context, "context");
    require_handle(device, "device");
    const gpu::Context& gpu = *context->state->gpu;
    *device = {BEING_API_VERSION, gpu.instance(), gpu.physical_device(), gpu.device(), gpu.queue_family(), gpu.queue()};
  });
}

void being_context_destroy(being_context* context) { delete context; }

being_result being_avatar_load(const char* path, being_avatar** avatar) {
  return guard(__func__, [&] {
    require_out(avatar, "avatar");
    require(path != nullptr, "path is NULL");
    *avatar = new being_avatar{std::make_shared<const asset::Avatar>(asset::read_avatar(path))};
  });
}

void being_avatar_destroy(being_avatar* avatar) { delete avatar; }

being_result being_avatar_expression_count(const being_avatar* avatar, uint32_t* count) {
  return guard(__func__, [&] {
    require_handle(avatar, "avatar");
    require(count != nullptr, "count is NULL");
    *count = static_cast<uint32_t>(avatar->avatar->face.expression_dim());
  });
}

being_result being_avatar_expression_name(const being_avatar* avatar, uint32_t index, const char** name) {
  return guard(__func__, [&] {
    require_out(name, "name");
    require_handle(avatar, "avatar");
    const auto& names = avatar->avatar->face.expression_names;
    require(index < names.size(), "index " + std::to_string(index) + " is out of range: the avatar has " +
                                      std::to_string(names.size()) + " expression weights");
    *name = names[index].c_str();
  });
}

being_result being_avatar_size(const being_avatar* avatar, uint32_t* width, uint32_t* height) {
  return guard(__func__, [&] {
    require_handle(avatar, "avatar");
    require(width && height, "width or height is NULL");
    *width = static_cast<uint32_t>(avatar->avatar->camera.width);
    *height = static_cast<uint32_t>(avatar->avatar->camera.height);
  });
}

being_result being_player_create(being_context* context, const being_avatar* avatar,
                                 const being_player_create_info* info, being_player** player) {
  return guard(__func__, [&] {
    require_out(player, "player");
    require_handle(context, "context");
    require_handle(avatar, "avatar");
    require_handle(info, "info");
    require_version(info->api_version, "being_player_create_info");
    for (const uint32_t side : {info->width, info->height})
      require(side == 0 || (side >= kMinSide && side <= kMaxSide),
              "frame size " + std::to_string(info->width) + "x" + std::to_string(info->height) +
                  ": use 16..8192 pixels per side, or 0 for the avatar camera's size");
    require(info->fps <= kMaxFps, "fps " + std::to_string(info->fps) + ": use 1..240, or 0 for 60");
    require(info->look_ahead_frames >= BEING_LOOK_AHEAD_NONE,
            "look_ahead_frames " + std::to_string(info->look_ahead_frames) + ": use 0 (the avatar's context), a "
                                                                            "positive count or BEING_LOOK_AHEAD_NONE");
    player::PlayerOptions look;
    look.width = static_cast<int>(info->width);
    look.height = static_cast<int>(info->height);
    switch (info->background) {
      case BEING_BACKGROUND_AUTO: look.background = player::Background::automatic; break;
      case BEING_BACKGROUND_PLATE: look.background = player::Background::plate; break;
      case BEING_BACKGROUND_COLOR: look.background = player::Background::solid; break;
      case BEING_BACKGROUND_TRANSPARENT: look.background = player::Background::transparent; break;
      default:
        throw ApiError(BEING_ERROR_INVALID_ARGUMENT, "background " + std::to_string(static_cast<int>(info->background)) +
                                                         " is not a being_background");
    }
    std::copy(info->color, info->color + 3, look.color);
    look.idle_motion = info->still == 0;

    auto made = std::make_unique<being_player>();
    made->context = context->state;
    made->avatar = avatar->avatar;
    made->fps = info->fps ? static_cast<int>(info->fps) : kDefaultFps;
    made->audio_code.assign(made->code_dim(), 0.0f);
    made->set_code = made->shown_code = made->audio_code;
    animate::LiveOptions live;
    live.fps = made->fps;
    live.look_ahead_frames = info->look_ahead_frames == 0 ? -1 : std::max(info->look_ahead_frames, 0);
    try {
      made->live = std::make_unique<animate::LiveExpression>(*made->avatar, live);
    } catch (const asset::AssetError& e) {
      made->no_audio = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(made->context->queue);
      made->view = std::make_unique<player::AvatarPlayer>(*made->context->gpu, *made->avatar, look);
    }
    *player = made.release();
  });
}

void being_player_destroy(being_player* player) {
  if (!player) return;
  const std::shared_ptr<ContextState> context = player->context;
  std::lock_guard<std::mutex> lock(context->queue);
  delete player;
}

being_result being_player_size(const being_player* player, uint32_t* width, uint32_t* height) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(width && height, "width or height is NULL");
    *width = static_cast<uint32_t>(player->view->width());
    *height = static_cast<uint32_t>(player->view->height());
  });
}

being_result being_player_push_audio(being_player* player, const float* samples, size_t frame_count,
                                     uint32_t sample_rate, uint32_t channels) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(samples != nullptr || frame_count == 0, "samples is NULL");
    require(channels >= 1 && channels <= kMaxChannels, "channels " + std::to_string(channels) + ": use 1..16");
    require(sample_rate >= 1000 && sample_rate <= 384000,
            "sample_rate " + std::to_string(sample_rate) + ": use 1000..384000 Hz");
    if (!player->live)
      throw ApiError(BEING_ERROR_UNSUPPORTED, "this avatar cannot be driven by audio (" + player->no_audio +
                                                  "); drive it with being_player_set_expression");
    const int rate = static_cast<int>(sample_rate);
    const int avatar_rate = player->live->sample_rate();
    const int current_rate = player->resampler ? player->resampler->input_rate() : avatar_rate;
    if (rate != current_rate && player->resampler) {
      player->resampled.clear();
      player->resampler->finish(player->resampled);
      player->live->push(player->resampled.data(), player->resampled.size());
      player->resampler.reset();
    }
    if (rate != avatar_rate && !player->resampler) player->resampler = std::make_unique<audio::Resampler>(rate, avatar_rate);
    player->mono.resize(frame_count);
    for (std::size_t i = 0; i < frame_count; ++i) {
      float sum = 0;
      for (std::uint32_t c = 0; c < channels; ++c) sum += samples[i * channels + c];
      player->mono[i] = sum / static_cast<float>(channels);
    }
    player->feed(player->mono.data(), player->mono.size());
  });
}

being_result being_player_frames_ready(const being_player* player, int64_t* frames) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(frames != nullptr, "frames is NULL");
    *frames = player->live ? player->live->frames_ready() : 0;
  });
}

being_result being_player_latency(const being_player* player, double* seconds) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(seconds != nullptr, "seconds is NULL");
    *seconds = player->live ? player->live->look_ahead_seconds() : 0.0;
  });
}

being_result being_player_set_expression(being_player* player, const float* weights, uint32_t count) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(weights != nullptr, "weights is NULL");
    require(count == player->code_dim(), "count is " + std::to_string(count) + " but the avatar has " +
                                             std::to_string(player->code_dim()) + " expression weights");
    player->set_code.assign(weights, weights + count);
    player->expression_set = true;
  });
}

being_result being_player_clear_expression(being_player* player) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    player->expression_set = false;
  });
}

being_result being_player_get_expression(const being_player* player, float* weights, uint32_t count) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(weights != nullptr, "weights is NULL");
    require(count == player->code_dim(), "count is " + std::to_string(count) + " but the avatar has " +
                                             std::to_string(player->code_dim()) + " expression weights");
    std::copy(player->shown_code.begin(), player->shown_code.end(), weights);
  });
}

being_result being_player_render_cpu(being_player* player, int64_t frame, void* pixels, size_t stride,
                                     size_t buffer_size, being_pixel_format format) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require(pixels != nullptr, "pixels is NULL");
    require(frame >= 0, "frame " + std::to_string(frame) + " is negative");
    const std::size_t width = static_cast<std::size_t>(player->view->width());
    const std::size_t height = static_cast<std::size_t>(player->view->height());
    const std::size_t row = width * bytes_per_pixel(format);
    require(stride >= row, "stride " + std::to_string(stride) + " is less than a row (" + std::to_string(row) + " bytes)");
    const std::size_t needed = stride * (height - 1) + row;
    require(buffer_size >= needed, "buffer_size " + std::to_string(buffer_size) + " is less than the " +
                                       std::to_string(needed) + " bytes a " + std::to_string(width) + "x" +
                                       std::to_string(height) + " frame needs at this stride");
    {
      std::lock_guard<std::mutex> lock(player->context->queue);
      player->render(frame, true);
    }
    const float* rgba = player->view->host_rgba();
    auto* out = static_cast<std::uint8_t*>(pixels);
    for (std::size_t y = 0; y < height; ++y) {
      const float* source = rgba + y * width * 4;
      if (format == BEING_PIXEL_FORMAT_RGBA8)
        player::to_rgba8_straight(source, width, out + y * stride);
      else
        std::memcpy(out + y * stride, source, row);
    }
  });
}

being_result being_player_render_vk_image(being_player* player, int64_t frame, const being_vk_image_target* target) {
  return guard(__func__, [&] {
    require_handle(player, "player");
    require_handle(target, "target");
    require_version(target->api_version, "being_vk_image_target");
    require(frame >= 0, "frame " + std::to_string(frame) + " is negative");
    require(target->image != VK_NULL_HANDLE, "target->image is VK_NULL_HANDLE");
    const ImageFill fill = fill_for(target->format);
    const auto width = static_cast<uint32_t>(player->view->width());
    const auto height = static_cast<uint32_t>(player->view->height());
    require(target->width == width && target->height == height,
            "the image is " + std::to_string(target->width) + "x" + std::to_string(target->height) + " but the player's frames are " +
                std::to_string(width) + "x" + std::to_string(height));
    require(target->new_layout != VK_IMAGE_LAYOUT_UNDEFINED && target->new_layout != VK_IMAGE_LAYOUT_PREINITIALIZED,
            "target->new_layout cannot be UNDEFINED or PREINITIALIZED");
    std::lock_guard<std::mutex> lock(player->context->queue);
    player->render(frame, false);
    if (fill == ImageFill::copy_float) {
      const gpu::Buffer& image = player->view->renderer().image();
      player->context->gpu->submit_and_wait([&](VkCommandBuffer cmd) { record_image_copy(cmd, image, *target); });
      return;
    }
    player->prepare_packing();
    const std::uint32_t push[2] = {width * height, fill == ImageFill::pack_bgra ? 1u : 0u};
    player->context->gpu->submit_and_wait([&](VkCommandBuffer cmd) {
      gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
      player->pack->dispatch(cmd, player->pack_set, push, sizeof(push), (push[0] + 255) / 256);
      record_image_copy(cmd, player->packed, *target);
    });
  });
}

}  // extern "C"
