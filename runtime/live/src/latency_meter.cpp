#include "being/live/latency_meter.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace being::live {

LatencyMeter::LatencyMeter(int sample_rate, double history_seconds) : sample_rate_(sample_rate) {
  if (sample_rate < 1) throw std::invalid_argument("latency meter: sample rate must be at least 1 Hz");
  if (!(history_seconds > 0)) throw std::invalid_argument("latency meter: history_seconds must be > 0");
  history_samples_ = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(history_seconds * sample_rate)));
}

void LatencyMeter::captured(int64_t samples_total, Clock::time_point newest) {
  if (samples_total < captured_)
    throw std::invalid_argument("latency meter: captured sample count went back from " + std::to_string(captured_) +
                                " to " + std::to_string(samples_total));
  if (samples_total == captured_) return;
  chunks_.push_back({samples_total, newest});
  captured_ = samples_total;
  // Drop whole chunks that end before the history; the first kept chunk starts where the dropped end.
  while (chunks_.size() > 1 && chunks_.front().end <= captured_ - history_samples_) {
    known_from_ = chunks_.front().end;
    chunks_.pop_front();
  }
}

std::optional<Clock::time_point> LatencyMeter::capture_time(int64_t index) const {
  if (index < known_from_ || index >= captured_) return std::nullopt;
  const auto chunk = std::upper_bound(chunks_.begin(), chunks_.end(), index,
                                      [](int64_t i, const Chunk& c) { return i < c.end; });
  const double before_newest = static_cast<double>(chunk->end - 1 - index) / sample_rate_;
  return chunk->newest - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(before_newest));
}

std::optional<double> LatencyMeter::presented(int64_t shown_sample, int64_t newest_needed_sample, Clock::time_point when) {
  const auto shown = capture_time(shown_sample);
  const auto needed = capture_time(newest_needed_sample);
  if (!shown || !needed) return std::nullopt;
  const double total = std::chrono::duration<double>(when - *shown).count();
  total_.push_back(total);
  after_audio_.push_back(std::chrono::duration<double>(when - *needed).count());
  if (total_.size() > kMeasurementsKept) {
    total_.pop_front();
    after_audio_.pop_front();
  }
  return total;
}

LatencyStats LatencyMeter::total() const { return summarise({total_.begin(), total_.end()}); }
LatencyStats LatencyMeter::after_audio() const { return summarise({after_audio_.begin(), after_audio_.end()}); }

void LatencyMeter::reset() {
  total_.clear();
  after_audio_.clear();
}

LatencyStats summarise(std::vector<double> seconds) {
  LatencyStats s;
  if (seconds.empty()) return s;
  std::sort(seconds.begin(), seconds.end());
  const std::size_t n = seconds.size();
  s.frames = n;
  s.median = n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
  const std::size_t rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(n)));
  s.p95 = seconds[std::max<std::size_t>(rank, 1) - 1];
  s.max = seconds.back();
  s.mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(n);
  return s;
}

int64_t resampler_input_needed(const audio::Resampler& resampler, int64_t output_samples) {
  if (output_samples <= 0) return 0;
  const int64_t in = resampler.input_rate(), out = resampler.output_rate();
  if (in == out) return output_samples;
  // The last output, k = output_samples - 1, sits at input position k * in / out; it is emitted once
  // its support reaches `delay` samples past the floor of that position.
  const int64_t k = output_samples - 1;
  return k * in / out + static_cast<int64_t>(resampler.delay_input_samples()) + 1;
}

}  // namespace being::live
