// The exported audio_encoder run by the runtime (being::nn::Sequential, being::animate) against the
// LibTorch model it came from.
#include "being/audio_model/audio_encoder.h"
#include "being/audio_model/encoder_net.h"

#include "being/animate/expression.h"
#include "being/audio/log_mel.h"
#include "being/dataset/dataset.h"
#include "being/nn/sequential.h"

#include "being_test.h"

#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>

using namespace being;

namespace {

constexpr int kCodes = 6;

// Targets of very different scales, so that folding the standardisation into the export matters.
std::shared_ptr<audio_model::EncoderNet> random_net(const asset::AudioConfig& audio, int channels, int heads) {
  torch::manual_seed(5);
  const auto mean = torch::linspace(-2.0, 3.0, kCodes), scale = torch::logspace(-2, 1, kCodes);
  return std::make_shared<audio_model::EncoderNet>(audio_model::encoder_layout(audio, kCodes, channels, heads), mean, scale);
}

double max_difference(const std::vector<float>& a, const torch::Tensor& b) {
  const auto bc = b.contiguous();
  EXPECT_EQ(static_cast<int64_t>(a.size()), bc.numel());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - bc.data_ptr<float>()[i]));
  return worst;
}

}  // namespace

TEST(AudioEncoderParity, ExportedNetworkHasTheTensorsTheAssetExpects) {
  const auto audio = audio_model::audio_config(25, 8, 8);
  const auto network = random_net(audio, 16, 2)->export_network();
  EXPECT_EQ(network.name, "audio_encoder");
  EXPECT_EQ(network.input_dim, 80);
  EXPECT_EQ(network.output_dim, kCodes);
  const auto expected = asset::expected_tensors(network);
  ASSERT_EQ(network.tensors.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(network.tensors[i].name, expected[i].name);
    EXPECT_EQ(network.tensors[i].shape, expected[i].shape);
    EXPECT_EQ(network.tensors[i].dtype, asset::DType::float32);
  }
  EXPECT_EQ(nn::Sequential(network).output_rows(animate::mel_window(audio).rows), 1);
  EXPECT_EQ(audio.window, 400);
  EXPECT_EQ(audio.hop, 160);
  EXPECT_EQ(audio.mel_bins, 80);
  EXPECT_EQ(audio.fmin, 55.0);
  EXPECT_EQ(audio.fmax, 7600.0);
  EXPECT_EQ(audio.normalisation, asset::MelNormalisation::per_utterance);
}

TEST(AudioEncoderParity, SequentialGivesTheTorchCodesOnRandomWindows) {
  for (const auto& [before, after] : {std::pair{8, 8}, std::pair{3, 1}}) {
    const auto audio = audio_model::audio_config(25, before, after);
    auto net = random_net(audio, 32, 4);
    const int rows = animate::mel_window(audio).rows;
    const auto windows = torch::randn({5, rows, 80});
    c10::NoGradGuard no_grad;
    const auto expected = net->codes(windows);
    const nn::Sequential runtime(net->export_network());
    for (int b = 0; b < 5; ++b) {
      const auto window = windows[b].contiguous();
      const auto code = runtime.forward(window.data_ptr<float>(), rows);
      EXPECT_LT(max_difference(code, expected[b]), 1e-4) << "context " << before << "/" << after << ", window " << b;
    }
  }
}

TEST(AudioEncoderParity, RuntimeExpressionCodesMatchTheTrainersWindows) {
  const auto wav = test::shared_path("data/audio/speech_60s_16k.wav");
  BEING_REQUIRE_SHARED(wav);
  auto speech = dataset::read_wav(wav, 16000);
  speech.resize(3 * 16000 + 123);  // not a whole number of frames: the last window runs past the end
  auto mel = audio::log_mel(speech.data(), speech.size());
  audio::normalize_per_bin(mel, 80);
  const auto mel_t = torch::from_blob(mel.data(), {static_cast<int64_t>(mel.size() / 80), 80}, torch::kFloat32);
  // 30 fps: 3.33 mel rows per frame, so the window starts do not follow a fixed stride.
  for (const int fps : {25, 30}) {
    const auto audio = audio_model::audio_config(fps, 8, 8);
    auto net = random_net(audio, 32, 4);
    asset::Avatar avatar;
    avatar.audio = audio;
    avatar.networks = {net->export_network()};
    for (int k = 0; k < kCodes; ++k) avatar.face.expression_names.push_back("pca_" + std::to_string(k));
    const auto runtime_codes = animate::expression_codes(avatar, speech, fps);

    // The trainer's side: the same features, cut by MelWindows, through the LibTorch model.
    const int64_t frames = animate::frame_count(static_cast<int64_t>(speech.size()), 16000, fps);
    ASSERT_EQ(runtime_codes.size(), static_cast<std::size_t>(frames * kCodes));
    const audio_model::MelWindows windows(mel_t, animate::mel_window(audio), fps, frames);
    c10::NoGradGuard no_grad;
    const auto torch_codes = net->codes(windows.gather(torch::arange(frames, torch::kInt64)));
    EXPECT_LT(max_difference(runtime_codes, torch_codes), 1e-4) << fps << " fps";
  }
}
