#include "being/av_sync/av_offset.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being::av_sync;

namespace {

// A speech-like recording: syllables of noise at random times. The mouth opens with each syllable;
// the sound is shifted by `audio_late_frames`.
struct Recording {
  std::vector<double> mouth;
  std::vector<float> audio;
};

Recording make_recording(int frames, int audio_late_frames, double mouth_noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> loudness(frames + 40, 0.0);
  for (std::size_t i = 0; i < loudness.size(); ++i) loudness[i] = u(rng) < 0.35 ? 0.3 + u(rng) : 0.0;
  Recording r;
  for (int i = 0; i < frames; ++i) r.mouth.push_back(loudness[i + 20] + mouth_noise * n(rng));
  const int per_frame = 640;  // 16 kHz / 25 fps
  r.audio.resize(static_cast<std::size_t>(frames) * per_frame);
  for (std::size_t s = 0; s < r.audio.size(); ++s) {
    // Video frame k is the instant k / fps: its sound is centred there.
    const std::ptrdiff_t frame = static_cast<std::ptrdiff_t>((s + per_frame / 2) / per_frame) - audio_late_frames + 20;
    const double level = frame >= 0 && frame < static_cast<std::ptrdiff_t>(loudness.size()) ? loudness[frame] : 0.0;
    r.audio[s] = static_cast<float>(level * n(rng) * 0.3 + 0.001 * n(rng));
  }
  return r;
}

}  // namespace

TEST(AvOffset, FindsTheShiftOfASyntheticRecording) {
  for (int shift : {-10, -6, -1, 0, 3, 6, 12}) {
    const auto r = make_recording(500, shift, 0.1, 100 + shift);
    const auto e = estimate_av_offset(r.mouth, {}, r.audio);
    EXPECT_EQ(e.offset_whole_frames, shift);
    EXPECT_NEAR(e.offset_frames, shift, 0.5);
    EXPECT_GT(e.correlation, 0.6);
    EXPECT_GT(e.peak_margin, 0.3);
    EXPECT_EQ(e.curve.size(), 27u);  // lags -13..13: 0.5 s at 25 fps, rounded up
  }
}

TEST(AvOffset, FramesWithoutAFaceAreLeftOut) {
  auto r = make_recording(400, 4, 0.1, 7);
  std::vector<bool> valid(r.mouth.size(), true);
  for (std::size_t i = 100; i < 180; ++i) {
    valid[i] = false;
    r.mouth[i] = 1e6;  // garbage where the tracker lost the face
  }
  EXPECT_EQ(estimate_av_offset(r.mouth, valid, r.audio).offset_whole_frames, 4);
}

TEST(AvOffset, RefusesRecordingsTooShortToMeasure) {
  auto r = make_recording(60, 0, 0.1, 9);
  EXPECT_THROW(estimate_av_offset(r.mouth, {}, r.audio), std::invalid_argument);
  EXPECT_THROW(estimate_av_offset(r.mouth, std::vector<bool>(3, true), r.audio), std::invalid_argument);
}

TEST(AvOffset, EnvelopeFollowsLoudness) {
  std::vector<float> audio(16000, 0.0f);
  for (std::size_t s = 8000; s < 16000; ++s) audio[s] = 0.5f * std::sin(0.1f * s);
  const auto env = audio_envelope(audio, 25, OffsetOptions{});
  EXPECT_LT(env[5], env[20] - 5.0);
}
