// One avatar on one Vulkan device: everything between an expression code and a finished frame
// (deformation, idle-loop pose and plate, Gaussian splatting). `being render`, `being play`, the C
// API, `being serve` and the editor all draw through it, so they show the same pixels.
#pragma once

#include "being/animate/deform.h"
#include "being/animate/tuning.h"
#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::player {

// A setting the avatar cannot honour (plate background without plates, a plate that does not
// decode, a bad size); the message says what to use instead.
class PlayerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Background {
  automatic,    // the idle-loop plate when the avatar has plates, otherwise the solid colour
  plate,        // the idle-loop plate (an error without plates)
  solid,        // `color`
  transparent,  // alpha = coverage, colour premultiplied
};

enum class Deformation {
  automatic,  // CUDA writing the renderer's buffers where the device shares memory with CUDA, else CPU
  cpu,        // runtime/animate on the CPU, uploaded each frame
  cuda,       // CUDA -> Vulkan interop (runtime/interop); an error where it is not available
};

struct PlayerOptions {
  int width = 0, height = 0;  // 0: the avatar camera's size; intrinsics scale with it
  Background background = Background::automatic;
  float color[3] = {0, 0, 0};  // linear 0..1, for Background::solid
  bool idle_motion = true;     // false: always the first pose (and plate) of the idle segment
  Deformation deformation = Deformation::automatic;
  render::RendererSettings renderer;
};

// Parses "plate", "transparent" or "#rrggbb" into the options; returns an error message or "".
std::string parse_background(const std::string& text, PlayerOptions& options);

// Borrows the context and the avatar (both must outlive the player; the avatar must have passed
// asset::validate). Not thread-safe.
class AvatarPlayer {
 public:
  AvatarPlayer(const gpu::Context& context, const asset::Avatar& avatar, const PlayerOptions& options = {});

  std::size_t code_dim() const { return avatar_.face.expression_dim(); }
  int width() const { return width_; }
  int height() const { return height_; }
  bool transparent() const { return background_ == Background::transparent; }
  const asset::Avatar& avatar() const { return avatar_; }
  // True when the Gaussians are deformed by CUDA straight into the renderer's buffers.
  bool deforms_on_cuda() const { return cuda_deformation_ != nullptr; }

  // Renders output frame `frame` of a stream at `fps`: the Gaussians deformed by `code`
  // (code_dim() floats) as the avatar's tuning shapes it, the idle loop's pose and plate for that
  // frame's time.
  render::FrameInfo render(int64_t frame, int fps, const float* code, const render::FrameOptions& options = {});

  // A camera-space rigid transform applied after the idle pose (row-major 4x4; identity by
  // default): the editor's orbit and zoom around the trained camera.
  void set_camera_adjustment(const double camera_from_camera[16]);
  // Decode the plate again on the next frame (after the avatar's plate tuning changed).
  void refresh_plate() { plate_shown_ = static_cast<std::size_t>(-1); }

  // The last frame: RGBA float, premultiplied (read back unless FrameOptions::read_back was false).
  const float* host_rgba() const { return renderer_.host_rgba(); }
  render::SplatRenderer& renderer() { return renderer_; }

 private:
  void show_plate(std::size_t f);
  const std::vector<std::uint8_t>& plate_pixels(std::size_t f);

  const asset::Avatar& avatar_;
  render::SplatRenderer renderer_;
  animate::Deformer deformer_;
  animate::CodeTuning tuning_;
  std::vector<float> tuned_code_;
  double adjustment_[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  animate::GaussianGeometry geometry_;
  asset::Camera intrinsics_;
  Background background_;
  bool idle_motion_;
  int width_, height_;
  std::size_t plate_shown_ = static_cast<std::size_t>(-1);
  std::vector<std::uint8_t> plate_rgb_;
  // Plates decoded at the output size, kept when all of them fit in kPlateCacheBytes (decoding a
  // PNG costs more than rendering a frame on a GPU) and shared with the other players of this
  // avatar at this size; otherwise each is decoded when shown.
  std::vector<std::shared_ptr<const std::vector<std::uint8_t>>> decoded_plates_;
  bool cache_plates_ = false;
  // interop::CudaDeformation where built and chosen; type-erased (its deleter is captured where it
  // is made) so that this header and builds without CUDA need no interop type.
  std::shared_ptr<void> cuda_deformation_;
};

// Pixel conversions shared by the writers: premultiplied float RGBA -> RGB8 (opaque frames) and ->
// straight-alpha RGBA8 (PNG, compositing).
void to_rgb8(const float* rgba, std::size_t pixels, std::uint8_t* rgb);
void to_rgba8_straight(const float* rgba, std::size_t pixels, std::uint8_t* out);

}  // namespace being::player
