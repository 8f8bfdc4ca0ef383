// Audio/video offset of a talking-head recording: cross-correlate how far the mouth is open in each
// video frame with the loudness of the audio around that frame, over a window of lags.
//
// Sign: a positive offset means the audio is late (the sound comes `offset` frames after the mouth
// moves); shifting the audio earlier by that much puts them in sync.
#pragma once

#include <cstddef>
#include <vector>

namespace being::av_sync {

struct OffsetOptions {
  double fps = 25.0;
  int sample_rate = 16000;
  double max_lag_s = 0.5;  // lags searched in each direction
};

struct OffsetEstimate {
  double offset_frames = 0.0;    // sub-frame (parabolic peak), positive = audio late
  int offset_whole_frames = 0;   // the best integer lag
  double correlation = 0.0;      // Pearson correlation at the best lag
  double correlation_at_zero = 0.0;
  double peak_margin = 0.0;      // best correlation minus the mean over all lags: how distinct the peak is
  std::vector<double> curve;     // correlation for lags -max..+max frames
};

// Loudness per video frame: log RMS of the audio in the frame's 1/fps window centred on it.
std::vector<double> audio_envelope(const std::vector<float>& samples, std::size_t frames, const OffsetOptions& options);

// Correlates `mouth_opening` (one value per video frame; frames with `valid[i] == false` are left
// out) with the audio envelope. Throws std::invalid_argument when there are too few usable frames
// (fewer than four times the searched lag range).
OffsetEstimate estimate_av_offset(const std::vector<double>& mouth_opening, const std::vector<bool>& valid,
                                  const std::vector<float>& samples, const OffsetOptions& options = {});

}  // namespace being::av_sync
