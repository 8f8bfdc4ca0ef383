#include "serve_command.h"

#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"
#include "being/serve/server.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

namespace being::app {
namespace {

bool parse_dimensions(const std::string& text, int& width, int& height) {
  char tail = 0;
  return std::sscanf(text.c_str(), "%dx%d%c", &width, &height, &tail) == 2 && width >= 16 && height >= 16 &&
         width <= 4096 && height <= 4096;
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app, ServeOptions& o) {
  auto* serve = app.add_subcommand("serve", "Stream avatars to browsers: audio in over WebSocket, frames out (page at http://HOST:PORT/)");
  serve->add_option("avatars", o.avatars, "One or more .avatar files; clients pick one by its file name without .avatar")->required();
  serve->add_option("--bind", o.bind, "Address to listen on (127.0.0.1: this machine only; see docs/streaming-protocol.md before opening it up)")
      ->capture_default_str();
  serve->add_option("--port", o.port, "TCP port (0: any free port, printed at start)")->check(CLI::Range(0, 65535))->capture_default_str();
  serve->add_option("--size", o.size, "Default frame size WxH (clients may ask for another; default: the avatar camera's)")
      ->check(CLI::Validator(
          [](std::string& v) {
            int w, h;
            return parse_dimensions(v, w, h) ? std::string() : "expected WxH with 16..4096 pixels per side, e.g. 256x256";
          },
          "WxH"));
  serve->add_option("--background", o.background, "plate, transparent or #rrggbb (default: plate when the avatar has plates, else black)")
      ->check(CLI::Validator(
          [](std::string& v) {
            player::PlayerOptions ignored;
            return player::parse_background(v, ignored);
          },
          "plate|transparent|#rrggbb"));
  serve->add_option("--max-sessions", o.max_sessions, "Concurrent WebSocket sessions; more are refused with HTTP 503")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  serve->add_option("--idle-timeout", o.idle_timeout, "Seconds a session may send nothing before it is closed")
      ->check(CLI::Range(1.0, 86400.0))->capture_default_str();
  serve->add_option("--max-message-kib", o.max_message_kib, "Largest client message in KiB; a larger one closes that session")
      ->check(CLI::Range(1, 65536))->capture_default_str();
  serve->add_option("--threads", o.threads, "Network and JPEG encoding threads (rendering has its own)")->check(CLI::Range(1, 64))->capture_default_str();
  serve->add_option("--render-threads", o.render_threads, "Render threads, each with its own GPU context (0: half the cores, 1..8)")
      ->check(CLI::Range(0, 64))->capture_default_str();
  serve->add_option("--web-root", o.web_root, "Serve the browser page from this folder instead of the built-in copy (for editing it)")
      ->check(CLI::ExistingDirectory);
  return serve;
}

int run_serve(const ServeOptions& o) {
  std::vector<serve::ServedAvatar> avatars;
  std::set<std::string> names;
  for (const auto& path : o.avatars) {
    serve::ServedAvatar served;
    served.name = std::filesystem::path(path).stem().string();
    if (!names.insert(served.name).second) {
      std::cerr << "being serve: two avatars are named \"" << served.name << "\"; rename one file\n";
      return 1;
    }
    try {
      served.avatar = asset::read_avatar(path);
    } catch (const asset::AssetError& e) {
      std::cerr << "being serve: " << path << " is not a valid avatar: " << e.what() << "\n";
      return 1;
    }
    avatars.push_back(std::move(served));
  }
  serve::ServerOptions options;
  options.bind = o.bind;
  options.port = static_cast<unsigned short>(o.port);
  if (!o.size.empty()) parse_dimensions(o.size, options.look.width, options.look.height);
  if (!o.background.empty()) player::parse_background(o.background, options.look);
  options.max_sessions = o.max_sessions;
  options.idle_timeout_seconds = o.idle_timeout;
  options.max_message_bytes = static_cast<std::size_t>(o.max_message_kib) * 1024;
  options.io_threads = o.threads;
  options.render_threads = o.render_threads;
  options.web_root = o.web_root;
  options.stop_on_signals = true;
  try {
    gpu::Context context;
    serve::Server server(context, std::move(avatars), options);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::printf("being serve: listening on http://%s:%u/ (avatars: %s; device: %s)\n", o.bind.c_str(), server.port(),
                list.c_str(), context.device_info().name.c_str());
    std::fflush(stdout);
    server.run();
    std::printf("being serve: stopped\n");
  } catch (const player::PlayerError& e) {
    std::cerr << "being serve: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "being serve: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace being::app
