// Expression codes from an audio file with constant memory (docs/runtime.md): FFmpeg decodes the
// file twice, the first pass for the normalisation statistics, the second for the codes, which are
// bit for bit those of expression_codes() on the whole file.
#pragma once

#include "being/animate/expression.h"
#include "being/audio/decoder.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace being::animate {

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
  std::unique_ptr<audio::MelStatistics> statistics_;
  std::unique_ptr<audio::AudioDecoder> decoder_;
  audio::LogMel log_mel_;
  bool decoder_done_ = false;
  int64_t total_samples_ = 0, frame_count_ = 0, next_frame_ = 0;
  std::deque<float> rows_;  // normalised mel frames from row base_row_ on
  int64_t base_row_ = 0, total_rows_ = 0;
  std::vector<float> window_, chunk_, mel_;
};

}  // namespace being::animate
