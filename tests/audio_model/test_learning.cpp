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
  std::fill(d.valid.begin() + frames / 5, d.valid.begin() + frames / 5 + 5, 0);  // an untracked stretch
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

// The same material as a dataset folder (docs/dataset-format.md), as bake ingest would leave it.
void write_dataset(const std::filesystem::path& dir, const audio_model::AudioTrainingData& d) {
  dataset::Manifest m;
  m.source = {"speech.wav", 64, 64, static_cast<double>(d.samples.size()) / 16000, 1};
  m.camera = {100.0, 32, 32, 64, 64};
  m.fps = d.fps;
  m.frames = d.frames();
  m.crop_size = 16;
  m.audio.samples = static_cast<std::int64_t>(d.samples.size());
  m.expression.components = d.components;
  dataset::split_frames(m);
  const int n = m.frames;
  dataset::Tracks t;
  t.valid = d.valid;
  t.status.assign(n, 0);
  t.landmarks.assign(std::size_t(n) * dataset::kLandmarks * 3, 0.0f);
  t.blendshapes.assign(std::size_t(n) * dataset::kBlendshapes, 0.0f);
  t.rotation.assign(n * 3, 0.0f);
  t.translation.assign(n * 3, 0.0f);
  t.reprojection_px.assign(n, 0.0f);
  t.crop.assign(n * 3, 0.0f);
  t.mesh.assign(std::size_t(n) * dataset::kMeshVertices * 3, 0.0f);
  t.expression = d.expression;
  t.expression_mean = d.expression_mean;
  t.expression_basis = d.expression_basis;
  t.mouth_opening.assign(n, 0.0f);
  dataset::write_tensor_file(dir / "tracks.safetensors", dataset::tracks_file(t, n, d.components));
  for (const char* folder : {"frames", "labels", "alpha"}) std::filesystem::create_directories(dir / folder);
  for (int i : {0, n - 1}) {
    dataset::write_jpeg(dataset::frame_path(dir, i), {16, 16, 3, std::vector<std::uint8_t>(16 * 16 * 3, 128)}, 90);
    dataset::write_png(dataset::label_path(dir, i), {16, 16, 1, std::vector<std::uint8_t>(16 * 16, 3)});
    dataset::write_png(dataset::alpha_path(dir, i), {16, 16, 1, std::vector<std::uint8_t>(16 * 16, 255)});
  }
  dataset::write_wav(dir / "audio.wav", d.samples, 16000);
  dataset::write_text(dir / "dataset.json", dataset::manifest_json(m));
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
  EXPECT_LT(result.final_loss, 0.5 * result.first_loss);  // 0.38 measured: the velocity term dominates
  EXPECT_GT(result.validation.code0_correlation, 0.9);
  EXPECT_GT(result.validation.component_correlation[1], 0.85);
  EXPECT_GT(result.validation.mouth_correlation, 0.9);
  EXPECT_EQ(result.network.name, "audio_encoder");
  EXPECT_EQ(result.audio.video_fps, kFps);
}

TEST(AudioEncoderLearning, TrainsFromADatasetFolder) {
  BEING_REQUIRE_SHARED(test::shared_path("data/audio/speech_60s_16k.wav"));
  const auto material = loudness_tracks(speech_seconds(20.0));
  const auto dir = test::scratch_dir("dataset");
  write_dataset(dir, material);
  const dataset::Dataset ds(dir);
  const auto data = audio_model::training_data(ds);
  EXPECT_EQ(data.expression, material.expression);
  EXPECT_EQ(data.valid, material.valid);
  EXPECT_EQ(data.components, kCodes);
  EXPECT_EQ(data.fps, kFps);
  ASSERT_EQ(data.samples.size(), material.samples.size());
  EXPECT_NEAR(data.samples[12345], material.samples[12345], 1.0 / 32768);
  // The dataset's own split: the last 10%, at least 3 s.
  EXPECT_EQ(data.validation.begin, ds.manifest().validation.begin);
  EXPECT_EQ(data.validation.size(), 3 * kFps);
  EXPECT_EQ(data.train.end, data.validation.begin);

  audio_model::AudioEncoderOptions options;
  options.config = "tiny";
  options.device = "cpu";
  const auto result = audio_model::train_audio_encoder(ds, options);
  EXPECT_EQ(result.validation.frames, data.validation.size());
  EXPECT_GT(result.validation.mouth_correlation, 0.9);
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
