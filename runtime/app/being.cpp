// being: plays avatars. Subcommands appear as they work end to end.
#include "being/asset/avatar.h"
#ifdef BEING_HAVE_RENDER
#include "render_command.h"
#endif
#ifdef BEING_HAVE_SERVE
#include "serve_command.h"
#endif
#ifdef BEING_HAVE_PLAY
#include "play_command.h"
#endif

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

// `being inspect FILE`: validates an .avatar file and prints what it holds.
int run_inspect(const std::string& path) {
  try {
    const auto avatar = being::asset::read_avatar(path);
    std::cout << being::asset::describe(avatar);
    return 0;
  } catch (const being::asset::AssetError& e) {
    std::cerr << "being: not a valid avatar: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"being: lifelike talking avatars, played from audio", "being"};
  app.set_version_flag("--version", std::string("being ") + BEING_VERSION);
  app.require_subcommand(1);

  std::string inspect_path;
  auto* inspect = app.add_subcommand("inspect", "Validate an .avatar file and summarise its contents");
  inspect->add_option("avatar", inspect_path, "The .avatar file")->required();

#ifdef BEING_HAVE_RENDER
  being::app::RenderOptions render_options;
  auto* render = app.add_subcommand("render", "Render an avatar driven by an audio file to an MP4 or to RGBA PNG frames");
  render->add_option("avatar", render_options.avatar, "The .avatar file")->required();
  render->add_option("--audio", render_options.audio, "Audio file that drives the avatar (any format FFmpeg reads)")->required();
  render->add_option("-o,--output", render_options.output, "OUT.mp4 (H.264 + AAC), a pattern such as frames/%05d.png for RGBA frames, or null (render, then drop every frame)")->required();
  render->add_option("--fps", render_options.fps, "Output frame rate")->check(CLI::IsMember({25, 30, 60}))->capture_default_str();
  render->add_option("--size", render_options.size, "Output size WxH (default: the avatar camera's)")
      ->check(CLI::Validator(being::app::check_size, "WxH"));
  render->add_option("--background", render_options.background,
                     "plate, transparent (PNG frames only) or #rrggbb (default: plate when the avatar has plates, else black)")
      ->check(CLI::Validator(being::app::check_background, "plate|transparent|#rrggbb"));
#endif
#ifdef BEING_HAVE_PLAY
  being::app::PlayOptions play_options;
  auto* play = being::app::add_play_command(app, play_options);
#endif

#ifdef BEING_HAVE_SERVE
  being::app::ServeOptions serve_options;
  auto* serve = being::app::add_serve_command(app, serve_options);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as command-line tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*inspect) return run_inspect(inspect_path);
#ifdef BEING_HAVE_RENDER
    if (*render) return being::app::run_render(render_options);
#endif
#ifdef BEING_HAVE_SERVE
    if (*serve) return being::app::run_serve(serve_options);
#endif
#ifdef BEING_HAVE_PLAY
    if (*play) return being::app::run_play(play_options);
#endif
  } catch (const std::exception& e) {
    std::cerr << "being: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
