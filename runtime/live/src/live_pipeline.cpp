#include "being/live/live_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace being::live {

LivePipeline::LivePipeline(const asset::Avatar& avatar, int capture_rate, const animate::LiveOptions& options)
    : expression_(avatar, options),
      resampler_(capture_rate, avatar.audio.sample_rate),
      meter_(capture_rate),
      fps_(options.fps) {}

void LivePipeline::push(const float* samples, std::size_t count, Clock::time_point newest_capture) {
  if (count == 0) return;
  meter_.captured(meter_.samples_captured() + static_cast<int64_t>(count), newest_capture);
  resampled_.clear();
  resampler_.push(samples, count, resampled_);
  expression_.push(resampled_.data(), resampled_.size());
}

int64_t LivePipeline::latest(float* code) { return expression_.latest(code); }

int64_t LivePipeline::next(float* code) {
  const int64_t frame = expression_.next_frame();
  return expression_.next(code) ? frame : -1;
}

int64_t LivePipeline::at_delay(Clock::time_point when, double delay_seconds, float* code) {
  const int64_t captured = meter_.samples_captured();
  const int64_t ready = expression_.frames_ready();
  if (captured == 0 || ready <= expression_.next_frame()) return -1;
  // The capture sample taken at when - delay, counted back from the newest one at the stream rate.
  const double before_newest = std::chrono::duration<double>(*meter_.capture_time(captured - 1) - when).count() + delay_seconds;
  const double target = static_cast<double>(captured - 1) - before_newest * capture_rate();
  const auto frame = static_cast<int64_t>(std::floor(target * fps_ / capture_rate()));
  const int64_t shown = std::min(frame, ready - 1);
  return expression_.skip_to(shown, code) ? shown : -1;
}

std::optional<double> LivePipeline::presented(int64_t frame, Clock::time_point when) {
  return meter_.presented(shown_sample(frame), needed_sample(frame), when);
}

int64_t LivePipeline::shown_sample(int64_t frame) const {
  return frame * capture_rate() / fps_;
}

int64_t LivePipeline::needed_sample(int64_t frame) const {
  return resampler_input_needed(resampler_, expression_.samples_needed(frame)) - 1;
}

double LivePipeline::look_ahead_seconds() const {
  return expression_.look_ahead_seconds() +
         static_cast<double>(resampler_.delay_input_samples()) / capture_rate();
}

}  // namespace being::live
