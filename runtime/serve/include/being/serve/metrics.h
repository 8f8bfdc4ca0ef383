// Counters and latency percentiles of a running server, for the /metrics endpoint. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace being::serve {

// The p-th percentile (0..100) of `values` by linear interpolation between closest ranks; 0 when empty.
double percentile(std::vector<double> values, double p);

class Metrics {
 public:
  using Clock = std::chrono::steady_clock;

  // Frames-per-second and latencies cover the frames sent in the last `window`.
  explicit Metrics(std::chrono::seconds window = std::chrono::seconds(10));

  void session_opened();
  void session_closed();
  void session_rejected();   // over the session limit
  void protocol_error();     // a session closed for breaking the protocol or a limit
  void audio_received(std::size_t bytes);
  // `latency_ms`: the audio that made the frame ready received -> the frame encoded.
  void frame_sent(double latency_ms, std::size_t bytes);

  // {"sessions":{"active","total","rejected","protocol_errors"},"frames":{"total","fps"},
  //  "latency_ms":{"p50","p90","p99","max"},"bytes":{"in","out"},"uptime_s"}
  std::string json() const;
  int active_sessions() const;

 private:
  void forget_old(Clock::time_point now) const;

  std::chrono::seconds window_;
  Clock::time_point start_ = Clock::now();
  mutable std::mutex mutex_;
  int active_ = 0;
  int64_t total_sessions_ = 0, rejected_ = 0, protocol_errors_ = 0, frames_ = 0;
  int64_t bytes_in_ = 0, bytes_out_ = 0;
  mutable std::deque<std::pair<Clock::time_point, double>> recent_;  // (sent at, latency ms)
};

}  // namespace being::serve
