#include "being/audio_model/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace being::audio_model {

Augmentation random_augmentation(std::mt19937_64& rng, const AugmentationRanges& ranges) {
  const auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  Augmentation a;
  a.speed = uniform(1.0 - ranges.max_speed_change, 1.0 + ranges.max_speed_change);
  a.tilt = uniform(-ranges.max_tilt, ranges.max_tilt);
  a.gain_db = uniform(-ranges.max_gain_db, ranges.max_gain_db);
  a.snr_db = uniform(ranges.min_snr_db, ranges.max_snr_db);
  return a;
}

std::vector<float> augment_waveform(const std::vector<float>& samples, const Augmentation& a, std::mt19937_64& rng) {
  if (!(a.speed > 0.5 && a.speed < 2.0)) throw std::invalid_argument("augment_waveform: speed must be in (0.5, 2)");
  if (!(std::abs(a.tilt) < 1.0)) throw std::invalid_argument("augment_waveform: tilt must be in (-1, 1)");
  // Speed: read the signal at time i * speed with linear interpolation. At +-10% the interpolation's
  // images fall near or above the mel range's top (7.6 kHz), where they barely change the log-mel.
  const std::size_t count = static_cast<std::size_t>(std::floor(static_cast<double>(samples.size()) / a.speed));
  std::vector<float> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double position = static_cast<double>(i) * a.speed;
    const std::size_t j = static_cast<std::size_t>(position);
    const double f = position - static_cast<double>(j);
    const float next = j + 1 < samples.size() ? samples[j + 1] : 0.0f;
    out[i] = static_cast<float>((1.0 - f) * samples[std::min(j, samples.size() - 1)] + f * next);
  }
  // Tilt and gain; a static filter and gain alone would vanish in the per-utterance normalisation,
  // but not once the noise below sets a floor that they move relative to the speech.
  const double gain = std::pow(10.0, a.gain_db / 20.0) / (1.0 + std::abs(a.tilt));
  float previous = 0.0f;
  double energy = 0.0;
  for (float& v : out) {
    const float x = v;
    v = static_cast<float>(gain * (x - a.tilt * previous));
    previous = x;
    energy += static_cast<double>(v) * v;
  }
  if (std::isfinite(a.snr_db) && count > 0) {
    const double noise_rms = std::sqrt(energy / static_cast<double>(count)) * std::pow(10.0, -a.snr_db / 20.0);
    std::normal_distribution<double> noise(0.0, noise_rms);
    for (float& v : out) v = static_cast<float>(v + noise(rng));
  }
  return out;
}

RetimedTargets retime_targets(const std::vector<float>& codes, const std::vector<uint8_t>& usable, int components,
                              double speed, int frames) {
  const int original = static_cast<int>(usable.size());
  if (codes.size() != static_cast<std::size_t>(original) * components)
    throw std::invalid_argument("retime_targets: codes are not frames * components values");
  RetimedTargets out;
  out.codes.assign(static_cast<std::size_t>(frames) * components, 0.0f);
  out.usable.assign(frames, 0);
  for (int m = 0; m < frames; ++m) {
    const double position = m * speed;
    const int n = static_cast<int>(std::floor(position));
    const double f = position - n;
    const bool exact = f < 1e-9;
    if (n >= original || !usable[n] || (!exact && (n + 1 >= original || !usable[n + 1]))) continue;
    out.usable[m] = 1;
    for (int k = 0; k < components; ++k) {
      const double a = codes[static_cast<std::size_t>(n) * components + k];
      const double b = exact ? a : codes[static_cast<std::size_t>(n + 1) * components + k];
      out.codes[static_cast<std::size_t>(m) * components + k] = static_cast<float>((1.0 - f) * a + f * b);
    }
  }
  return out;
}

}  // namespace being::audio_model
