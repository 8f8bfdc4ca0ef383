#include "being/audio_model/augment.h"

#include "being/audio/log_mel.h"

#include "being_test.h"

#include <algorithm>
#include <cmath>
#include <complex>

using namespace being;
using audio_model::Augmentation;

namespace {

constexpr int kRate = 16000, kSamplesPerFrame = 640;  // 25 fps

// Silence with a 1 kHz burst over video frame `frame` (40 ms), two seconds long.
std::vector<float> burst_at(int frame) {
  std::vector<float> s(2 * kRate, 0.0f);
  for (int i = frame * kSamplesPerFrame; i < (frame + 1) * kSamplesPerFrame; ++i)
    s[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * 1000.0 * i / kRate));
  return s;
}

// The video frame holding the most log-mel energy (4 mel rows per frame).
int loudest_frame(const std::vector<float>& samples) {
  const auto mel = audio::log_mel(samples.data(), samples.size());
  const std::size_t rows = mel.size() / 80;
  std::vector<double> energy(rows / 4 + 1, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (int b = 0; b < 80; ++b) energy[r / 4] += std::exp(static_cast<double>(mel[r * 80 + b]));
  return static_cast<int>(std::max_element(energy.begin(), energy.end()) - energy.begin());
}

// Amplitude of the sinusoid at `hz` in the signal (projection on sin and cos).
double amplitude_at(const std::vector<float>& s, double hz) {
  std::complex<double> sum = 0;
  for (std::size_t i = 0; i < s.size(); ++i) sum += static_cast<double>(s[i]) * std::polar(1.0, -2 * M_PI * hz * i / kRate);
  return 2.0 * std::abs(sum) / static_cast<double>(s.size());
}

}  // namespace

TEST(AudioAugment, SpeedChangeRetimesAudioAndTargetsAlike) {
  constexpr int kBurst = 25, kFrames = 50;
  std::vector<float> spike(kFrames, 0.0f);
  spike[kBurst] = 1.0f;
  const std::vector<uint8_t> usable(kFrames, 1);
  std::mt19937_64 rng(1);
  for (const double speed : {1.1, 0.9}) {
    Augmentation a;
    a.speed = speed;
    const auto wave = audio_model::augment_waveform(burst_at(kBurst), a, rng);
    EXPECT_EQ(wave.size(), static_cast<std::size_t>(std::floor(2 * kRate / speed)));
    const int frames = static_cast<int>(std::ceil(kFrames / speed));
    const auto targets = audio_model::retime_targets(spike, usable, 1, speed, frames);
    ASSERT_EQ(targets.codes.size(), static_cast<std::size_t>(frames));
    const int peak = static_cast<int>(std::max_element(targets.codes.begin(), targets.codes.end()) - targets.codes.begin());
    EXPECT_EQ(peak, static_cast<int>(std::lround(kBurst / speed))) << "speed " << speed;
    EXPECT_EQ(loudest_frame(wave), peak) << "the retimed target peak must sit where the burst plays, speed " << speed;
    // Linear interpolation between the original frames: frame m shows original frame m * speed.
    for (int m = peak - 1; m <= peak + 1; ++m)
      EXPECT_NEAR(targets.codes[m], std::max(0.0, 1.0 - std::abs(m * speed - kBurst)), 1e-6) << "frame " << m;
  }
}

TEST(AudioAugment, RetimedFramesNeedEveryFrameTheyInterpolate) {
  std::vector<float> codes(2 * 30);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<float>(i);
  std::vector<uint8_t> usable(30, 1);
  usable[25] = 0;
  const auto t = audio_model::retime_targets(codes, usable, 2, 1.1, 28);
  EXPECT_EQ(t.usable[21], 1);  // 23.1: frames 23, 24
  EXPECT_EQ(t.usable[22], 0);  // 24.2: frames 24, 25
  EXPECT_EQ(t.usable[23], 0);  // 25.3: frames 25, 26
  EXPECT_EQ(t.usable[24], 1);  // 26.4: frames 26, 27
  EXPECT_EQ(t.usable[27], 0);  // 29.7: past the last frame
  EXPECT_NEAR(t.codes[24 * 2 + 1], (1 - 0.4) * codes[26 * 2 + 1] + 0.4 * codes[27 * 2 + 1], 1e-4);
  const auto same = audio_model::retime_targets(codes, usable, 2, 1.0, 30);
  EXPECT_EQ(same.usable, usable);
  for (int i = 0; i < 30; ++i) {
    if (usable[i]) {
      EXPECT_EQ(same.codes[i * 2 + 1], codes[i * 2 + 1]) << "frame " << i;
    }
  }
}

TEST(AudioAugment, NoiseGainAndTiltDoWhatTheySay) {
  std::vector<float> clean(kRate);
  for (int i = 0; i < kRate; ++i)
    clean[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 250.0 * i / kRate) + 0.3 * std::sin(2 * M_PI * 5000.0 * i / kRate));
  std::mt19937_64 rng(7);

  Augmentation noisy;
  noisy.snr_db = 20.0;
  const auto with_noise = audio_model::augment_waveform(clean, noisy, rng);
  ASSERT_EQ(with_noise.size(), clean.size());
  double signal = 0, noise = 0;
  for (int i = 0; i < kRate; ++i) signal += clean[i] * clean[i], noise += std::pow(with_noise[i] - clean[i], 2);
  EXPECT_NEAR(10 * std::log10(signal / noise), 20.0, 0.3);

  Augmentation louder;
  louder.gain_db = 6.0;
  EXPECT_NEAR(amplitude_at(audio_model::augment_waveform(clean, louder, rng), 250.0), 0.3 * std::pow(10.0, 0.3), 0.005);

  // y[n] = (x[n] - a x[n-1]) / (1 + |a|): gain |1 - a e^{-jw}| / (1 + |a|) at frequency w.
  for (const double tilt : {0.5, -0.5}) {
    Augmentation tilted;
    tilted.tilt = tilt;
    const auto y = audio_model::augment_waveform(clean, tilted, rng);
    for (const double hz : {250.0, 5000.0}) {
      const double expected = 0.3 * std::abs(1.0 - std::polar(tilt, -2 * M_PI * hz / kRate)) / (1 + std::abs(tilt));
      EXPECT_NEAR(amplitude_at(y, hz), expected, 0.01 * expected) << "tilt " << tilt << " at " << hz << " Hz";
    }
  }
}

TEST(AudioAugment, RandomAugmentationsStayInTheirRangesAndRepeatWithTheSeed) {
  std::mt19937_64 a(3), b(3);
  const audio_model::AugmentationRanges ranges;
  for (int i = 0; i < 100; ++i) {
    const auto x = audio_model::random_augmentation(a, ranges), y = audio_model::random_augmentation(b, ranges);
    EXPECT_EQ(x.speed, y.speed);
    EXPECT_EQ(x.snr_db, y.snr_db);
    EXPECT_LE(std::abs(x.speed - 1.0), ranges.max_speed_change);
    EXPECT_LE(std::abs(x.tilt), ranges.max_tilt);
    EXPECT_LE(std::abs(x.gain_db), ranges.max_gain_db);
    EXPECT_GE(x.snr_db, ranges.min_snr_db);
    EXPECT_LE(x.snr_db, ranges.max_snr_db);
  }
}
