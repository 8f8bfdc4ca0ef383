#include "being/audio_model/audio_encoder.h"
#include "being/audio_model/augment.h"
#include "being/audio_model/encoder_net.h"

#include "being/audio/log_mel.h"

#include <c10/core/GradMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace being::audio_model {
namespace {

using asset::Layer;
using asset::LayerType;

Layer conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  Layer l;
  l.type = LayerType::conv1d;
  l.in = in, l.out = out, l.kernel = kernel, l.stride = stride, l.padding = padding;
  return l;
}
Layer of_type(LayerType type) {
  Layer l;
  l.type = type;
  return l;
}

// One recording (clean or augmented) ready for training: its windows and per-frame targets.
struct Copy {
  MelWindows windows;
  torch::Tensor targets;  // [frames, K] standardised, on the device
};

torch::Tensor to_device(const std::vector<float>& values, std::vector<int64_t> shape, const torch::Device& device) {
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat32).clone().to(device);
}

// Each code standardised over the usable training frames (the exported network undoes it), and its
// loss weight.
struct CodeStatistics {
  std::vector<float> mean, scale, weight;
};

CodeStatistics code_statistics(const AudioTrainingData& data, const std::vector<uint8_t>& usable, double variance_weighting) {
  const int k_dim = data.components;
  std::vector<double> sum(k_dim, 0.0), sum_sq(k_dim, 0.0);
  int counted = 0;
  for (std::size_t i = 0; i < usable.size(); ++i) {
    if (!usable[i]) continue;
    ++counted;
    for (int k = 0; k < k_dim; ++k) {
      const double v = data.expression[i * k_dim + k];
      sum[k] += v, sum_sq[k] += v * v;
    }
  }
  if (counted < 2) throw std::invalid_argument("audio encoder: fewer than 2 tracked frames in the training split");
  CodeStatistics s;
  s.mean.resize(k_dim), s.scale.resize(k_dim), s.weight.resize(k_dim);
  std::vector<double> variance(k_dim);
  double total_variance = 0, largest = 0;
  for (int k = 0; k < k_dim; ++k) {
    const double mean = sum[k] / counted;
    variance[k] = std::max(0.0, sum_sq[k] / counted - mean * mean);
    s.mean[k] = static_cast<float>(mean);
    total_variance += variance[k];
    largest = std::max(largest, std::sqrt(variance[k]));
  }
  for (int k = 0; k < k_dim; ++k) {
    s.weight[k] = static_cast<float>((1.0 - variance_weighting) +
                                     variance_weighting * (total_variance > 0 ? k_dim * variance[k] / total_variance : 1.0));
    // A constant code keeps a small scale instead of dividing by zero.
    s.scale[k] = static_cast<float>(std::max(std::sqrt(variance[k]), std::max(largest, 1e-12) * 1e-3));
  }
  return s;
}

}  // namespace

AudioEncoderConfig audio_encoder_config(const std::string& name) {
  AudioEncoderConfig c;  // "cpu"
  if (name == "cpu") return c;
  if (name == "tiny") {
    c.channels = 32, c.heads = 2, c.steps = 200, c.batch = 32, c.augmented_copies = 1, c.learning_rate = 3e-3;
  } else if (name == "gpu") {
    // The cpu model with twice the steps and batch: on 64 s of training audio (acosta) neither width,
    // more augmented copies nor more steps moved the validation mouth correlation beyond seed noise
    // (docs/audio-encoder.md). Longer videos may carry a wider model; that is not measured yet.
    c.steps = 1200, c.batch = 128;
  } else {
    throw std::invalid_argument("unknown audio encoder config \"" + name + "\" (use tiny, cpu or gpu)");
  }
  return c;
}

asset::AudioConfig audio_config(int fps, int context_before, int context_after) {
  if (fps <= 0 || context_before < 0 || context_after < 0)
    throw std::invalid_argument("audio_config: fps must be positive and the contexts not negative");
  const audio::MelConfig mel;  // the runtime's feature defaults, which the dataset's features use too
  asset::AudioConfig a;
  a.sample_rate = mel.sample_rate;
  a.mel_bins = mel.mel_bins;
  a.window = mel.window;
  a.hop = mel.hop;
  a.fmin = mel.fmin_hz;
  a.fmax = mel.fmax_hz;
  a.normalisation = asset::MelNormalisation::per_utterance;
  a.video_fps = fps;
  a.context_before = context_before;
  a.context_after = context_after;
  return a;
}

