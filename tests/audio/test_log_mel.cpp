#include "being/audio/log_mel.h"

#include "being_test.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace being::audio;

namespace {

std::vector<float> noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> s(n);
  for (auto& v : s) v = u(rng);
  return s;
}

std::vector<float> tone(double hz, std::size_t n, int rate = 16000) {
  std::vector<float> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<float>(0.5 * std::sin(2.0 * M_PI * hz * i / rate));
  return s;
}

}  // namespace

TEST(LogMel, FrameCountIsSamplesOverHopRoundedUp) {
  MelConfig c;
  for (std::size_t n : {0u, 1u, 159u, 160u, 161u, 16000u, 16001u}) {
    auto s = noise(n, 1);
    EXPECT_EQ(log_mel(s.data(), n, c).size(), ((n + 159) / 160) * 80u) << n;
  }
}

TEST(LogMel, StreamingIsBitIdenticalToWholeBuffer) {
  auto s = noise(16000 * 3 + 77, 7);
  const auto whole = log_mel(s.data(), s.size());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 5; ++trial) {
    LogMel streaming;
    std::vector<float> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
      std::size_t chunk = std::min<std::size_t>(s.size() - pos, 1 + rng() % (trial == 0 ? 3 : 2000));
      streaming.push(s.data() + pos, chunk, out);
      pos += chunk;
    }
    streaming.finish(out);
    ASSERT_EQ(out.size(), whole.size());
    EXPECT_EQ(std::memcmp(out.data(), whole.data(), out.size() * sizeof(float)), 0) << "trial " << trial;
  }
}

TEST(LogMel, PushEmitsFramesAsSoonAsTheirWindowIsComplete) {
  LogMel streaming;
  std::vector<float> out;
  auto s = noise(1000, 2);
  EXPECT_EQ(streaming.push(s.data(), 199, out), 0u);  // frame 0 needs samples up to 199
  EXPECT_EQ(streaming.push(s.data() + 199, 1, out), 1u);
  EXPECT_EQ(streaming.push(s.data() + 200, 160, out), 1u);
  EXPECT_EQ(streaming.frames_emitted(), 2u);
  EXPECT_EQ(streaming.finish(out), 1u);  // 360 samples -> ceil(360 / 160) = 3 frames in all
}

TEST(LogMel, ToneEnergyLandsInTheMelBinAroundItsFrequency) {
  MelConfig c;
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double lo = mel(c.fmin_hz), hi = mel(c.fmax_hz);
  for (double hz : {300.0, 1000.0, 3000.0}) {
    auto s = tone(hz, 16000);
    auto f = log_mel(s.data(), s.size(), c);
    const std::size_t t = 50;  // a frame well inside the signal
    int best = 0;
    for (int b = 1; b < c.mel_bins; ++b)
      if (f[t * c.mel_bins + b] > f[t * c.mel_bins + best]) best = b;
    // centre of bin b is at mel lo + (hi - lo) * (b + 1) / (bins + 1)
    const double expected = (mel(hz) - lo) / (hi - lo) * (c.mel_bins + 1) - 1.0;
    EXPECT_NEAR(best, expected, 1.0) << hz << " Hz";
  }
}

TEST(LogMel, SilenceIsTheFloor) {
  std::vector<float> s(3200, 0.0f);
  MelConfig c;
  for (float v : log_mel(s.data(), s.size(), c)) EXPECT_EQ(v, std::log(c.power_floor));
}

TEST(LogMel, RejectsConfigurationsThatCannotWork) {
  MelConfig c;
  c.window = 600;  // longer than n_fft
  EXPECT_THROW(LogMel{c}, std::invalid_argument);
  c = MelConfig{};
  c.fmax_hz = 9000.0f;  // above Nyquist at 16 kHz
  EXPECT_THROW(LogMel{c}, std::invalid_argument);
  c = MelConfig{};
  c.hop = 0;
  EXPECT_THROW(LogMel{c}, std::invalid_argument);
}

TEST(LogMel, PerBinNormalisationGivesZeroMeanUnitVariance) {
  auto s = noise(16000, 5);
  auto f = log_mel(s.data(), s.size());
  normalize_per_bin(f, 80);
  const std::size_t n = f.size() / 80;
  for (int b = 0; b < 80; b += 13) {
    double sum = 0, sq = 0;
    for (std::size_t t = 0; t < n; ++t) {
      sum += f[t * 80 + b];
      sq += f[t * 80 + b] * f[t * 80 + b];
    }
    EXPECT_NEAR(sum / n, 0.0, 1e-4);
    EXPECT_NEAR(sq / n, 1.0, 1e-3);
  }
  std::vector<float> ragged(81);
  EXPECT_THROW(normalize_per_bin(ragged, 80), std::invalid_argument);
}

TEST(MelStatistics, MeanAndDeviationPerBin) {
  being::audio::MelStatistics stats(2);
  EXPECT_EQ(stats.mean(), (std::vector<float>{0, 0}));
  const std::vector<float> frames = {1, 10, 3, 10, 5, 10};  // bin 0: 1 3 5, bin 1: constant
  stats.add(frames.data(), 3);
  EXPECT_FLOAT_EQ(stats.mean()[0], 3.0f);
  EXPECT_FLOAT_EQ(stats.mean()[1], 10.0f);
  EXPECT_NEAR(stats.stddev()[0], std::sqrt(8.0 / 3.0), 1e-6);
  EXPECT_NEAR(stats.stddev()[1], 0.0, 1e-6);
}
