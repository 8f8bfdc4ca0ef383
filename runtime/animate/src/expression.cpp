#include "being/animate/expression.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace being::animate {
namespace {

const asset::Network& find_network(const asset::Avatar& avatar, const std::string& name) {
  for (const auto& network : avatar.networks)
    if (network.name == name) return network;
  throw asset::AssetError("networks: no \"" + name + "\" network; this avatar cannot be driven by audio");
}

// Copies window rows first .. first+rows-1 into `out`; `row(j)` gives row j for 0 <= j < total,
// rows outside the signal are zeros (the mean after normalisation).
template <typename RowAt>
void gather(int64_t first, int rows, int64_t total, int bins, RowAt row, float* out) {
  for (int r = 0; r < rows; ++r) {
    const int64_t j = first + r;
    float* dst = out + static_cast<std::size_t>(r) * bins;
    if (j < 0 || j >= total) {
      std::fill(dst, dst + bins, 0.0f);
    } else {
      row(j, dst);
    }
  }
}

}  // namespace

audio::MelConfig mel_config(const asset::AudioConfig& config) {
  audio::MelConfig mel;
  mel.sample_rate = config.sample_rate;
  mel.window = config.window;
  mel.hop = config.hop;
  mel.n_fft = 1;
  while (mel.n_fft < config.window) mel.n_fft *= 2;
  mel.mel_bins = config.mel_bins;
  mel.fmin_hz = static_cast<float>(config.fmin);
  mel.fmax_hz = static_cast<float>(config.fmax);
  return mel;
}

int64_t MelWindow::centre(int64_t frame, int fps) const {
  return std::llround(static_cast<double>(frame) * sample_rate / (static_cast<double>(hop) * fps));
}

MelWindow mel_window(const asset::AudioConfig& config) {
  MelWindow w;
  w.sample_rate = config.sample_rate;
  w.hop = config.hop;
  w.mel_per_frame = std::max(1, static_cast<int>(std::lround(config.sample_rate / (config.hop * config.video_fps))));
  w.offset_before = static_cast<int64_t>(config.context_before) * w.mel_per_frame;
  w.rows = (config.context_before + config.context_after + 1) * w.mel_per_frame;
  return w;
}

MelStatistics::MelStatistics(int mel_bins) : bins_(mel_bins), sum_(mel_bins, 0.0), sum_sq_(mel_bins, 0.0) {}

void MelStatistics::add(const float* frames, std::size_t count) {
  for (std::size_t t = 0; t < count; ++t) {
    for (int b = 0; b < bins_; ++b) {
      const double v = frames[t * bins_ + b];
      sum_[b] += v;
      sum_sq_[b] += v * v;
    }
  }
  frames_ += count;
}

// The same expressions as audio::normalize_per_bin, so both give identical floats.
void MelStatistics::normalize(float* frames, std::size_t count) const {
  if (frames_ == 0) return;
  const std::size_t n = frames_;
  for (int b = 0; b < bins_; ++b) {
    const double mean = sum_[b] / n;
    const double var = std::max(0.0, sum_sq_[b] / n - mean * mean);
    const double inv_std = var > 1e-12 ? 1.0 / std::sqrt(var) : 0.0;
    for (std::size_t t = 0; t < count; ++t)
      frames[t * bins_ + b] = static_cast<float>((frames[t * bins_ + b] - mean) * inv_std);
  }
}

ExpressionEncoder::ExpressionEncoder(const asset::Avatar& avatar)
    : network_(find_network(avatar, "audio_encoder")),
      window_(mel_window(avatar.audio)),
      code_dim_(avatar.face.expression_dim()),
      mel_bins_(avatar.audio.mel_bins) {
  if (network_.input_dim() != mel_bins_)
    throw asset::AssetError("networks.audio_encoder: takes " + std::to_string(network_.input_dim()) +
                            " features but the audio configuration has " + std::to_string(mel_bins_) + " mel bins");
  if (network_.output_dim() != static_cast<int64_t>(code_dim_))
    throw asset::AssetError("networks.audio_encoder: gives " + std::to_string(network_.output_dim()) +
                            " values but the face has " + std::to_string(code_dim_) + " expression codes");
  if (network_.output_rows(window_.rows) < 1)
    throw asset::AssetError("networks.audio_encoder: gives no rows for a window of " +
                            std::to_string(window_.rows) + " mel frames");
}

void ExpressionEncoder::encode(const float* window, float* code) const {
  const int64_t rows = network_.output_rows(window_.rows);
  const std::vector<float> out = network_.forward(window, window_.rows);
  for (std::size_t k = 0; k < code_dim_; ++k) {
    float sum = 0.0f;
    for (int64_t r = 0; r < rows; ++r) sum += out[r * code_dim_ + k];
    code[k] = sum / static_cast<float>(rows);
  }
}

int64_t frame_count(int64_t samples, int sample_rate, int fps) {
  return (samples * fps + sample_rate - 1) / sample_rate;
}

std::vector<float> expression_codes(const asset::Avatar& avatar, const std::vector<float>& samples, int fps) {
  const ExpressionEncoder encoder(avatar);
  const int bins = avatar.audio.mel_bins;
  std::vector<float> mel = audio::log_mel(samples.data(), samples.size(), mel_config(avatar.audio));
  if (avatar.audio.normalisation == asset::MelNormalisation::per_utterance) audio::normalize_per_bin(mel, bins);
  const int64_t total_rows = static_cast<int64_t>(mel.size() / bins);
  const int64_t frames = frame_count(static_cast<int64_t>(samples.size()), avatar.audio.sample_rate, fps);
  const MelWindow& w = encoder.window();
  std::vector<float> window(static_cast<std::size_t>(w.rows) * bins);
  std::vector<float> codes(static_cast<std::size_t>(frames) * encoder.code_dim());
  for (int64_t i = 0; i < frames; ++i) {
    gather(w.first(i, fps), w.rows, total_rows, bins,
           [&](int64_t j, float* dst) { std::memcpy(dst, &mel[j * bins], bins * sizeof(float)); }, window.data());
    encoder.encode(window.data(), &codes[i * encoder.code_dim()]);
  }
  return codes;
}

ExpressionStream::ExpressionStream(const asset::Avatar& avatar, const std::string& audio_path, int fps)
    : encoder_(avatar),
      audio_path_(audio_path),
      fps_(fps),
      mel_bins_(avatar.audio.mel_bins),
      normalise_(avatar.audio.normalisation == asset::MelNormalisation::per_utterance),
      statistics_(std::make_unique<MelStatistics>(avatar.audio.mel_bins)),
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
  gather(first, w.rows, total_rows_, mel_bins_,
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
