// Audio -> expression codes (docs/runtime.md, "Expression codes"): one clock, the audio sample
// position; output frame i shows time t = i / fps and its code comes from the normalised log-mel
// frames around t, run through the avatar's "audio_encoder" network and averaged over its rows.
// The whole-buffer function and the two-pass file stream give the same bits.
#pragma once

#include "being/asset/avatar.h"
#include "being/audio/decoder.h"
#include "being/audio/log_mel.h"
#include "being/nn/sequential.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace being::animate {

// The log-mel settings an avatar's AudioConfig asks for (n_fft: the next power of two >= window).
audio::MelConfig mel_config(const asset::AudioConfig& config);

// Which mel frames feed output frame i at `fps`: rows first(i) .. first(i) + rows - 1, where
// first(i) = round(i / fps * sample_rate / hop) - context_before * M and
// rows = (context_before + context_after + 1) * M, M = round(sample_rate / (hop * video_fps)).
struct MelWindow {
  int sample_rate = 16000;
  int hop = 160;
  int mel_per_frame = 1;      // M
  int64_t offset_before = 0;  // context_before * M
  int rows = 1;

  // The mel frame whose centre is nearest to time frame / fps.
  int64_t centre(int64_t frame, int fps) const;
  int64_t first(int64_t frame, int fps) const { return centre(frame, fps) - offset_before; }
};
MelWindow mel_window(const asset::AudioConfig& config);

// Per-bin mean and 1/stddev over an utterance, accumulated frame by frame exactly as
// audio::normalize_per_bin computes them, so normalising with them gives the same bits.
class MelStatistics {
 public:
  explicit MelStatistics(int mel_bins);
  void add(const float* frames, std::size_t count);
  // Normalises `count` frames in place (bins without variance become 0).
  void normalize(float* frames, std::size_t count) const;
  std::size_t frames() const { return frames_; }

 private:
  int bins_;
  std::size_t frames_ = 0;
  std::vector<double> sum_, sum_sq_;
};

// The avatar's "audio_encoder" applied to one window of normalised mel frames.
class ExpressionEncoder {
 public:
  // Throws asset::AssetError when the avatar has no "audio_encoder", or its input is not mel_bins
  // features or its output not expression_dim() values.
  explicit ExpressionEncoder(const asset::Avatar& avatar);
  // window: mel_window().rows rows of mel_bins floats. Writes expression_dim() floats.
  void encode(const float* window, float* code) const;
  std::size_t code_dim() const { return code_dim_; }
  const MelWindow& window() const { return window_; }

 private:
  nn::Sequential network_;
  MelWindow window_;
  std::size_t code_dim_ = 0;
  int mel_bins_ = 0;
};

// Output frames for `samples` samples at `sample_rate` shown at `fps`: ceil(samples * fps / rate).
int64_t frame_count(int64_t samples, int sample_rate, int fps);

// Whole-buffer form: codes of every output frame (frame_count * expression_dim floats) for mono
// samples at the avatar's sample rate.
std::vector<float> expression_codes(const asset::Avatar& avatar, const std::vector<float>& samples, int fps);

// File form with constant memory: a first pass over the file gathers the normalisation statistics
// and the sample count, the second decodes again and yields one code per output frame.
class ExpressionStream {
 public:
  // Throws audio::AudioError when the file cannot be decoded.
  ExpressionStream(const asset::Avatar& avatar, const std::string& audio_path, int fps);
  ~ExpressionStream();

  int64_t frame_count() const { return frame_count_; }
  int64_t samples() const { return total_samples_; }
  std::size_t code_dim() const { return encoder_.code_dim(); }
  // Writes the next frame's code; false after the last frame.
  bool next(float* code);

 private:
  void pull_until(int64_t last_row);

  ExpressionEncoder encoder_;
  std::string audio_path_;
  int fps_;
  int mel_bins_;
  bool normalise_;
  std::unique_ptr<MelStatistics> statistics_;
  std::unique_ptr<audio::AudioDecoder> decoder_;
  audio::LogMel log_mel_;
  bool decoder_done_ = false;
  int64_t total_samples_ = 0, frame_count_ = 0, next_frame_ = 0;
  std::deque<float> rows_;  // normalised mel frames from row base_row_ on
  int64_t base_row_ = 0, total_rows_ = 0;
  std::vector<float> window_, chunk_, mel_;
};

}  // namespace being::animate
