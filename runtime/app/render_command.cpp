#include "render_command.h"

#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/media/media_error.h"
#include "being/offline/render_file.h"
#include "being/player/avatar_player.h"

extern "C" {
#include <libavutil/log.h>
}

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <regex>
#include <stdexcept>

namespace being::app {
namespace {

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
  offline::RenderFileOptions job;
  job.audio = options.audio;
  job.output = options.output;
  job.fps = options.fps;
  if (!options.size.empty()) {
    const Size size = *parse_size(options.size);
    job.look.width = size.width;
    job.look.height = size.height;
  }
  if (!options.background.empty()) player::parse_background(options.background, job.look);
  for (const auto& network : avatar.networks)
    if (network.name == "deformation")
      std::cerr << "being render: warning: this runtime version ignores the avatar's \"deformation\" network "
                   "(Gaussians follow the mesh only)\n";

  gpu::Context context;
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  const int64_t frames = offline::render_file(context, avatar, job, [&](int64_t done, int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::milliseconds(500)) {
      print_progress(done, total, start, false);
      last_report = now;
    }
  });
  print_progress(frames, frames, start, true);
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
  } catch (const offline::RenderFileError& e) {
    std::cerr << "being render: " << e.what() << "\n";
  } catch (const media::MediaError& e) {
    // Reading the audio or writing the output failed mid-way; the message names the file.
    std::cerr << "being render: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace being::app
