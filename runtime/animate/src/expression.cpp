#include "being/animate/expression.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace being::animate {
namespace {

const asset::Network& find_network(const asset::Avatar& avatar, const std::string& name) {
  for (const auto& network : avatar.networks)
    if (network.name == name) return network;
  throw asset::AssetError("networks: no \"" + name + "\" network; this avatar cannot be driven by audio");
}

}  // namespace

audio::MelConfig mel_config(const asset::AudioConfig& config) {
  audio::MelConfig mel;
  mel.sample_rate = config.sample_rate;
  mel.window = config.window;
  mel.hop = config.hop;
  mel.n_fft = 1;
  while (mel.n_fft < config.window) mel.n_fft *= 2;
  mel.mel_bins = config.mel_bins;
  mel.fmin_hz = static_cast<float>(config.fmin);
  mel.fmax_hz = static_cast<float>(config.fmax);
  return mel;
}

int64_t MelWindow::centre(int64_t frame, int fps) const {
  return std::llround(static_cast<double>(frame) * sample_rate / (static_cast<double>(hop) * fps));
}

MelWindow mel_window(const asset::AudioConfig& config) {
  MelWindow w;
  w.sample_rate = config.sample_rate;
  w.hop = config.hop;
  w.mel_per_frame = std::max(1, static_cast<int>(std::lround(config.sample_rate / (config.hop * config.video_fps))));
  w.offset_before = static_cast<int64_t>(config.context_before) * w.mel_per_frame;
  w.rows = (config.context_before + config.context_after + 1) * w.mel_per_frame;
  return w;
}

ExpressionEncoder::ExpressionEncoder(const asset::Avatar& avatar)
    : network_(find_network(avatar, "audio_encoder")),
      window_(mel_window(avatar.audio)),
      code_dim_(avatar.face.expression_dim()),
      mel_bins_(avatar.audio.mel_bins) {
  if (network_.input_dim() != mel_bins_)
    throw asset::AssetError("networks.audio_encoder: takes " + std::to_string(network_.input_dim()) +
                            " features but the audio configuration has " + std::to_string(mel_bins_) + " mel bins");
  if (network_.output_dim() != static_cast<int64_t>(code_dim_))
    throw asset::AssetError("networks.audio_encoder: gives " + std::to_string(network_.output_dim()) +
                            " values but the face has " + std::to_string(code_dim_) + " expression codes");
  if (network_.output_rows(window_.rows) < 1)
    throw asset::AssetError("networks.audio_encoder: gives no rows for a window of " +
                            std::to_string(window_.rows) + " mel frames");
}

void ExpressionEncoder::encode(const float* window, float* code) const {
  const int64_t rows = network_.output_rows(window_.rows);
  const std::vector<float> out = network_.forward(window, window_.rows);
  for (std::size_t k = 0; k < code_dim_; ++k) {
    float sum = 0.0f;
    for (int64_t r = 0; r < rows; ++r) sum += out[r * code_dim_ + k];
    code[k] = sum / static_cast<float>(rows);
  }
}

int64_t frame_count(int64_t samples, int sample_rate, int fps) {
  return (samples * fps + sample_rate - 1) / sample_rate;
}

std::vector<float> expression_codes(const asset::Avatar& avatar, const std::vector<float>& samples, int fps) {
  const ExpressionEncoder encoder(avatar);
  const int bins = avatar.audio.mel_bins;
  std::vector<float> mel = audio::log_mel(samples.data(), samples.size(), mel_config(avatar.audio));
  if (avatar.audio.normalisation == asset::MelNormalisation::per_utterance) audio::normalize_per_bin(mel, bins);
  const int64_t total_rows = static_cast<int64_t>(mel.size() / bins);
  const int64_t frames = frame_count(static_cast<int64_t>(samples.size()), avatar.audio.sample_rate, fps);
  const MelWindow& w = encoder.window();
  std::vector<float> window(static_cast<std::size_t>(w.rows) * bins);
  std::vector<float> codes(static_cast<std::size_t>(frames) * encoder.code_dim());
  for (int64_t i = 0; i < frames; ++i) {
    gather_window(w.first(i, fps), w.rows, total_rows, bins,
           [&](int64_t j, float* dst) { std::memcpy(dst, &mel[j * bins], bins * sizeof(float)); }, window.data());
    encoder.encode(window.data(), &codes[i * encoder.code_dim()]);
  }
  return codes;
}

}  // namespace being::animate
