#include "being/animate/tuning.h"

#include "being/animate/pose.h"

#include <algorithm>
#include <cmath>

namespace being::animate {

CodeTuning::CodeTuning(const asset::Avatar& avatar) : avatar_(avatar) {}

void CodeTuning::apply(int64_t frame, int fps, const float* code, float* out) {
  const asset::Tuning& t = avatar_.tuning;
  const std::size_t dim = avatar_.face.expression_dim();
  const auto gain = static_cast<float>(t.expression_gain);
  for (std::size_t k = 0; k < dim; ++k) {
    const float weight = t.expression_weights.empty() ? 1.0f : t.expression_weights[k];
    out[k] = gain * weight * code[k];
  }
  const bool restart = state_.size() != dim || frame <= last_frame_;
  if (t.smoothing > 0 && !restart) {
    // Exact exponential decay over the elapsed time, so skipped frames smooth as if rendered.
    const double elapsed = static_cast<double>(frame - last_frame_) / fps;
    const auto keep = static_cast<float>(std::exp(-elapsed / t.smoothing));
    for (std::size_t k = 0; k < dim; ++k) out[k] = keep * state_[k] + (1.0f - keep) * out[k];
  }
  state_.assign(out, out + dim);
  last_frame_ = frame;
}

std::size_t tuned_idle_frame(int64_t frame, int fps, const asset::Avatar& avatar) {
  const asset::Tuning& t = avatar.tuning;
  const std::size_t first = static_cast<std::size_t>(t.idle_first);
  const std::size_t count = t.idle_count > 0 ? static_cast<std::size_t>(t.idle_count) : avatar.idle.frame_count() - first;
  return first + loop_frame(frame, fps, avatar.idle.fps, count);
}

void adjust_plate_color(const asset::Tuning& tuning, std::uint8_t* rgb, std::size_t pixels) {
  const asset::Tuning identity;
  if (tuning.plate_gain == identity.plate_gain && tuning.plate_offset == identity.plate_offset &&
      tuning.plate_saturation == identity.plate_saturation)
    return;
  for (std::size_t i = 0; i < pixels; ++i) {
    std::uint8_t* p = rgb + i * 3;
    float c[3] = {p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f};
    // Rec. 709 luma: saturation 0 gives grey of the same brightness.
    const float luma = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
    for (int j = 0; j < 3; ++j) {
      const float v = (luma + tuning.plate_saturation * (c[j] - luma)) * tuning.plate_gain[j] + tuning.plate_offset[j];
      p[j] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
    }
  }
}

}  // namespace being::animate
