#include "being/audio/resampler.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>

namespace being::audio {
namespace {

constexpr int kTableSteps = 512;       // kernel samples per input sample (linear interpolation between)
constexpr double kZeroCrossings = 24;  // of the lower rate's Nyquist, each side
constexpr double kCutoff = 0.92;       // fraction of the lower Nyquist frequency passed
constexpr double kKaiserBeta = 8.6;

double bessel_i0(double x) {
  double sum = 1, term = 1;
  for (int k = 1; k < 64; ++k) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

}  // namespace

Resampler::Resampler(int input_rate, int output_rate) : input_rate_(input_rate), output_rate_(output_rate) {
  if (input_rate < 1000 || input_rate > 384000 || output_rate < 1000 || output_rate > 384000)
    throw std::invalid_argument("resampler: sample rates must be 1000..384000 Hz (got " + std::to_string(input_rate) +
                                " -> " + std::to_string(output_rate) + ")");
  step_ = static_cast<double>(input_rate) / output_rate;
  if (input_rate == output_rate) return;
  // Cut-off in cycles per input sample: below the lower of the two Nyquist frequencies.
  cutoff_ = 0.5 * kCutoff * std::min(1.0, 1.0 / step_);
  half_width_ = static_cast<std::size_t>(std::ceil(kZeroCrossings / (2 * cutoff_ / kCutoff)));
  table_.resize(half_width_ * kTableSteps + 2);
  const double i0_beta = bessel_i0(kKaiserBeta);
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const double x = static_cast<double>(i) / kTableSteps;  // distance in input samples
    const double r = x / half_width_;
    const double window = r >= 1 ? 0.0 : bessel_i0(kKaiserBeta * std::sqrt(1 - r * r)) / i0_beta;
    const double arg = 2 * cutoff_ * x;
    const double sinc = x == 0 ? 1.0 : std::sin(M_PI * arg) / (M_PI * arg);
    table_[i] = static_cast<float>(2 * cutoff_ * sinc * window);
  }
}

float Resampler::sample_at(int64_t n) const {
  if (n < history_start_ || n >= received_) return 0.0f;
  return history_[static_cast<std::size_t>(n - history_start_)];
}

void Resampler::emit(std::vector<float>& out, int64_t available_until, int64_t limit) {
  const int64_t w = static_cast<int64_t>(half_width_);
  while (produced_ < limit) {
    // Exact position of output sample `produced_` in input samples: produced_ * in / out.
    const int64_t numerator = produced_ * input_rate_;
    const int64_t base = numerator / output_rate_;
    const double frac = static_cast<double>(numerator % output_rate_) / output_rate_;
    if (base + w >= available_until) break;
    double acc = 0;
    for (int64_t n = base - w + 1; n <= base + w; ++n) {
      const double distance = std::abs(static_cast<double>(n - base) - frac) * kTableSteps;
      const std::size_t i = static_cast<std::size_t>(distance);
      if (i + 1 >= table_.size()) continue;
      const double t = distance - static_cast<double>(i);
      acc += sample_at(n) * ((1 - t) * table_[i] + t * table_[i + 1]);
    }
    out.push_back(static_cast<float>(acc));
    ++produced_;
  }
  // Samples older than the next output's support are never read again.
  const int64_t keep_from = std::max<int64_t>(history_start_, produced_ * input_rate_ / output_rate_ - w);
  history_.erase(history_.begin(), history_.begin() + (keep_from - history_start_));
  history_start_ = keep_from;
}

void Resampler::push(const float* samples, std::size_t count, std::vector<float>& out) {
  if (input_rate_ == output_rate_) {
    out.insert(out.end(), samples, samples + count);
    return;
  }
  history_.insert(history_.end(), samples, samples + count);
  received_ += static_cast<int64_t>(count);
  emit(out, received_, INT64_MAX);
}

void Resampler::finish(std::vector<float>& out) {
  if (input_rate_ != output_rate_) {
    const int64_t total = (received_ * output_rate_ + input_rate_ - 1) / input_rate_;
    // Zeros after the end complete every remaining output's support.
    emit(out, INT64_MAX, total);
  }
  history_.clear();
  history_start_ = received_ = produced_ = 0;
}

}  // namespace being::audio
