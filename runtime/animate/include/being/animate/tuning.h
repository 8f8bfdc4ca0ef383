// An avatar's tuning (asset::Tuning, docs/avatar-format.md "Tuning") applied where frames are made,
// so that `being render`, `being play`, the C API and the editor show the same tuned avatar.
#pragma once

#include "being/asset/avatar.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace being::animate {

// Expression weights, gain and smoothing of the code that drives the avatar.
class CodeTuning {
 public:
  // Borrows the avatar (it must outlive this); edits to avatar.tuning apply from the next call.
  explicit CodeTuning(const asset::Avatar& avatar);

  // out[k] = smoothed(gain * weight[k] * code[k]) for output frame `frame` at `fps`. The smoothing
  // is causal and exponential with the tuning's time constant, over the time since the previous
  // call's frame (frames may be skipped); a frame at or before the previous one restarts it (a seek).
  void apply(int64_t frame, int fps, const float* code, float* out);

 private:
  const asset::Avatar& avatar_;
  std::vector<float> state_;
  int64_t last_frame_ = -1;
};

// The idle-loop frame output frame `frame` at `fps` shows, inside the tuning's idle segment.
std::size_t tuned_idle_frame(int64_t frame, int fps, const asset::Avatar& avatar);

// The tuning's plate colour adjustment on RGB8 pixels, in place.
void adjust_plate_color(const asset::Tuning& tuning, std::uint8_t* rgb, std::size_t pixels);

}  // namespace being::animate
