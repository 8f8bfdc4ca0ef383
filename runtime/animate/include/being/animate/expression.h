// Audio -> expression codes (docs/runtime.md, "Expression codes"): one clock, the audio sample
// position; output frame i shows time t = i / fps and its code comes from the normalised log-mel
// frames around t, run through the avatar's "audio_encoder" network and averaged over its rows.
// The whole-buffer function and the two-pass file stream give the same bits.
#pragma once

#include "being/asset/avatar.h"
#include "being/audio/log_mel.h"
#include "being/nn/sequential.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
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

// Copies window rows first .. first+rows-1 into `out`; `row(j, dst)` writes row j (0 <= j < total);
// rows outside the signal are zeros (the mean after normalisation).
template <typename RowAt>
void gather_window(int64_t first, int rows, int64_t total, int bins, RowAt row, float* out) {
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

}  // namespace being::animate
