// Log-mel spectrogram of 16 kHz mono speech: the audio feature the trainer and the runtime share.
//
// Frame t is centred on sample t*hop and covers [t*hop - window/2, t*hop + window/2); samples
// before the start and after the end of the stream count as zeros. n samples give ceil(n / hop)
// frames, so at 16 kHz with a 10 ms hop, video frame i at 25 fps spans mel frames 4i .. 4i+3.
// The streaming extractor returns exactly the same bits as the whole-buffer function, so live and
// file rendering, and the toolchain and the runtime, see identical features.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace being::audio {

struct MelConfig {
  int sample_rate = 16000;
  int window = 400;  // 25 ms, periodic Hann
  int hop = 160;     // 10 ms
  int n_fft = 512;   // window zero-padded to this size
  int mel_bins = 80;
  float fmin_hz = 55.0f;
  float fmax_hz = 7600.0f;
  float power_floor = 1e-10f;  // log(max(power, floor)): silence maps to log(floor)
};

// Throws std::invalid_argument when the configuration cannot work (sizes, frequency range).
void validate(const MelConfig& config);

// Streaming extractor. Frames are appended to `out` row-major, mel_bins floats each.
class LogMel {
 public:
  explicit LogMel(const MelConfig& config = {});
  ~LogMel();
  LogMel(LogMel&&) noexcept;
  LogMel& operator=(LogMel&&) noexcept;

  // Adds samples; appends every frame whose window is now complete. Returns frames appended.
  std::size_t push(const float* samples, std::size_t count, std::vector<float>& out);
  // Ends the stream: appends the remaining frames (up to ceil(total / hop)) and resets the extractor.
  std::size_t finish(std::vector<float>& out);

  const MelConfig& config() const;
  // Frames appended so far in this stream.
  std::size_t frames_emitted() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Whole-buffer form: ceil(count / hop) frames.
std::vector<float> log_mel(const float* samples, std::size_t count, const MelConfig& config = {});

// Per-bin mean and variance over an utterance, gathered frame by frame: the file stream gathers them
// in a first pass and normalises in the second, with the same bits as normalize_per_bin.
class MelStatistics {
 public:
  explicit MelStatistics(int mel_bins);
  void add(const float* frames, std::size_t count);
  // Each bin to zero mean and unit variance (bins with no variance become 0), `count` frames in place.
  void normalize(float* frames, std::size_t count) const;
  std::size_t frames() const { return frames_; }
  // Per-bin mean and standard deviation of the frames added (zeros before any).
  std::vector<float> mean() const;
  std::vector<float> stddev() const;

 private:
  double bin_mean(int b) const;
  double bin_variance(int b) const;

  int bins_;
  std::size_t frames_ = 0;
  std::vector<double> sum_, sum_sq_;
};

// Per-utterance normalisation of a whole buffer: MelStatistics over all its frames, then normalize.
void normalize_per_bin(std::vector<float>& frames, int mel_bins);

}  // namespace being::audio
