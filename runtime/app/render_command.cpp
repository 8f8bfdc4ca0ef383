#include "render_command.h"

#include "being/animate/expression_stream.h"
#include "being/asset/avatar.h"
#include "being/audio/decoder.h"
#include "being/encode/mp4_writer.h"
#include "being/gpu/context.h"
#include "being/media/media_error.h"
#include "being/player/avatar_player.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
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

// Where frames go: an MP4 with the audio, one RGBA PNG per frame, or nowhere (`-o null`: every
// frame is rendered and read back, then dropped; for memory and speed measurements).
class FrameSink {
 public:
  FrameSink(const RenderOptions& options, Size size, int audio_rate) : size_(size) {
    if (options.output == "null") return;
    if (options.output.find('%') != std::string::npos) {
      pattern_ = options.output;
      const fs::path first = frame_path(0);
      const fs::path dir = first.parent_path().empty() ? fs::path(".") : first.parent_path();
      if (!fs::is_directory(dir))
        throw RenderError("-o " + options.output + ": directory " + dir.string() + " does not exist; create it first");
      pixels_.resize(static_cast<std::size_t>(size.width) * size.height * 4);
      return;
    }
    encode::Mp4Options mp4;
    mp4.width = size.width;
    mp4.height = size.height;
    mp4.fps = options.fps;
    mp4.audio_sample_rate = audio_rate;
    mp4_ = std::make_unique<encode::Mp4Writer>(options.output, mp4);
    pixels_.resize(static_cast<std::size_t>(size.width) * size.height * 3);
  }

  bool is_mp4() const { return mp4_ != nullptr; }

  // `pixels`: RGBA float, colour premultiplied by alpha.
  void add_frame(int64_t index, const float* pixels) {
    const std::size_t n = static_cast<std::size_t>(size_.width) * size_.height;
    if (mp4_) {
      player::to_rgb8(pixels, n, pixels_.data());
      mp4_->add_frame(pixels_.data());
    } else if (!pattern_.empty()) {
      player::to_rgba8_straight(pixels, n, pixels_.data());
      const fs::path path = frame_path(index);
      if (!stbi_write_png(path.c_str(), size_.width, size_.height, 4, pixels_.data(), size_.width * 4))
        throw RenderError("cannot write " + path.string());
    }
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
  std::vector<std::uint8_t> pixels_;
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

  player::PlayerOptions look;
  look.width = size.width;
  look.height = size.height;
  if (!options.background.empty()) player::parse_background(options.background, look);
  const bool png_frames = options.output.find('%') != std::string::npos;
  if (look.background == player::Background::plate && avatar.idle.plates.empty())
    throw RenderError("--background plate: this avatar has no idle-loop plates; use --background transparent or #rrggbb");
  if (look.background == player::Background::transparent && !png_frames && options.output != "null")
    throw RenderError("--background transparent: MP4 has no alpha channel; write RGBA frames with -o DIR/%05d.png");
  if (!png_frames && options.output != "null" && (size.width % 2 || size.height % 2))
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
  std::unique_ptr<player::AvatarPlayer> view;
  try {
    view = std::make_unique<player::AvatarPlayer>(context, avatar, look);
  } catch (const player::PlayerError& e) {
    throw RenderError(e.what());
  }
  std::vector<float> code(codes->code_dim()), samples;
  int64_t samples_sent = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  for (int64_t i = 0; codes->next(code.data()); ++i) {
    try {
      view->render(i, options.fps, code.data());
    } catch (const player::PlayerError& e) {
      throw RenderError(e.what());
    }
    sink->add_frame(i, view->host_rgba());
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
  player::PlayerOptions ignored;
  return player::parse_background(value, ignored);
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
