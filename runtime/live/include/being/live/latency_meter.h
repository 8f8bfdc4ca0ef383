// Mic-to-photon latency measured inside the pipeline (docs/runtime.md, "Live audio and latency").
//
// The meter keeps the capture time of every recent sample of one capture stream (by sample index),
// and for each presented frame records two intervals, in seconds:
// - total: from the capture of the sample at the frame's own time (what the frame shows) to the
//   moment it was presented; this is the delay a viewer sees between a sound and the mouth;
// - after_audio: from the capture of the newest sample its code needed to the presentation, i.e.
//   total minus the look-ahead: the part that buffering and compute add.
// No audio device here: the microphone, the benchmark's timed source and a network stream feed it
// alike. Not thread-safe.
#pragma once

#include "being/audio/resampler.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace being::live {

using Clock = std::chrono::steady_clock;

struct LatencyStats {
  std::size_t frames = 0;  // measurements summarised (0: the other fields are 0)
  double median = 0, p95 = 0, max = 0, mean = 0;  // seconds
};

class LatencyMeter {
 public:
  // `sample_rate`: of the capture stream whose sample indices the calls use. Capture times are kept
  // for the last `history_seconds` of audio. Throws std::invalid_argument on a rate < 1 or a
  // history <= 0.
  explicit LatencyMeter(int sample_rate, double history_seconds = 10);

  // Samples 0 .. samples_total - 1 have been captured, the last one at `newest`; the samples since
  // the previous call are taken as captured at the stream's rate before it. samples_total must not
  // decrease (std::invalid_argument).
  void captured(int64_t samples_total, Clock::time_point newest);
  // When sample `index` was captured; nothing when it has not been captured yet or is older than
  // the history.
  std::optional<Clock::time_point> capture_time(int64_t index) const;

  // A frame showing capture sample `shown_sample`, whose code read no sample after
  // `newest_needed_sample`, was presented at `when`. Records and returns its total latency, or
  // nothing (and records nothing) when either sample's capture time is unknown.
  std::optional<double> presented(int64_t shown_sample, int64_t newest_needed_sample, Clock::time_point when);

  // Over the last kMeasurementsKept frames (10 minutes at 60 fps), so that a session of any length
  // keeps constant memory.
  LatencyStats total() const;
  LatencyStats after_audio() const;
  static constexpr std::size_t kMeasurementsKept = 36000;
  // Forgets the measurements (the capture times stay): e.g. after a warm-up.
  void reset();

  int sample_rate() const { return sample_rate_; }
  int64_t samples_captured() const { return captured_; }

 private:
  struct Chunk {
    int64_t end;              // one past its last sample
    Clock::time_point newest; // capture time of sample end - 1
  };

  int sample_rate_;
  int64_t history_samples_;
  int64_t captured_ = 0;
  int64_t known_from_ = 0;    // first sample whose capture time is still kept
  std::deque<Chunk> chunks_;
  std::deque<double> total_, after_audio_;
};

// Summary of a set of intervals in seconds (empty: all zero). p95 is the nearest-rank percentile.
LatencyStats summarise(std::vector<double> seconds);

// Input samples `resampler` must have received before it has emitted `output_samples` samples
// (output sample k is the input at time k / output_rate, emitted once its filter support, delay
// samples past that, has arrived).
int64_t resampler_input_needed(const audio::Resampler& resampler, int64_t output_samples);

}  // namespace being::live
