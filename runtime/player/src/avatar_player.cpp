#include "being/player/avatar_player.h"

#include "being/animate/pose.h"
#ifdef BEING_PLAYER_CUDA
#include "being/interop/cuda_deformation.h"
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <memory>
#include <map>
#include <mutex>
#include <regex>
#include <tuple>

namespace being::player {
namespace {

constexpr std::size_t kPlateCacheBytes = std::size_t(512) << 20;

// Whether this player deforms on CUDA (decided before the renderer exists: its buffers must then be
// shareable).
bool use_cuda(const gpu::Context& context, Deformation deformation) {
#ifdef BEING_PLAYER_CUDA
  if (deformation == Deformation::cpu) return false;
  const bool available = interop::available(context);
  if (deformation == Deformation::cuda && !available)
    throw PlayerError("CUDA deformation: the Vulkan device " + context.device_info().name +
                      " cannot share memory with a CUDA device of this process; use the CPU deformation");
  return available;
#else
  if (deformation == Deformation::cuda)
    throw PlayerError("CUDA deformation: this build has no CUDA interop (configure with CUDA); use the CPU deformation");
  return false;
#endif
}

render::RendererSettings renderer_settings(const gpu::Context& context, const PlayerOptions& options) {
  render::RendererSettings settings = options.renderer;
  settings.external_geometry = use_cuda(context, options.deformation);
  return settings;
}

// Round half up without lround's library call: this runs for every channel of every encoded frame.
std::uint8_t to_byte(float v) { return static_cast<std::uint8_t>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); }

// Decodes plate `f` to RGB8 at the output size (bilinear when the sizes differ).
void decode_plate(const asset::Plate& plate, std::size_t f, int width, int height, std::vector<std::uint8_t>& out) {
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(plate.bytes.data(), static_cast<int>(plate.bytes.size()), &w, &h, &channels, 3), stbi_image_free);
  if (!pixels) throw PlayerError("idle.plates[" + std::to_string(f) + "]: cannot decode the image (" + stbi_failure_reason() + ")");
  out.resize(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    const double sy = std::clamp((y + 0.5) * h / height - 0.5, 0.0, h - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, h - 1);
    const double fy = sy - y0;
    for (int x = 0; x < width; ++x) {
      const double sx = std::clamp((x + 0.5) * w / width - 0.5, 0.0, w - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, w - 1);
      const double fx = sx - x0;
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int xx, int yy) { return double(pixels.get()[(static_cast<std::size_t>(yy) * w + xx) * 3 + c]); };
        const double v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
        out[(static_cast<std::size_t>(y) * width + x) * 3 + c] = static_cast<std::uint8_t>(std::lround(v));
      }
    }
  }
}

// A plate decoded at an output size, shared by every player of the same avatar at that size (the
// sessions of `being serve` hold one copy, not one each) and freed with the last player holding it.
// Keyed by the address of the plate's bytes, which the avatar keeps alive and unchanged for as long
// as any of its players exists.
std::shared_ptr<const std::vector<std::uint8_t>> shared_plate(const asset::Plate& plate, std::size_t f, int width, int height) {
  using Key = std::tuple<const void*, int, int>;
  static std::mutex mutex;
  static std::map<Key, std::weak_ptr<const std::vector<std::uint8_t>>> plates;
  const std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<const std::vector<std::uint8_t>>& slot = plates[Key{plate.bytes.data(), width, height}];
  if (auto kept = slot.lock()) return kept;
  auto decoded = std::make_shared<std::vector<std::uint8_t>>();
  decode_plate(plate, f, width, height, *decoded);
  slot = decoded;
  for (auto it = plates.begin(); it != plates.end();) it = it->second.expired() ? plates.erase(it) : std::next(it);
  return decoded;
}

}  // namespace

std::string parse_background(const std::string& text, PlayerOptions& options) {
  static const std::regex colour("#[0-9a-fA-F]{6}");
  if (text == "plate") {
    options.background = Background::plate;
  } else if (text == "transparent") {
    options.background = Background::transparent;
  } else if (std::regex_match(text, colour)) {
    const unsigned rgb = static_cast<unsigned>(std::stoul(text.substr(1), nullptr, 16));
    options.background = Background::solid;
    options.color[0] = ((rgb >> 16) & 255) / 255.0f;
    options.color[1] = ((rgb >> 8) & 255) / 255.0f;
    options.color[2] = (rgb & 255) / 255.0f;
  } else {
    return "expected plate, transparent or #rrggbb (got \"" + text + "\")";
  }
  return "";
}

