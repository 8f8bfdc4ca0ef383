#include <algorithm>
#include <cmath>

#include "being/audio/log_mel.h"
#include "being/dataset/tensor_file.h"
#include "stages.h"

namespace being::ingest {

std::int64_t write_audio(const std::filesystem::path& dir, std::vector<float> samples, double start_s, double shift_s,
                         const dataset::Manifest& m) {
  const int rate = m.audio.sample_rate;
  // Sample k of the output plays at k / rate on the video's clock: the stream's own start offset and
  // the A/V shift (positive: the sound came late, so it moves earlier) both move samples.
  const auto offset = static_cast<std::int64_t>(std::llround((start_s - shift_s) * rate));
  if (offset > 0) samples.insert(samples.begin(), static_cast<std::size_t>(offset), 0.0f);
  if (offset < 0) samples.erase(samples.begin(), samples.begin() + std::min<std::int64_t>(-offset, samples.size()));
  const std::int64_t total = static_cast<std::int64_t>(m.frames) * rate / m.fps;
  samples.resize(static_cast<std::size_t>(total), 0.0f);
  dataset::write_wav(dir / "audio.wav", samples, rate);

  audio::MelConfig config;
  config.sample_rate = rate;
  const auto mel = audio::log_mel(samples.data(), samples.size(), config);
  const std::int64_t frames = static_cast<std::int64_t>(mel.size()) / config.mel_bins;
  // Statistics over the training part only, so validation stays unseen.
  const std::int64_t train_frames =
      std::min<std::int64_t>(frames, static_cast<std::int64_t>(m.train.end) * rate / m.fps / config.hop);
  audio::MelStatistics stats(config.mel_bins);
  stats.add(mel.data(), static_cast<std::size_t>(train_frames));
  dataset::TensorFile f;
  f.arrays["mel"] = dataset::Array::f32({frames, config.mel_bins}, mel);
  f.arrays["mel_mean"] = dataset::Array::f32({config.mel_bins}, stats.mean());
  f.arrays["mel_std"] = dataset::Array::f32({config.mel_bins}, stats.stddev());
  f.metadata["hop"] = std::to_string(config.hop);
  f.metadata["window"] = std::to_string(config.window);
  dataset::write_tensor_file(dir / "features.safetensors", f);
  return total;
}

}  // namespace being::ingest
