#include "being/animate/live_expression.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace being::animate {

LiveExpression::LiveExpression(const asset::Avatar& avatar, const LiveOptions& options)
    : encoder_(avatar),
      options_(options),
      sample_rate_(avatar.audio.sample_rate),
      mel_bins_(avatar.audio.mel_bins),
      hop_(avatar.audio.hop),
      window_samples_(avatar.audio.window),
      normalise_(avatar.audio.normalisation == asset::MelNormalisation::per_utterance),
      log_mel_(mel_config(avatar.audio)),
      mean_(avatar.audio.mel_bins, 0.0),
      variance_(avatar.audio.mel_bins, 0.0),
      window_(static_cast<std::size_t>(encoder_.window().rows) * avatar.audio.mel_bins) {
  if (options.fps < 1) throw std::invalid_argument("live expression: fps must be at least 1");
  if (options_.look_ahead_frames < 0)
    options_.look_ahead_frames = avatar.tuning.look_ahead_frames >= 0 ? avatar.tuning.look_ahead_frames : avatar.audio.context_after;
  if (options_.look_ahead_frames > avatar.audio.context_after)
    throw std::invalid_argument("live expression: look-ahead of " + std::to_string(options_.look_ahead_frames) +
                                " frames is more than the avatar's audio encoder reads (" +
                                std::to_string(avatar.audio.context_after) + ")");
  if (!(options.normalisation_seconds > 0)) throw std::invalid_argument("live expression: normalisation_seconds must be > 0");
  const MelWindow& w = encoder_.window();
  rows_after_ = static_cast<int64_t>(options_.look_ahead_frames) * w.mel_per_frame + w.mel_per_frame - 1;
  tau_rows_ = options.normalisation_seconds * sample_rate_ / hop_;
  if (options.prior_seconds < 0) throw std::invalid_argument("live expression: prior_seconds must be >= 0");
  const auto& a = avatar.audio;
  if (!a.mel_mean.empty() && options.prior_seconds > 0) {
    for (int b = 0; b < mel_bins_; ++b) {
      mean_[b] = a.mel_mean[b];
      variance_[b] = double(a.mel_std[b]) * a.mel_std[b];
    }
    stats_rows_ = static_cast<int64_t>(std::lround(options.prior_seconds * sample_rate_ / hop_));
    // Frames quieter than the training speech's mean level by more than its typical spread are
    // silence or room noise: they are normalised, but do not move the statistics, so that a quiet
    // room does not become the new "average" (which the encoder reads as mid-speech).
    double level = 0, spread = 0;
    for (int b = 0; b < mel_bins_; ++b) level += a.mel_mean[b], spread += a.mel_std[b];
    gate_level_ = (level - spread) / mel_bins_;
  }
}

double LiveExpression::look_ahead_seconds() const {
  return (static_cast<double>(rows_after_) * hop_ + window_samples_ / 2.0) / sample_rate_;
}

int64_t LiveExpression::last_row_needed(int64_t frame) const {
  return encoder_.window().centre(frame, options_.fps) + rows_after_;
}

int64_t LiveExpression::samples_needed(int64_t frame) const {
  // Mel frame r covers samples [r * hop - window / 2, r * hop + window / 2).
  return last_row_needed(frame) * hop_ + window_samples_ / 2;
}

void LiveExpression::push(const float* samples, std::size_t count) {
  samples_ += static_cast<int64_t>(count);
  mel_.clear();
  const std::size_t n = log_mel_.push(samples, count, mel_);
  for (std::size_t r = 0; r < n; ++r) {
    float* row = &mel_[r * mel_bins_];
    if (normalise_) {
      // Running per-bin statistics including this frame (unless it is below the gate), then the
      // frame normalised by them.
      double level = 0;
      for (int b = 0; b < mel_bins_; ++b) level += row[b];
      if (level / mel_bins_ > gate_level_) {
        ++stats_rows_;
        const double a = 1.0 / std::min<double>(static_cast<double>(stats_rows_), std::max(tau_rows_, 1.0));
        for (int b = 0; b < mel_bins_; ++b) {
          const double d = row[b] - mean_[b];
          mean_[b] += a * d;
          variance_[b] = (1 - a) * (variance_[b] + a * d * d);
        }
      }
      for (int b = 0; b < mel_bins_; ++b)
        row[b] = variance_[b] > 1e-12 ? static_cast<float>((row[b] - mean_[b]) / std::sqrt(variance_[b])) : 0.0f;
    }
    rows_.insert(rows_.end(), row, row + mel_bins_);
  }
}

int64_t LiveExpression::frames_ready() const {
  const int64_t rows = base_row_ + static_cast<int64_t>(rows_.size() / mel_bins_);
  // Largest frame whose last needed row exists: centre(i) + rows_after_ <= rows - 1.
  int64_t i = std::max<int64_t>(next_frame_, 0);
  const double frames_per_row = static_cast<double>(hop_) * options_.fps / sample_rate_;
  i = std::max<int64_t>(i, static_cast<int64_t>((rows - 1 - rows_after_) * frames_per_row) - 2);
  while (last_row_needed(i) <= rows - 1) ++i;
  while (i > next_frame_ && last_row_needed(i - 1) > rows - 1) --i;
  return i;
}

void LiveExpression::encode_frame(int64_t frame, float* code) {
  const MelWindow& w = encoder_.window();
  const int64_t first = w.first(frame, options_.fps);
  const int64_t centre = w.centre(frame, options_.fps);
  // Rows before this window are never needed again: frames only move forward.
  const int64_t drop = std::clamp<int64_t>(first - base_row_, 0, static_cast<int64_t>(rows_.size() / mel_bins_));
  rows_.erase(rows_.begin(), rows_.begin() + drop * mel_bins_);
  base_row_ += drop;
  const int64_t limit = centre + rows_after_ + 1;  // rows past the look-ahead read as zeros
  gather_window(first, w.rows, limit, mel_bins_,
                [&](int64_t j, float* dst) {
                  const auto at = rows_.begin() + (j - base_row_) * mel_bins_;
                  std::copy(at, at + mel_bins_, dst);
                },
                window_.data());
  encoder_.encode(window_.data(), code);
}

bool LiveExpression::next(float* code) {
  if (next_frame_ >= frames_ready()) return false;
  encode_frame(next_frame_, code);
  ++next_frame_;
  return true;
}

bool LiveExpression::skip_to(int64_t frame, float* code) {
  if (frame < next_frame_ || frame >= frames_ready()) return false;
  encode_frame(frame, code);
  next_frame_ = frame + 1;
  return true;
}

int64_t LiveExpression::latest(float* code) {
  const int64_t ready = frames_ready();
  if (ready <= next_frame_) return -1;
  const int64_t frame = ready - 1;
  encode_frame(frame, code);
  next_frame_ = ready;
  return frame;
}

}  // namespace being::animate
