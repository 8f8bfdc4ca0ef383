#include "render_command.h"

#include "being/animate/deform.h"
#include "being/animate/expression_stream.h"
#include "being/animate/pose.h"
#include "being/asset/avatar.h"
#include "being/audio/decoder.h"
#include "being/encode/mp4_writer.h"
#include "being/gpu/context.h"
#include "being/media/media_error.h"
#include "being/render/splat_renderer.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

extern "C" {
#include <libavutil/log.h>
}

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <vector>

namespace being::app {
namespace {

namespace fs = std::filesystem;

// A problem with the user's input: printed as it is, exit code 1.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Size {
  int width = 0, height = 0;
};

std::optional<Size> parse_size(const std::string& value) {
  static const std::regex pattern("([0-9]{1,5})x([0-9]{1,5})");
  std::smatch m;
  if (!std::regex_match(value, m, pattern)) return std::nullopt;
  const Size size{std::stoi(m[1]), std::stoi(m[2])};
  if (size.width < 16 || size.height < 16 || size.width > 8192 || size.height > 8192) return std::nullopt;
  return size;
}

// Decodes plate `f` to RGB8 at the output size (bilinear when the sizes differ).
std::vector<std::uint8_t> decode_plate(const asset::Plate& plate, std::size_t f, Size size) {
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(plate.bytes.data(), static_cast<int>(plate.bytes.size()), &w, &h, &channels, 3), stbi_image_free);
  if (!pixels) throw RenderError("idle.plates[" + std::to_string(f) + "]: cannot decode the image (" + stbi_failure_reason() + ")");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size.width) * size.height * 3);
  for (int y = 0; y < size.height; ++y) {
    const double sy = std::clamp((y + 0.5) * h / size.height - 0.5, 0.0, h - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, h - 1);
    const double fy = sy - y0;
    for (int x = 0; x < size.width; ++x) {
      const double sx = std::clamp((x + 0.5) * w / size.width - 0.5, 0.0, w - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, w - 1);
      const double fx = sx - x0;
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int xx, int yy) { return double(pixels.get()[(static_cast<std::size_t>(yy) * w + xx) * 3 + c]); };
        const double v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
        out[(static_cast<std::size_t>(y) * size.width + x) * 3 + c] = static_cast<std::uint8_t>(std::lround(v));
      }
    }
  }
  return out;
}

std::uint8_t to_byte(float v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); }

// Where frames go: an MP4 with the audio, or one RGBA PNG per frame.
class FrameSink {
 public:
  FrameSink(const RenderOptions& options, Size size, int audio_rate)
      : size_(size), rgb_(static_cast<std::size_t>(size.width) * size.height * 3) {
    if (options.output.find('%') != std::string::npos) {
      pattern_ = options.output;
      const fs::path first = frame_path(0);
      const fs::path dir = first.parent_path().empty() ? fs::path(".") : first.parent_path();
      if (!fs::is_directory(dir))
        throw RenderError("-o " + options.output + ": directory " + dir.string() + " does not exist; create it first");
      rgba_.resize(static_cast<std::size_t>(size.width) * size.height * 4);
      return;
    }
    encode::Mp4Options mp4;
    mp4.width = size.width;
    mp4.height = size.height;
    mp4.fps = options.fps;
    mp4.audio_sample_rate = audio_rate;
    mp4_ = std::make_unique<encode::Mp4Writer>(options.output, mp4);
  }

  bool is_mp4() const { return mp4_ != nullptr; }

  // `pixels`: RGBA float, colour premultiplied by alpha.
  void add_frame(int64_t index, const float* pixels) {
    const std::size_t n = static_cast<std::size_t>(size_.width) * size_.height;
    if (mp4_) {
      for (std::size_t i = 0; i < n; ++i)
        for (int c = 0; c < 3; ++c) rgb_[i * 3 + c] = to_byte(pixels[i * 4 + c]);
      mp4_->add_frame(rgb_.data());
      return;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const float a = pixels[i * 4 + 3];
      for (int c = 0; c < 3; ++c) rgba_[i * 4 + c] = to_byte(a > 0 ? pixels[i * 4 + c] / a : 0.0f);
      rgba_[i * 4 + 3] = to_byte(a);
    }
    const fs::path path = frame_path(index);
    if (!stbi_write_png(path.c_str(), size_.width, size_.height, 4, rgba_.data(), size_.width * 4))
      throw RenderError("cannot write " + path.string());
  }

  void add_audio(const float* samples, std::size_t count) {
    if (mp4_) mp4_->add_audio(samples, count);
  }

  void finish() {
    if (mp4_) mp4_->finish();
  }

 private:
  fs::path frame_path(int64_t index) const {
    std::vector<char> name(pattern_.size() + 32);
    std::snprintf(name.data(), name.size(), pattern_.c_str(), static_cast<int>(index));
    return name.data();
  }

  Size size_;
  std::string pattern_;
  std::unique_ptr<encode::Mp4Writer> mp4_;
  std::vector<std::uint8_t> rgb_, rgba_;
};

void print_progress(int64_t done, int64_t total, std::chrono::steady_clock::time_point start, bool last) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "\rbeing render: frame %lld/%lld, %.1f fps%s", static_cast<long long>(done),
               static_cast<long long>(total), seconds > 0 ? done / seconds : 0.0, last ? "\n" : "");
  std::fflush(stderr);
}

