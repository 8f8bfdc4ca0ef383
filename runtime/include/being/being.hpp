// being.hpp: a thin, header-only C++17 layer over the C API (being.h): handles that destroy
// themselves, and failures as a being::api::Error exception (thrown here, in the application's
// code: nothing crosses the library boundary but C). Thread-safety and synchronisation are the C
// API's (being.h).
#pragma once

#include "being/being.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::api {

class Error : public std::runtime_error {
 public:
  Error(being_result code, const std::string& message) : std::runtime_error(message), code_(code) {}
  being_result code() const { return code_; }

 private:
  being_result code_;
};

// Throws Error with being_last_error()'s message unless `result` is BEING_OK.
inline void check(being_result result) {
  if (result != BEING_OK) throw Error(result, std::string(being_result_name(result)) + ": " + being_last_error());
}

class Context {
 public:
  // The library's own device; `device_selector` as in being_context_create_info.
  explicit Context(const char* device_selector = nullptr) {
    being_context_create_info info{};
    info.api_version = BEING_API_VERSION;
    info.device_selector = device_selector;
    being_context* made = nullptr;
    check(being_context_create(&info, &made));
    handle_.reset(made);
  }
  // The application's device (see being_context_wrap_vulkan).
  explicit Context(const being_vulkan_device& device) {
    being_context* made = nullptr;
    check(being_context_wrap_vulkan(&device, &made));
    handle_.reset(made);
  }
  being_vulkan_device vulkan() const {
    being_vulkan_device device{};
    check(being_context_get_vulkan(handle_.get(), &device));
    return device;
  }
  being_context* get() const { return handle_.get(); }

 private:
  struct Destroy {
    void operator()(being_context* c) const { being_context_destroy(c); }
  };
  std::unique_ptr<being_context, Destroy> handle_;
};

class Avatar {
 public:
  explicit Avatar(const std::string& path) {
    being_avatar* made = nullptr;
    check(being_avatar_load(path.c_str(), &made));
    handle_.reset(made);
  }
  std::vector<std::string> expression_names() const {
    std::uint32_t count = 0;
    check(being_avatar_expression_count(handle_.get(), &count));
    std::vector<std::string> names;
    for (std::uint32_t i = 0; i < count; ++i) {
      const char* name = nullptr;
      check(being_avatar_expression_name(handle_.get(), i, &name));
      names.emplace_back(name);
    }
    return names;
  }
  const being_avatar* get() const { return handle_.get(); }

 private:
  struct Destroy {
    void operator()(being_avatar* a) const { being_avatar_destroy(a); }
  };
  std::unique_ptr<being_avatar, Destroy> handle_;
};

class Player {
 public:
  // Defaults for every setting: the avatar camera's size, the automatic background, 60 fps, the
  // avatar's whole look-ahead, idle motion.
  static being_player_create_info defaults() {
    being_player_create_info info{};
    info.api_version = BEING_API_VERSION;
    return info;
  }

  Player(const Context& context, const Avatar& avatar, const being_player_create_info& info = defaults()) {
    being_player* made = nullptr;
    check(being_player_create(context.get(), avatar.get(), &info, &made));
    handle_.reset(made);
    check(being_player_size(made, &width_, &height_));
  }

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }

  // `frame_count` frames of `channels` interleaved samples.
  void push_audio(const float* samples, std::size_t frame_count, std::uint32_t sample_rate, std::uint32_t channels = 1) {
    check(being_player_push_audio(handle_.get(), samples, frame_count, sample_rate, channels));
  }
  std::int64_t frames_ready() const {
    std::int64_t frames = 0;
    check(being_player_frames_ready(handle_.get(), &frames));
    return frames;
  }
  double latency() const {
    double seconds = 0;
    check(being_player_latency(handle_.get(), &seconds));
    return seconds;
  }
  void set_expression(const std::vector<float>& weights) {
    check(being_player_set_expression(handle_.get(), weights.data(), static_cast<std::uint32_t>(weights.size())));
  }
  void clear_expression() { check(being_player_clear_expression(handle_.get())); }
  // The weights of the last rendered frame; `count` is the avatar's expression count.
  std::vector<float> expression(std::uint32_t count) const {
    std::vector<float> weights(count);
    check(being_player_get_expression(handle_.get(), weights.data(), count));
    return weights;
  }

  // Frame `frame` as straight-alpha RGBA8, rows packed.
  std::vector<std::uint8_t> render_rgba8(std::int64_t frame) {
    std::vector<std::uint8_t> pixels(std::size_t{width_} * height_ * 4);
    check(being_player_render_cpu(handle_.get(), frame, pixels.data(), std::size_t{width_} * 4, pixels.size(),
                                  BEING_PIXEL_FORMAT_RGBA8));
    return pixels;
  }
  void render_vk_image(std::int64_t frame, const being_vk_image_target& target) {
    check(being_player_render_vk_image(handle_.get(), frame, &target));
  }
  being_player* get() const { return handle_.get(); }

 private:
  struct Destroy {
    void operator()(being_player* p) const { being_player_destroy(p); }
  };
  std::unique_ptr<being_player, Destroy> handle_;
  std::uint32_t width_ = 0, height_ = 0;
};

}  // namespace being::api
