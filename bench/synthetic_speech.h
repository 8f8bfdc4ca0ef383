// Speech-like test audio for the benchmarks (no FFmpeg on the GPU machine, so nothing is decoded):
// noise bursts about three times a second, like syllables, over a quiet noise floor.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace being::bench {

inline std::vector<float> synthetic_speech(double seconds, int rate) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> s(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const float syllable = std::sin(2.0 * 3.14159265 * 3.0 * t) > 0.2 ? 0.3f : 0.01f;
    s[i] = syllable * noise(rng);
  }
  return s;
}

}  // namespace being::bench
