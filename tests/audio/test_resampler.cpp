// audio::Resampler: exact pass-through at equal rates, chunking never changes the output, the output
// length, a tone keeps its amplitude and phase, and tones above the new Nyquist frequency vanish.
#include "being/audio/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace being::audio {
namespace {

std::vector<float> tone(double hz, int rate, double seconds, double amplitude = 0.5) {
  std::vector<float> s(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * i / rate));
  return s;
}

std::vector<float> resample(const std::vector<float>& in, int from, int to, std::size_t chunk) {
  Resampler r(from, to);
  std::vector<float> out;
  for (std::size_t i = 0; i < in.size(); i += chunk) r.push(&in[i], std::min(chunk, in.size() - i), out);
  r.finish(out);
  return out;
}

TEST(Resampler, EqualRatesPassSamplesThroughUnchanged) {
  const auto in = tone(440, 16000, 0.3);
  EXPECT_EQ(resample(in, 16000, 16000, 100), in);
}

TEST(Resampler, ChunkSizesDoNotChangeTheOutput) {
  const auto in = tone(300, 44100, 0.5);
  const auto reference = resample(in, 44100, 16000, in.size());
  for (std::size_t chunk : {1, 7, 441, 4096}) EXPECT_EQ(resample(in, 44100, 16000, chunk), reference) << chunk;
}

TEST(Resampler, GivesCeilOfTheScaledLength) {
  for (auto [from, to] : {std::pair{48000, 16000}, {8000, 16000}, {44100, 16000}, {22050, 48000}, {16000, 48000}}) {
    for (std::size_t n : {1u, 2u, 999u, 12345u}) {
      const std::vector<float> in(n, 0.1f);
      EXPECT_EQ(static_cast<long long>(resample(in, from, to, 333).size()),
                (static_cast<long long>(n) * to + from - 1) / from) << from << " -> " << to << ", " << n;
    }
  }
}

TEST(Resampler, AToneKeepsItsAmplitudeAndPhase) {
  for (auto [from, to, hz] : {std::tuple{48000, 16000, 1000.0}, {8000, 16000, 440.0}, {44100, 16000, 3000.0},
                              {16000, 48000, 2500.0}}) {
    const auto out = resample(tone(hz, from, 1.0), from, to, 1024);
    const auto expected = tone(hz, to, 1.0);
    double worst = 0;
    // Away from the ends, where the stream's zeros enter the filter.
    for (std::size_t k = to / 20; k < expected.size() - to / 20; ++k) worst = std::max(worst, std::abs(double(out[k]) - expected[k]));
    EXPECT_LT(worst, 2e-3) << from << " -> " << to << " at " << hz << " Hz";
  }
}

TEST(Resampler, TonesAboveTheNewNyquistFrequencyAreRemoved) {
  const auto out = resample(tone(10000, 48000, 1.0), 48000, 16000, 4800);
  double energy = 0;
  for (std::size_t k = 800; k < out.size() - 800; ++k) energy += double(out[k]) * out[k];
  const double rms = std::sqrt(energy / (out.size() - 1600));
  EXPECT_LT(20 * std::log10(rms / (0.5 / std::sqrt(2.0))), -60.0);
}

TEST(Resampler, RatesOutOfRangeAreRejected) {
  EXPECT_THROW(Resampler(0, 16000), std::invalid_argument);
  EXPECT_THROW(Resampler(16000, 500), std::invalid_argument);
  EXPECT_THROW(Resampler(1000000, 16000), std::invalid_argument);
}

}  // namespace
}  // namespace being::audio
