// Captured audio -> expression codes, with the latency of every presented frame measured: the part
// of a live player between an audio source and the renderer, shared by `being play --mic` and
// bench_live_latency so that both measure the same thing. No audio device and no GPU here.
//
// Captured mono samples (any rate) -> audio::Resampler (to the avatar's 16 kHz) ->
// animate::LiveExpression. Frame i shows time i / fps of the capture stream (capture sample
// floor(i * capture_rate / fps)); its code is final once the sample `needed_sample(i)` has been
// captured (the expression look-ahead plus the resampler's filter delay past its time).
#pragma once

#include "being/animate/live_expression.h"
#include "being/asset/avatar.h"
#include "being/audio/resampler.h"
#include "being/live/latency_meter.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace being::live {

class LivePipeline {
 public:
  // Borrows the avatar (it must outlive the pipeline). Throws as LiveExpression and Resampler do
  // (an avatar without an audio encoder, bad options, a capture rate outside 1000..384000 Hz).
  LivePipeline(const asset::Avatar& avatar, int capture_rate, const animate::LiveOptions& options = {});

  // Adds captured mono samples at capture_rate(); `newest_capture` is when the last was captured.
  void push(const float* samples, std::size_t count, Clock::time_point newest_capture);

  // The newest frame whose code is ready (frames in between are skipped): writes its code and
  // returns its index, or -1 when none after the last one returned is ready.
  int64_t latest(float* code);
  // The next frame in order when ready: writes its code and returns its index, or -1.
  int64_t next(float* code);
  // Paced: the frame whose time is `delay_seconds` behind `when` on the capture clock (frame i's
  // time is when the audio at i / fps was captured), or the newest ready one if that is not ready
  // yet. Writes its code and returns its index; -1 when it was returned before (or nothing is
  // captured). With a delay that covers look_ahead_seconds() plus the capture's chunk length, one
  // new frame comes per display interval however unevenly the audio arrives (latest() shows
  // whatever a chunk made ready, skipping and repeating frames); the latency is then the delay,
  // up to one frame interval more, and the render.
  int64_t at_delay(Clock::time_point when, double delay_seconds, float* code);

  // Frame `frame` was presented at `when`: records and returns its total latency (LatencyMeter).
  std::optional<double> presented(int64_t frame, Clock::time_point when);

  // Capture sample at frame `frame`'s time, and the newest capture sample its code reads.
  int64_t shown_sample(int64_t frame) const;
  int64_t needed_sample(int64_t frame) const;
  // Audio past a frame's time that its code waits for (expression look-ahead + resampler delay).
  double look_ahead_seconds() const;

  int capture_rate() const { return resampler_.input_rate(); }
  int fps() const { return fps_; }
  std::size_t code_dim() const { return expression_.code_dim(); }
  const LatencyMeter& latency() const { return meter_; }
  LatencyMeter& latency() { return meter_; }
  const animate::LiveExpression& expression() const { return expression_; }

 private:
  animate::LiveExpression expression_;
  audio::Resampler resampler_;
  LatencyMeter meter_;
  int fps_;
  std::vector<float> resampled_;
};

}  // namespace being::live
