// `being serve`: an HTTP + WebSocket server (Boost.Beast) that turns streamed audio into frames of
// one of several avatars, for any number of concurrent sessions on one GPU. Protocol, limits and
// threading: docs/streaming-protocol.md.
#pragma once

#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace being::serve {

struct ServedAvatar {
  std::string name;  // what a client's start message names (the file stem for `being serve`)
  asset::Avatar avatar;
};

struct ServerOptions {
  std::string bind = "127.0.0.1";  // localhost only unless told otherwise (docs: security)
  unsigned short port = 8080;      // 0: any free port (Server::port() says which)
  // Frame size when the client asks for none (0: the avatar camera's) and the look of every frame.
  player::PlayerOptions look;
  int max_sessions = 16;                       // WebSocket sessions at once; more get HTTP 503
  std::size_t max_message_bytes = 1 << 20;     // larger client messages close that session
  double idle_timeout_seconds = 30;            // a session that sends nothing this long is closed
  int max_queued_frames = 4;                   // rendered frames per session not yet sent
  double max_backlog_seconds = 2;              // audio ahead of the frames before reading pauses
  std::size_t max_queued_messages = 256;       // outgoing messages per session before it is closed
  int io_threads = 2;                          // network and JPEG encoding threads
  int render_threads = 0;                      // each with its own context; 0: cores / 2, 1..8
  std::string web_root;                        // serve the page from here; empty: the built-in copy
  bool stop_on_signals = false;                // SIGINT/SIGTERM stop run()
};

class Server {
 public:
  // Binds and listens (throws std::runtime_error when the address is taken or invalid) and checks
  // that every avatar can be drawn with `options.look` (throws player::PlayerError otherwise). The
  // context is used by the first render thread only and must outlive the server; further render
  // threads open their own contexts on the same device.
  Server(const gpu::Context& context, std::vector<ServedAvatar> avatars, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  // Serves until stop() (or a signal, with stop_on_signals); closes every session before returning.
  void run();
  // Thread-safe; run() returns soon after.
  void stop();
  // The /metrics document.
  std::string metrics_json() const;

  struct Impl;  // defined in server.cpp, where the sessions reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::serve
