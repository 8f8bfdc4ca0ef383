// The tiny schedule learns a known audio -> code mapping: tracks made from the speech itself (code 0
// the frame's loudness, code 1 the loudness two frames ahead, code 2 constant), on real speech.
#include "being/audio_model/audio_encoder.h"

#include "being/dataset/dataset.h"

#include "being_test.h"

#include <algorithm>
#include <cmath>

using namespace being;

namespace {

constexpr int kFps = 25, kSamplesPerFrame = 16000 / kFps, kCodes = 3;

audio_model::AudioTrainingData loudness_tracks(const std::vector<float>& speech) {
  audio_model::AudioTrainingData d;
  d.samples = speech;
  d.fps = kFps;
  d.components = kCodes;
  const int frames = static_cast<int>(speech.size() / kSamplesPerFrame);
  std::vector<double> loudness(frames);
  for (int i = 0; i < frames; ++i) {
    double energy = 0;
    for (int s = 0; s < kSamplesPerFrame; ++s) energy += std::pow(speech[i * kSamplesPerFrame + s], 2);
    loudness[i] = std::log(energy / kSamplesPerFrame + 1e-6);
  }
  const auto [lo, hi] = std::minmax_element(loudness.begin(), loudness.end());
  const double low = *lo, range = *hi - *lo;
  d.expression.assign(static_cast<std::size_t>(frames) * kCodes, 0.0f);
  for (int i = 0; i < frames; ++i) {
    d.expression[i * kCodes + 0] = static_cast<float>((loudness[i] - low) / range);
    d.expression[i * kCodes + 1] = static_cast<float>((loudness[std::min(i + 2, frames - 1)] - low) / range);
  }
  d.valid.assign(frames, 1);
  std::fill(d.valid.begin() + 100, d.valid.begin() + 105, 0);  // an untracked stretch
  d.train = {0, frames - frames / 10};
  d.validation = {frames - frames / 10, frames};
  // A face whose lower inner lip (vertex 14) drops with code 0; forehead 10 and chin 152 fixed.
  d.expression_mean.assign(dataset::kMeshVertices * 3, 0.0f);
  d.expression_mean[10 * 3 + 1] = 5.0f;
  d.expression_mean[152 * 3 + 1] = -5.0f;
  d.expression_mean[13 * 3 + 1] = 0.2f;
  d.expression_mean[14 * 3 + 1] = -0.2f;
  d.expression_basis.assign(static_cast<std::size_t>(kCodes) * dataset::kMeshVertices * 3, 0.0f);
  d.expression_basis[14 * 3 + 1] = -0.5f;
  return d;
}

std::vector<float> speech_seconds(double seconds) {
  const auto wav = test::shared_path("data/audio/speech_60s_16k.wav");
  auto speech = dataset::read_wav(wav, 16000);
  speech.resize(static_cast<std::size_t>(seconds * 16000));
  return speech;
}

}  // namespace

TEST(AudioEncoderLearning, TinyScheduleLearnsLoudnessFromTheMel) {
  BEING_REQUIRE_SHARED(test::shared_path("data/audio/speech_60s_16k.wav"));
  const auto data = loudness_tracks(speech_seconds(20.0));
  audio_model::AudioEncoderOptions options;
  options.config = "tiny";
  options.device = "cpu";
  int calls = 0, last_step = 0;
  const auto result = audio_model::train_audio_encoder(data, options, [&](int step, int total, double loss) {
    ++calls;
    EXPECT_EQ(step, last_step + 1);
    EXPECT_EQ(total, audio_model::audio_encoder_config("tiny").steps);
    EXPECT_TRUE(std::isfinite(loss));
    last_step = step;
  });
  EXPECT_EQ(calls, result.steps);
  EXPECT_EQ(result.device, "cpu");
  EXPECT_EQ(result.validation.frames, data.validation.size());
  ASSERT_EQ(result.validation.component_correlation.size(), static_cast<std::size_t>(kCodes));
  std::printf("tiny: loss %.4f -> %.4f, validation code 0 r = %.3f, code 1 r = %.3f, mouth r = %.3f, rmse %.4f, %.1f s\n",
              result.first_loss, result.final_loss, result.validation.code0_correlation,
              result.validation.component_correlation[1], result.validation.mouth_correlation, result.validation.rmse,
              result.seconds);
  EXPECT_LT(result.final_loss, 0.25 * result.first_loss);
  EXPECT_GT(result.validation.code0_correlation, 0.9);
  EXPECT_GT(result.validation.component_correlation[1], 0.85);
  EXPECT_GT(result.validation.mouth_correlation, 0.9);
  EXPECT_EQ(result.network.name, "audio_encoder");
  EXPECT_EQ(result.audio.video_fps, kFps);
}

TEST(AudioEncoderLearning, RejectsWhatCannotTrain) {
  BEING_REQUIRE_SHARED(test::shared_path("data/audio/speech_60s_16k.wav"));
  auto data = loudness_tracks(speech_seconds(4.0));
  audio_model::AudioEncoderOptions options;
  options.config = "huge";
  EXPECT_THROW(audio_model::train_audio_encoder(data, options), std::invalid_argument);
  options.config = "tiny";
  options.device = "tpu";
  EXPECT_THROW(audio_model::train_audio_encoder(data, options), std::invalid_argument);
  options.device = "cpu";
  std::fill(data.valid.begin(), data.valid.end(), 0);
  EXPECT_THROW(audio_model::train_audio_encoder(data, options), std::invalid_argument);
}
