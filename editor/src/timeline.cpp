#include "being/editor/timeline.h"

#include "being/animate/expression.h"
#include "being/audio/decoder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace being::editor {
namespace {

// Samples per waveform block: drawing scans blocks, not samples, so long files draw as fast as short ones.
constexpr std::size_t kBlock = 64;

std::vector<float> decode_all(const std::string& path, int rate) {
  audio::AudioDecoder decoder(path, rate);
  std::vector<float> samples, chunk(1 << 16);
  while (const std::size_t got = decoder.read(chunk.data(), chunk.size())) samples.insert(samples.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  return samples;
}

}  // namespace

Timeline::Timeline(const asset::Avatar& avatar, const std::string& audio_path, int fps)
    : path_(audio_path),
      fps_(fps),
      sample_rate_(avatar.audio.sample_rate),
      code_dim_(avatar.face.expression_dim()),
      samples_(decode_all(audio_path, avatar.audio.sample_rate)),
      codes_(animate::expression_codes(avatar, samples_, fps)),
      frames_(animate::frame_count(static_cast<int64_t>(samples_.size()), sample_rate_, fps)) {
  for (std::size_t start = 0; start < samples_.size(); start += kBlock) {
    const auto first = samples_.begin() + static_cast<std::ptrdiff_t>(start);
    const auto last = samples_.begin() + static_cast<std::ptrdiff_t>(std::min(start + kBlock, samples_.size()));
    const auto [low, high] = std::minmax_element(first, last);
    block_low_.push_back(*low);
    block_high_.push_back(*high);
  }
}

int64_t Timeline::frame_at(double seconds) const {
  if (frames_ == 0) return 0;
  return std::clamp<int64_t>(static_cast<int64_t>(std::floor(seconds * fps_)), 0, frames_ - 1);
}

const float* Timeline::code_at(double seconds) const {
  static const float kNone = 0.0f;
  return frames_ == 0 ? &kNone : &codes_[static_cast<std::size_t>(frame_at(seconds)) * code_dim_];
}

void Timeline::waveform(double from, double to, int columns, std::vector<float>& low, std::vector<float>& high) const {
  low.assign(static_cast<std::size_t>(std::max(columns, 0)), 0.0f);
  high.assign(low.size(), 0.0f);
  const double blocks_per_second = static_cast<double>(sample_rate_) / kBlock;
  for (int c = 0; c < columns; ++c) {
    const double t0 = from + (to - from) * c / columns, t1 = from + (to - from) * (c + 1) / columns;
    const auto b0 = static_cast<int64_t>(std::floor(t0 * blocks_per_second));
    const auto b1 = std::max(b0 + 1, static_cast<int64_t>(std::ceil(t1 * blocks_per_second)));
    for (int64_t b = std::max<int64_t>(b0, 0); b < std::min<int64_t>(b1, static_cast<int64_t>(block_low_.size())); ++b) {
      low[c] = std::min(low[c], block_low_[b]);
      high[c] = std::max(high[c], block_high_[b]);
    }
  }
}

void Timeline::play() {
  if (time_ >= duration()) time_ = looping() ? loop_from_ : 0;
  playing_ = true;
}

void Timeline::seek(double seconds) { time_ = std::clamp(seconds, 0.0, duration()); }

void Timeline::set_loop(double from, double to) {
  if (!(from >= 0 && from < to && to <= duration()))
    throw std::invalid_argument("loop " + std::to_string(from) + " .. " + std::to_string(to) +
                                ": need 0 <= FROM < TO <= " + std::to_string(duration()) + " s (the audio's length)");
  loop_from_ = from;
  loop_to_ = to;
}

bool Timeline::advance(double seconds) {
  if (!playing_) return false;
  time_ += seconds;
  if (looping() && (time_ >= loop_to_ || time_ < loop_from_)) {
    time_ = loop_from_ + std::fmod(std::max(time_ - loop_from_, 0.0), loop_to_ - loop_from_);
    return true;
  }
  if (time_ >= duration()) {
    time_ = duration();
    playing_ = false;
  }
  return false;
}

}  // namespace being::editor
