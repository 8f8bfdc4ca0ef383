// Audio -> expression codes for live audio (microphone, network, an app pushing samples): causal,
// constant memory, with a fixed look-ahead (docs/runtime.md, "Live mode").
//
// Differences from the file form (ExpressionStream), both forced by not knowing the future:
// - Normalisation uses running statistics: each mel frame is normalised with the per-bin mean and
//   variance of the frames so far (a cumulative average for the first `normalisation_seconds`,
//   then an exponential one with that time constant), instead of the whole utterance's. When the
//   avatar carries its training audio's statistics (audio.mel_mean/mel_std), they seed the running
//   ones with the weight of `prior_seconds` of audio, so that the first words (and a silent start)
//   are judged against speech rather than against nothing; and frames far quieter than that
//   speech (silence, room noise) do not update the running statistics, so that a long pause keeps
//   reading as silence instead of becoming the new average.
// - The encoder's window reaches at most `look_ahead_frames` avatar frames past t (the avatar's
//   context_after by default); rows beyond are zeros, as past the end of a file.
// A frame is ready once the audio its window needs has been pushed: its code is then final.
#pragma once

#include "being/animate/expression.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace being::animate {

struct LiveOptions {
  int fps = 60;                       // output frame rate; frame i shows time i / fps
  int look_ahead_frames = -1;         // avatar frames of future audio; -1: the avatar's tuning, else context_after
  double normalisation_seconds = 10;  // time constant of the running mel statistics
  double prior_seconds = 3;           // weight of the avatar's training statistics, in seconds of audio
};

class LiveExpression {
 public:
  // Throws asset::AssetError when the avatar cannot be driven by audio, std::invalid_argument on
  // bad options (fps < 1, look-ahead > context_after, normalisation_seconds <= 0).
  LiveExpression(const asset::Avatar& avatar, const LiveOptions& options = {});

  // Adds mono samples at the avatar's audio sample rate (audio::Resampler converts other rates).
  void push(const float* samples, std::size_t count);

  // Writes the code of the next frame in order and advances, when its audio has arrived.
  bool next(float* code);
  // Skips to the newest frame whose audio has arrived (frames in between are not computed), writes
  // its code and returns its index; -1 when no frame after the last one returned is ready.
  int64_t latest(float* code);
  // Skips to frame `frame` when it is ready and not before next_frame(): writes its code and
  // advances past it (frames in between are not computed); false otherwise.
  bool skip_to(int64_t frame, float* code);

  int64_t next_frame() const { return next_frame_; }
  // Frames whose code can be computed now (indices next_frame() .. frames_ready() - 1).
  int64_t frames_ready() const;
  int64_t samples() const { return samples_; }
  std::size_t code_dim() const { return encoder_.code_dim(); }
  int sample_rate() const { return sample_rate_; }
  // Audio after t_i that frame i waits for: the look-ahead plus half a mel window, in seconds.
  double look_ahead_seconds() const;
  // Samples that must have been pushed before frame `frame` is ready; its code reads none after.
  int64_t samples_needed(int64_t frame) const;

 private:
  void encode_frame(int64_t frame, float* code);
  int64_t last_row_needed(int64_t frame) const;

  ExpressionEncoder encoder_;
  LiveOptions options_;
  int sample_rate_, mel_bins_, hop_, window_samples_;
  bool normalise_;
  int64_t rows_after_;        // rows of the window after the frame's centre row that are read
  audio::LogMel log_mel_;
  double tau_rows_;           // time constant in mel frames
  std::vector<double> mean_, variance_;
  // Mean log-mel level below which a frame does not update the statistics (with training statistics).
  double gate_level_ = -std::numeric_limits<double>::infinity();
  int64_t stats_rows_ = 0;
  std::deque<float> rows_;    // normalised mel frames from base_row_ on
  int64_t base_row_ = 0;
  int64_t samples_ = 0, next_frame_ = 0;
  std::vector<float> window_, mel_;
};

}  // namespace being::animate