AvatarPlayer::AvatarPlayer(const gpu::Context& context, const asset::Avatar& avatar, const PlayerOptions& options)
    : avatar_(avatar),
      renderer_(context, renderer_settings(context, options)),
      deformer_(avatar),
      tuning_(avatar),
      tuned_code_(avatar.face.expression_dim()),
      intrinsics_(avatar.camera),
      background_(options.background),
      idle_motion_(options.idle_motion),
      width_(options.width > 0 ? options.width : avatar.camera.width),
      height_(options.height > 0 ? options.height : avatar.camera.height) {
  if (width_ < 16 || height_ < 16 || width_ > 8192 || height_ > 8192)
    throw PlayerError("frame size " + std::to_string(width_) + "x" + std::to_string(height_) + ": use 16..8192 pixels per side");
  if (background_ == Background::automatic) background_ = avatar.idle.plates.empty() ? Background::solid : Background::plate;
  if (background_ == Background::plate && avatar.idle.plates.empty())
    throw PlayerError("background plate: this avatar has no idle-loop plates; use transparent or a #rrggbb colour");
  renderer_.set_gaussians(render::arrays_of(avatar.gaussians));
#ifdef BEING_PLAYER_CUDA
  if (renderer_.settings().external_geometry)
    cuda_deformation_ = std::make_shared<interop::CudaDeformation>(context, avatar, renderer_);
#endif
  const std::size_t plate_bytes = static_cast<std::size_t>(width_) * height_ * 3;
  cache_plates_ = background_ == Background::plate && plate_bytes * avatar.idle.plates.size() <= kPlateCacheBytes;
  if (cache_plates_) decoded_plates_.resize(avatar.idle.plates.size());
  if (background_ == Background::transparent) renderer_.set_transparent_background();
  if (background_ == Background::solid) renderer_.set_background_color(options.color[0], options.color[1], options.color[2]);
  intrinsics_.fx *= double(width_) / avatar.camera.width;
  intrinsics_.cx *= double(width_) / avatar.camera.width;
  intrinsics_.fy *= double(height_) / avatar.camera.height;
  intrinsics_.cy *= double(height_) / avatar.camera.height;
  intrinsics_.width = width_;
  intrinsics_.height = height_;
}

void AvatarPlayer::show_plate(std::size_t f) {
  if (background_ != Background::plate || f == plate_shown_) return;
  plate_rgb_ = plate_pixels(f);
  animate::adjust_plate_color(avatar_.tuning, plate_rgb_.data(), plate_rgb_.size() / 3);
  renderer_.set_plate(plate_rgb_.data(), width_, height_);
  plate_shown_ = f;
}

const std::vector<std::uint8_t>& AvatarPlayer::plate_pixels(std::size_t f) {
  if (!cache_plates_) {
    decode_plate(avatar_.idle.plates[f], f, width_, height_, plate_rgb_);
    return plate_rgb_;
  }
  if (!decoded_plates_[f]) decoded_plates_[f] = shared_plate(avatar_.idle.plates[f], f, width_, height_);
  return *decoded_plates_[f];
}

render::FrameInfo AvatarPlayer::render(int64_t frame, int fps, const float* code, const render::FrameOptions& options) {
  tuning_.apply(frame, fps, code, tuned_code_.data());
#ifdef BEING_PLAYER_CUDA
  if (cuda_deformation_) {
    static_cast<interop::CudaDeformation*>(cuda_deformation_.get())->apply(tuned_code_.data());
  } else
#endif
  {
    deformer_.apply(tuned_code_.data(), geometry_);
    renderer_.update_geometry(geometry_.positions.data(), geometry_.rotations.data(), geometry_.log_scales.data());
  }
  const std::size_t f = animate::tuned_idle_frame(idle_motion_ ? frame : 0, fps, avatar_);
  show_plate(f);
  double pose[16], view[16];
  animate::head_to_camera(avatar_.idle, f, pose);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      double sum = 0;
      for (int k = 0; k < 4; ++k) sum += adjustment_[r * 4 + k] * pose[k * 4 + c];
      view[r * 4 + c] = sum;
    }
  return renderer_.render(render::make_camera(intrinsics_, view), options);
}

void AvatarPlayer::set_camera_adjustment(const double camera_from_camera[16]) {
  std::copy(camera_from_camera, camera_from_camera + 16, adjustment_);
}

void to_rgb8(const float* rgba, std::size_t pixels, std::uint8_t* rgb) {
  for (std::size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = to_byte(rgba[i * 4 + c]);
}

void to_rgba8_straight(const float* rgba, std::size_t pixels, std::uint8_t* out) {
  for (std::size_t i = 0; i < pixels; ++i) {
    const float a = rgba[i * 4 + 3];
    for (int c = 0; c < 3; ++c) out[i * 4 + c] = to_byte(a > 0 ? rgba[i * 4 + c] / a : 0.0f);
    out[i * 4 + 3] = to_byte(a);
  }
}

}  // namespace being::player
