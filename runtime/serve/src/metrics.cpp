#include "being/serve/metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace being::serve {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Metrics::Metrics(std::chrono::seconds window) : window_(window) {}

void Metrics::session_opened() {
  std::lock_guard lock(mutex_);
  ++active_;
  ++total_sessions_;
}

void Metrics::session_closed() {
  std::lock_guard lock(mutex_);
  --active_;
}

void Metrics::session_rejected() {
  std::lock_guard lock(mutex_);
  ++rejected_;
}

void Metrics::protocol_error() {
  std::lock_guard lock(mutex_);
  ++protocol_errors_;
}

void Metrics::audio_received(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  bytes_in_ += static_cast<int64_t>(bytes);
}

void Metrics::frame_sent(double latency_ms, std::size_t bytes) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  ++frames_;
  bytes_out_ += static_cast<int64_t>(bytes);
  recent_.emplace_back(now, latency_ms);
  forget_old(now);
}

void Metrics::forget_old(Clock::time_point now) const {
  while (!recent_.empty() && now - recent_.front().first > window_) recent_.pop_front();
}

int Metrics::active_sessions() const {
  std::lock_guard lock(mutex_);
  return active_;
}

std::string Metrics::json() const {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  forget_old(now);
  std::vector<double> latencies;
  latencies.reserve(recent_.size());
  for (const auto& r : recent_) latencies.push_back(r.second);
  const double uptime = std::chrono::duration<double>(now - start_).count();
  const double span = std::min(uptime, std::chrono::duration<double>(window_).count());
  nlohmann::json j = {
      {"sessions", {{"active", active_}, {"total", total_sessions_}, {"rejected", rejected_}, {"protocol_errors", protocol_errors_}}},
      {"frames", {{"total", frames_}, {"fps", span > 0 ? static_cast<double>(recent_.size()) / span : 0.0}}},
      {"latency_ms",
       {{"p50", percentile(latencies, 50)},
        {"p90", percentile(latencies, 90)},
        {"p99", percentile(latencies, 99)},
        {"max", latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end())},
        {"window_s", std::chrono::duration<double>(window_).count()}}},
      {"bytes", {{"in", bytes_in_}, {"out", bytes_out_}}},
      {"uptime_s", uptime}};
  return j.dump();
}

}  // namespace being::serve