int render(const RenderOptions& options) {
  asset::Avatar avatar;
  try {
    avatar = asset::read_avatar(options.avatar);
  } catch (const asset::AssetError& e) {
    throw RenderError(std::string("not a valid avatar: ") + e.what());
  }
  Size size{avatar.camera.width, avatar.camera.height};
  if (!options.size.empty()) size = *parse_size(options.size);

  const bool wants_plate = options.background == "plate" || (options.background.empty() && !avatar.idle.plates.empty());
  if (wants_plate && avatar.idle.plates.empty())
    throw RenderError("--background plate: this avatar has no idle-loop plates; use --background transparent or #rrggbb");
  const bool transparent = options.background == "transparent";
  const bool png_frames = options.output.find('%') != std::string::npos;
  if (transparent && !png_frames)
    throw RenderError("--background transparent: MP4 has no alpha channel; write RGBA frames with -o DIR/%05d.png");
  if (!png_frames && (size.width % 2 || size.height % 2))
    throw RenderError("--size " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                      ": H.264 needs an even width and height");
  for (const auto& network : avatar.networks)
    if (network.name == "deformation")
      std::cerr << "being render: warning: this runtime version ignores the avatar's \"deformation\" network "
                   "(Gaussians follow the mesh only)\n";

  // Cheap checks first: the audio opens and the output can be written, before the audio's first pass.
  constexpr int kMp4AudioRate = 48000;
  std::unique_ptr<audio::AudioDecoder> sound;
  try {
    sound = std::make_unique<audio::AudioDecoder>(options.audio, kMp4AudioRate);
  } catch (const media::MediaError& e) {
    throw RenderError(std::string("cannot read the audio: ") + e.what());
  }
  std::unique_ptr<FrameSink> sink;
  try {
    sink = std::make_unique<FrameSink>(options, size, kMp4AudioRate);
  } catch (const media::MediaError& e) {
    throw RenderError(std::string("cannot write the output: ") + e.what());
  }
  std::unique_ptr<animate::ExpressionStream> codes;
  try {
    codes = std::make_unique<animate::ExpressionStream>(avatar, options.audio, options.fps);
  } catch (const audio::AudioError& e) {
    throw RenderError(std::string("cannot read the audio: ") + e.what());
  }
  if (codes->frame_count() == 0) throw RenderError("--audio " + options.audio + ": the file has no samples");
  if (!sink->is_mp4()) sound.reset();

  gpu::Context context;
  render::SplatRenderer renderer(context);
  renderer.set_gaussians(render::arrays_of(avatar.gaussians));
  if (transparent) {
    renderer.set_transparent_background();
  } else if (!wants_plate) {
    unsigned rgb = 0;
    if (!options.background.empty()) rgb = static_cast<unsigned>(std::stoul(options.background.substr(1), nullptr, 16));
    renderer.set_background_color(((rgb >> 16) & 255) / 255.0f, ((rgb >> 8) & 255) / 255.0f, (rgb & 255) / 255.0f);
  }
  asset::Camera intrinsics = avatar.camera;
  intrinsics.fx *= double(size.width) / avatar.camera.width;
  intrinsics.cx *= double(size.width) / avatar.camera.width;
  intrinsics.fy *= double(size.height) / avatar.camera.height;
  intrinsics.cy *= double(size.height) / avatar.camera.height;
  intrinsics.width = size.width;
  intrinsics.height = size.height;

  animate::Deformer deformer(avatar);
  animate::GaussianGeometry geometry;
  std::vector<float> code(codes->code_dim()), samples;
  std::size_t plate_shown = static_cast<std::size_t>(-1);
  int64_t samples_sent = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  for (int64_t i = 0; codes->next(code.data()); ++i) {
    deformer.apply(code.data(), geometry);
    renderer.update_geometry(geometry.positions.data(), geometry.rotations.data(), geometry.log_scales.data());
    const std::size_t f = animate::idle_frame(i, options.fps, avatar.idle);
    if (wants_plate && f != plate_shown) {
      const auto plate = decode_plate(avatar.idle.plates[f], f, size);
      renderer.set_plate(plate.data(), size.width, size.height);
      plate_shown = f;
    }
    double view[16];
    animate::head_to_camera(avatar.idle, f, view);
    renderer.render(render::make_camera(intrinsics, view));
    sink->add_frame(i, renderer.host_rgba());
    if (sound) {
      // The audio up to the end of this frame, counted in samples: the clock is the sample position.
      const int64_t until = (i + 1) * kMp4AudioRate / options.fps;
      samples.resize(static_cast<std::size_t>(std::max<int64_t>(until - samples_sent, 0)));
      const std::size_t got = samples.empty() ? 0 : sound->read(samples.data(), samples.size());
      if (got > 0) sink->add_audio(samples.data(), got);
      samples_sent += static_cast<int64_t>(got);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::milliseconds(500)) {
      print_progress(i + 1, codes->frame_count(), start, false);
      last_report = now;
    }
  }
  if (sound) {
    samples.resize(4096);
    while (const std::size_t got = sound->read(samples.data(), samples.size())) sink->add_audio(samples.data(), got);
  }
  sink->finish();
  print_progress(codes->frame_count(), codes->frame_count(), start, true);
  return 0;
}

}  // namespace

std::string check_size(const std::string& value) {
  return parse_size(value) ? "" : "expected WxH with 16..8192 pixels per side, e.g. 512x512 (got \"" + value + "\")";
}

std::string check_background(const std::string& value) {
  static const std::regex colour("#[0-9a-fA-F]{6}");
  if (value == "plate" || value == "transparent" || std::regex_match(value, colour)) return "";
  return "expected plate, transparent or #rrggbb (got \"" + value + "\")";
}

int run_render(const RenderOptions& options) {
  // The encoders' informational chatter would bury the progress line and the errors.
  av_log_set_level(AV_LOG_ERROR);
  try {
    return render(options);
  } catch (const RenderError& e) {
    std::cerr << "being render: " << e.what() << "\n";
  } catch (const media::MediaError& e) {
    // Reading the audio or writing the output failed mid-way; the message names the file.
    std::cerr << "being render: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace being::app