asset::Network encoder_layout(const asset::AudioConfig& audio, int components, int channels, int heads) {
  if (components <= 0 || channels <= 0 || heads <= 0 || channels % heads != 0)
    throw std::invalid_argument("encoder_layout: components and channels must be positive, channels a multiple of heads");
  const animate::MelWindow window = animate::mel_window(audio);
  const int64_t frames = audio.context_before + audio.context_after + 1, c = channels;
  asset::Network n;
  n.name = "audio_encoder";
  n.input_dim = audio.mel_bins;
  n.output_dim = components;
  Layer norm = of_type(LayerType::layer_norm);
  norm.dim = c;
  Layer attention = of_type(LayerType::self_attention);
  attention.dim = c, attention.heads = heads;
  Layer out = of_type(LayerType::linear);
  out.in = c, out.out = components;
  n.layers = {conv(audio.mel_bins, c, 3, 1, 1), of_type(LayerType::gelu),
              conv(c, c, window.mel_per_frame, window.mel_per_frame, 0), of_type(LayerType::gelu),
              conv(c, c, 3, 1, 1), of_type(LayerType::gelu),
              norm, attention, of_type(LayerType::gelu),
              conv(c, c, frames, 1, 0), of_type(LayerType::gelu),
              out};
  return n;
}

AudioTrainingData training_data(const dataset::Dataset& dataset) {
  const auto& m = dataset.manifest();
  const auto& t = dataset.tracks();
  AudioTrainingData d;
  d.samples = dataset.audio();
  d.sample_rate = m.audio.sample_rate;
  d.fps = m.fps;
  d.components = m.expression.components;
  d.expression = t.expression;
  d.valid = t.valid;
  d.train = m.train;
  d.validation = m.validation;
  d.expression_mean = t.expression_mean;
  d.expression_basis = t.expression_basis;
  return d;
}

AudioEncoderResult train_audio_encoder(const dataset::Dataset& dataset, const AudioEncoderOptions& options,
                                       const AudioEncoderProgress& progress) {
  return train_audio_encoder(training_data(dataset), options, progress);
}

AudioEncoderResult train_audio_encoder(const AudioTrainingData& data, const AudioEncoderOptions& options,
                                       const AudioEncoderProgress& progress) {
  return train_audio_encoder(data, audio_encoder_config(options.config), options, progress);
}

