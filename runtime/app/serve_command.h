// `being serve AVATAR... [--port 8080] [--bind 127.0.0.1]`: streams avatars to browsers over
// WebSocket (docs/streaming-protocol.md); the page at http://HOST:PORT/ is the client.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace being::app {

struct ServeOptions {
  std::vector<std::string> avatars;
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string size;        // "WxH"; empty: each avatar camera's
  std::string background;  // "plate", "transparent" or "#rrggbb"; empty: plate when the avatar has plates
  int max_sessions = 16;
  double idle_timeout = 30;
  int max_message_kib = 1024;
  int threads = 2;
  int render_threads = 0;
  std::string web_root;
};

// Adds the `serve` subcommand, filling `options`.
CLI::App* add_serve_command(CLI::App& app, ServeOptions& options);

// Serves until SIGINT/SIGTERM; returns the exit code after printing any error to stderr.
int run_serve(const ServeOptions& options);

}  // namespace being::app
