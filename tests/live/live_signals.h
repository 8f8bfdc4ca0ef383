// Test signals for the live-audio tests: silence with loud bursts at known times, and WAV writing
// for feeding them to a sound server.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <utility>
#include <vector>

namespace being::test {

using Spans = std::vector<std::pair<double, double>>;  // [start, end) seconds

// Silence with voiced-like bursts (a 150 Hz buzz with harmonics, plus noise) in the given spans.
inline std::vector<float> burst_signal(double seconds, const Spans& on, int rate) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.03f);
  std::vector<float> s(static_cast<std::size_t>(seconds * rate), 0.0f);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    for (const auto& [a, b] : on) {
      if (t < a || t >= b) continue;
      double v = 0;
      for (int h = 1; h <= 5; ++h) v += std::sin(2 * M_PI * 150 * h * t) / h;
      s[i] = static_cast<float>(0.25 * v) + noise(rng);
    }
  }
  return s;
}

// Mono 16-bit PCM WAV.
inline void write_wav16(const std::filesystem::path& path, const std::vector<float>& samples, int rate) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const auto bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4);
  u32(36 + bytes);
  out.write("WAVEfmt ", 8);
  u32(16), u16(1), u16(1), u32(static_cast<uint32_t>(rate)), u32(static_cast<uint32_t>(rate) * 2), u16(2), u16(16);
  out.write("data", 4);
  u32(bytes);
  for (float v : samples) {
    const auto q = static_cast<int16_t>(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767.0f));
    u16(static_cast<uint16_t>(q));
  }
}

// Root mean square of samples [begin, end) (clamped to the signal).
inline double rms(const std::vector<float>& s, std::size_t begin, std::size_t end) {
  end = std::min(end, s.size());
  if (begin >= end) return 0;
  double sum = 0;
  for (std::size_t i = begin; i < end; ++i) sum += double(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(end - begin));
}

}  // namespace being::test