AudioEncoderResult train_audio_encoder(const AudioTrainingData& data, const AudioEncoderConfig& chosen,
                                       const AudioEncoderOptions& options, const AudioEncoderProgress& progress) {
  const auto started = std::chrono::steady_clock::now();
  AudioEncoderConfig config = chosen;
  if (options.steps < 0) throw std::invalid_argument("audio encoder: steps must not be negative");
  if (options.steps > 0) config.steps = options.steps;
  if (options.device != "cuda" && options.device != "cpu")
    throw std::invalid_argument("audio encoder: unknown device \"" + options.device + "\" (use cuda or cpu)");
  const int n = data.frames(), k_dim = data.components;
  if (data.samples.empty()) throw std::invalid_argument("audio encoder: the dataset has no audio to train on");
  if (k_dim <= 0 || data.expression.size() != static_cast<std::size_t>(n) * k_dim)
    throw std::invalid_argument("audio encoder: the expression codes are not frames * components values");
  const torch::Device device = options.device == "cuda" && torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;

  AudioEncoderResult result;
  result.audio = audio_config(data.fps, options.context_before, options.context_after);
  if (data.sample_rate != result.audio.sample_rate)
    throw std::invalid_argument("audio encoder: audio at " + std::to_string(data.sample_rate) + " Hz, the features need " +
                                std::to_string(result.audio.sample_rate) + " Hz");
  result.device = device.is_cuda() ? "cuda" : "cpu";
  const audio::MelConfig mel_config = animate::mel_config(result.audio);
  const animate::MelWindow window = animate::mel_window(result.audio);

  std::vector<uint8_t> usable(n, 0);
  for (int i = std::max(0, data.train.begin); i < std::min(n, data.train.end); ++i) usable[i] = data.valid[i];

  const CodeStatistics stats = code_statistics(data, usable, config.variance_weighting);
  const torch::Tensor mean_t = to_device(stats.mean, {k_dim}, device), scale_t = to_device(stats.scale, {k_dim}, device);
  const torch::Tensor weight_t = to_device(stats.weight, {1, k_dim}, device);
  if (data.expression_mean.size() != dataset::kMeshVertices * 3u ||
      data.expression_basis.size() != static_cast<std::size_t>(k_dim) * dataset::kMeshVertices * 3)
    throw std::invalid_argument("audio encoder: the expression mean and basis must be 468 vertices (and K of them)");
  // Lip vertex positions as a linear map of the standardised codes: [K, 3 * lips].
  std::vector<float> lip_map;
  for (int k = 0; k < k_dim; ++k)
    for (int v : lip_vertices())
      for (int axis = 0; axis < 3; ++axis)
        lip_map.push_back(stats.scale[k] * data.expression_basis[(static_cast<std::size_t>(k) * dataset::kMeshVertices + v) * 3 + axis]);
  const torch::Tensor lip_t = to_device(lip_map, {k_dim, static_cast<int64_t>(lip_vertices().size()) * 3}, device);

  // The clean recording and augmented copies, each normalised over its whole length as the runtime does.
  std::mt19937_64 rng(options.seed);
  torch::manual_seed(options.seed);
  std::vector<Copy> copies;
  std::vector<std::pair<int, int64_t>> pool;  // (copy, frame) whose frame and successor are usable
  for (int c = 0; c <= config.augmented_copies; ++c) {
    const Augmentation augmentation = c == 0 ? Augmentation{} : random_augmentation(rng);
    const std::vector<float> wave = c == 0 ? data.samples : augment_waveform(data.samples, augmentation, rng);
    std::vector<float> mel = audio::log_mel(wave.data(), wave.size(), mel_config);
    if (c == 0) {
      // The clean recording's statistics: live playback starts its running normalisation from them.
      audio::MelStatistics statistics(mel_config.mel_bins);
      statistics.add(mel.data(), mel.size() / mel_config.mel_bins);
      result.audio.mel_mean = statistics.mean();
      result.audio.mel_std = statistics.stddev();
    }
    audio::normalize_per_bin(mel, mel_config.mel_bins);
    const int frames = static_cast<int>(std::ceil(n / augmentation.speed));
    const RetimedTargets targets = retime_targets(data.expression, usable, k_dim, augmentation.speed, frames);
    const auto mel_t = to_device(mel, {static_cast<int64_t>(mel.size() / mel_config.mel_bins), mel_config.mel_bins}, device);
    copies.push_back({MelWindows(mel_t, window, data.fps, frames),
                      (to_device(targets.codes, {frames, k_dim}, device) - mean_t) / scale_t});
    for (int i = 0; i + 1 < frames; ++i)
      if (targets.usable[i] && targets.usable[i + 1]) pool.emplace_back(c, i);
  }
  if (pool.empty()) throw std::invalid_argument("audio encoder: no two successive tracked frames in the training split");
  // The lip term's scale: the lip vertices' total variance over the usable clean training frames.
  std::vector<int64_t> usable_frames;
  for (int i = 0; i < n; ++i)
    if (usable[i]) usable_frames.push_back(i);
  const torch::Tensor lips =
      torch::matmul(copies[0].targets.index_select(0, torch::tensor(usable_frames, torch::kInt64).to(device)), lip_t);
  const double lip_variance = std::max(1e-12, (lips - lips.mean(0)).pow(2).mean(0).sum().item<double>());

  auto net = std::make_shared<EncoderNet>(encoder_layout(result.audio, k_dim, config.channels, config.heads),
                                          torch::tensor(stats.mean), torch::tensor(stats.scale), config.dropout);
  net->to(device);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(config.learning_rate));
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  const auto index_options = torch::TensorOptions().dtype(torch::kInt64).device(device);
  const int64_t rows = window.rows, bins = mel_config.mel_bins;
  const int average_over = std::max(1, config.steps / 10);
  double first_sum = 0, last_sum = 0;

  net->train();
  for (int step = 0; step < config.steps; ++step) {
    const double progress_fraction = static_cast<double>(step) / config.steps;
    static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[0].options())
        .lr(config.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(M_PI * progress_fraction))));
    // A batch of frames and their successors, gathered copy by copy: rows [0, B) the frames, [B, 2B) the next ones.
    std::vector<std::vector<int64_t>> by_copy(copies.size());
    for (int b = 0; b < config.batch; ++b) {
      const auto& [c, frame] = pool[pick(rng)];
      by_copy[c].push_back(frame);
    }
    std::vector<torch::Tensor> now_windows, next_windows, now_targets, next_targets;
    for (std::size_t c = 0; c < copies.size(); ++c) {
      if (by_copy[c].empty()) continue;
      const auto frames = torch::tensor(by_copy[c], torch::kInt64).to(index_options.device());
      now_windows.push_back(copies[c].windows.gather(frames));
      next_windows.push_back(copies[c].windows.gather(frames + 1));
      now_targets.push_back(copies[c].targets.index_select(0, frames));
      next_targets.push_back(copies[c].targets.index_select(0, frames + 1));
    }
    torch::Tensor windows = torch::cat({torch::cat(now_windows), torch::cat(next_windows)});
    const torch::Tensor targets = torch::cat({torch::cat(now_targets), torch::cat(next_targets)});
    // SpecAugment: one time and one frequency band per window set to 0 (the utterance mean).
    const int64_t count = windows.size(0);
    const auto time = torch::arange(rows, index_options).view({1, rows, 1});
    const auto bin = torch::arange(bins, index_options).view({1, 1, bins});
    const auto t0 = torch::randint(0, rows, {count, 1, 1}, index_options);
    const auto tw = torch::randint(0, config.max_time_mask + 1, {count, 1, 1}, index_options);
    const auto f0 = torch::randint(0, bins, {count, 1, 1}, index_options);
    const auto fw = torch::randint(0, config.max_frequency_mask + 1, {count, 1, 1}, index_options);
    windows = windows.masked_fill(((time >= t0) & (time < t0 + tw)) | ((bin >= f0) & (bin < f0 + fw)), 0.0);

    const torch::Tensor predicted = net->forward(windows);
    const int64_t half = count / 2;
    const auto position_loss = (weight_t * (predicted - targets).pow(2)).mean();
    const auto velocity = [&](const torch::Tensor& x) { return x.slice(0, half, count) - x.slice(0, 0, half); };
    const auto velocity_loss = (weight_t * (velocity(predicted) - velocity(targets)).pow(2)).mean();
    const auto lip_loss = torch::matmul(predicted - targets, lip_t).pow(2).sum(1).mean() / lip_variance;
    const torch::Tensor loss = position_loss + config.velocity_weight * velocity_loss + config.lip_weight * lip_loss;
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();

    const double value = loss.item<double>();
    if (step < average_over) first_sum += value;
    if (step >= config.steps - average_over) last_sum += value;
    if (progress) progress(step + 1, config.steps, value);
  }
  result.steps = config.steps;
  result.first_loss = config.steps > 0 ? first_sum / average_over : 0.0;
  result.final_loss = config.steps > 0 ? last_sum / average_over : 0.0;

  // Validation: the clean recording's windows of the tracked validation frames.
  net->eval();
  std::vector<int64_t> validation_frames;
  for (int i = std::max(0, data.validation.begin); i < std::min(n, data.validation.end); ++i)
    if (data.valid[i]) validation_frames.push_back(i);
  if (!validation_frames.empty()) {
    c10::NoGradGuard no_grad;
    const auto frames = torch::tensor(validation_frames, torch::kInt64).to(device);
    std::vector<torch::Tensor> parts;
    for (int64_t begin = 0; begin < frames.size(0); begin += 256)
      parts.push_back(net->codes(copies[0].windows.gather(frames.slice(0, begin, std::min<int64_t>(begin + 256, frames.size(0))))));
    const torch::Tensor predicted_t = torch::cat(parts).to(torch::kCPU).contiguous();
    const std::vector<float> predicted(predicted_t.data_ptr<float>(), predicted_t.data_ptr<float>() + predicted_t.numel());
    std::vector<float> tracked;
    for (int64_t i : validation_frames)
      tracked.insert(tracked.end(), data.expression.begin() + i * k_dim, data.expression.begin() + (i + 1) * k_dim);
    result.validation = evaluate_codes(predicted, tracked, k_dim, data.expression_mean, data.expression_basis);
  }
  result.network = net->export_network();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace being::audio_model
