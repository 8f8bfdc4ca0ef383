// Streaming sample-rate conversion of mono float audio, without FFmpeg: the embeddable runtime
// (C API, live window, server) takes pushed audio at any rate and must not depend on libswresample,
// which the GPU build machine and small embedders do not have.
//
// Band-limited interpolation with a Kaiser-windowed sinc (beta 8.6, 24 zero crossings of the lower
// rate's Nyquist on each side, cut-off at 0.92 of it): stopband about -80 dB, which is far below the
// log-mel floor the audio encoder sees. Output sample k is the input signal at time k / out_rate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace being::audio {

class Resampler {
 public:
  // Throws std::invalid_argument unless both rates are in 1000..384000 Hz.
  Resampler(int input_rate, int output_rate);

  int input_rate() const { return input_rate_; }
  int output_rate() const { return output_rate_; }

  // Adds input samples; appends every output sample whose filter support is now complete.
  void push(const float* samples, std::size_t count, std::vector<float>& out);
  // Ends the stream (zeros after the last input sample): appends the remaining output samples, so
  // that n input samples give ceil(n * output_rate / input_rate) in total, and resets.
  void finish(std::vector<float>& out);

  // Input samples the output lags behind: the filter's half-width.
  std::size_t delay_input_samples() const { return half_width_; }

 private:
  // Emits outputs whose support ends before `available_until`, at most up to output index `limit`.
  void emit(std::vector<float>& out, int64_t available_until, int64_t limit);
  float sample_at(int64_t n) const;

  int input_rate_, output_rate_;
  std::size_t half_width_ = 0;      // taps each side, in input samples
  double step_ = 1;                 // input samples per output sample
  double cutoff_ = 0.5;             // cycles per input sample
  std::vector<float> table_;        // kernel at kTableSteps points per input sample, 0..half_width
  std::vector<float> history_;      // input samples from history_start_ on
  int64_t history_start_ = 0;
  int64_t received_ = 0;            // input samples pushed in this stream
  int64_t produced_ = 0;            // output samples emitted in this stream
};

}  // namespace being::audio
