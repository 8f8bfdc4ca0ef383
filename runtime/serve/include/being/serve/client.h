// A WebSocket client for `being serve` (Boost.Beast), used by the tests and bench_serve: sends from
// any thread, receives into a queue on its own I/O thread, so a caller can stream audio and
// collect frames at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace being::serve {

// GET `target` from the server: (HTTP status, body). Throws std::runtime_error when it cannot connect.
std::pair<int, std::string> http_get(const std::string& host, unsigned short port, const std::string& target);

class StreamClient {
 public:
  using Clock = std::chrono::steady_clock;

  struct Message {
    enum class Kind { text, binary, closed } kind = Kind::closed;
    std::string data;  // the payload; for `closed`, the reason (close frame or error)
    Clock::time_point at;
  };

  // Connects and upgrades to a WebSocket at `target`. Throws std::runtime_error when it cannot
  // (e.g. "declined" when the server is at its session limit and answers 503).
  StreamClient(const std::string& host, unsigned short port, const std::string& target = "/ws");
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  void send_text(std::string text);
  void send_binary(std::vector<std::uint8_t> bytes);
  // Messages queued but not yet written.
  std::size_t pending_writes() const;

  // The next message, waiting up to `timeout`; nullopt on timeout. After the connection ends, one
  // message of kind `closed`, then nullopt.
  std::optional<Message> receive(std::chrono::milliseconds timeout);

  // A clean close (close frame) / a vanishing client (the TCP connection dropped, no close frame).
  void close();
  void drop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::serve
