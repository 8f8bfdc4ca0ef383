#include "being/animate/expression_stream.h"

#include <algorithm>
#include <stdexcept>

namespace being::animate {

ExpressionStream::ExpressionStream(const asset::Avatar& avatar, const std::string& audio_path, int fps)
    : encoder_(avatar),
      audio_path_(audio_path),
      fps_(fps),
      mel_bins_(avatar.audio.mel_bins),
      normalise_(avatar.audio.normalisation == asset::MelNormalisation::per_utterance),
      statistics_(std::make_unique<audio::MelStatistics>(avatar.audio.mel_bins)),
      log_mel_(mel_config(avatar.audio)),
      window_(static_cast<std::size_t>(encoder_.window().rows) * avatar.audio.mel_bins),
      chunk_(4096) {
  if (fps < 1) throw std::invalid_argument("expression stream: fps must be at least 1");
  {
    audio::AudioDecoder first_pass(audio_path, avatar.audio.sample_rate);
    while (const std::size_t n = first_pass.read(chunk_.data(), chunk_.size())) {
      total_samples_ += static_cast<int64_t>(n);
      mel_.clear();
      log_mel_.push(chunk_.data(), n, mel_);
      statistics_->add(mel_.data(), mel_.size() / mel_bins_);
    }
    mel_.clear();
    log_mel_.finish(mel_);
    statistics_->add(mel_.data(), mel_.size() / mel_bins_);
  }
  total_rows_ = static_cast<int64_t>(statistics_->frames());
  frame_count_ = animate::frame_count(total_samples_, avatar.audio.sample_rate, fps);
  decoder_ = std::make_unique<audio::AudioDecoder>(audio_path, avatar.audio.sample_rate);
}

ExpressionStream::~ExpressionStream() = default;

void ExpressionStream::pull_until(int64_t last_row) {
  while (base_row_ + static_cast<int64_t>(rows_.size() / mel_bins_) <= last_row && !decoder_done_) {
    mel_.clear();
    const std::size_t n = decoder_->read(chunk_.data(), chunk_.size());
    if (n == 0) {
      log_mel_.finish(mel_);
      decoder_done_ = true;
    } else {
      log_mel_.push(chunk_.data(), n, mel_);
    }
    if (normalise_) statistics_->normalize(mel_.data(), mel_.size() / mel_bins_);
    rows_.insert(rows_.end(), mel_.begin(), mel_.end());
  }
}

bool ExpressionStream::next(float* code) {
  if (next_frame_ >= frame_count_) return false;
  const MelWindow& w = encoder_.window();
  const int64_t first = w.first(next_frame_, fps_);
  // Rows before this window are never needed again: the windows' starts only move forward.
  const int64_t drop = std::clamp<int64_t>(first - base_row_, 0, static_cast<int64_t>(rows_.size() / mel_bins_));
  rows_.erase(rows_.begin(), rows_.begin() + drop * mel_bins_);
  base_row_ += drop;
  pull_until(first + w.rows - 1);
  const int64_t available = base_row_ + static_cast<int64_t>(rows_.size() / mel_bins_);
  gather_window(first, w.rows, total_rows_, mel_bins_,
         [&](int64_t j, float* dst) {
           if (j >= available)
             throw audio::AudioError(audio_path_ + ": the second decoding pass gave fewer samples than the first");
           const auto at = rows_.begin() + (j - base_row_) * mel_bins_;
           std::copy(at, at + mel_bins_, dst);
         },
         window_.data());
  encoder_.encode(window_.data(), code);
  ++next_frame_;
  return true;
}

}  // namespace being::animate
