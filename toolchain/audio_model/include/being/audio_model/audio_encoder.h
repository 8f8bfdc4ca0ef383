// The audio encoder of an avatar (docs/audio-encoder.md): a network of the runtime's layer types
// (conv1d over the mel window, self-attention over the window's frames, a position-aware pooling
// conv, a linear layer to the K expression codes) trained per avatar on the dataset's tracked
// expression codes, and exported as the `audio_encoder` network of the .avatar with its
// AudioConfig. The runtime (being::animate::expression_codes) gives the same codes as the trained
// LibTorch model.
#pragma once

#include "being/asset/avatar.h"
#include "being/dataset/dataset.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace being::audio_model {

struct AudioEncoderOptions {
  std::string config = "gpu";   // "tiny" (CI, seconds), "cpu" (~30 s per minute of video), "gpu"
  std::string device = "cuda";  // "cuda" (the CPU when CUDA is not available) or "cpu"
  int steps = 0;                // 0: the config's
  int context_before = 8;       // video frames of audio before the frame (file mode)
  int context_after = 8;        // video frames of look-ahead
  std::uint64_t seed = 1;
};

// Sizes and schedule of one named configuration; the defaults are the "cpu" one.
struct AudioEncoderConfig {
  int channels = 64;           // conv / attention width
  int heads = 4;
  int steps = 600;
  int batch = 64;              // frame pairs per step (each frame with its successor, for the velocity term)
  int augmented_copies = 3;    // besides the clean copy
  double learning_rate = 1e-3;  // Adam, cosine decay to 5%
  double velocity_weight = 8.0;  // 0.5 .. 16 measured on acosta: 4-8 best (docs/audio-encoder.md)
  // Loss weight of code k: (1 - v) + v * K * variance_k / sum(variances): v = 0 weighs every
  // (standardised) code alike, v = 1 by its share of the motion, which the mouth codes dominate.
  double variance_weighting = 0.5;
  // Weight of the lip term: the squared error of the lip vertices (inner and outer lips, corners)
  // that the predicted codes place, over their variance in the training frames. Most of the codes
  // also move brows, eyes and the head outline, which the audio does not tell.
  double lip_weight = 1.0;
  double dropout = 0.1;         // after every activation, in training only
  int max_time_mask = 8;       // SpecAugment: one time mask of up to this many mel rows per window
  int max_frequency_mask = 10;  // and one frequency mask of up to this many bins
};
// Throws std::invalid_argument for an unknown name.
AudioEncoderConfig audio_encoder_config(const std::string& name);

// The training material, read from a dataset (training_data) or made by a test.
struct AudioTrainingData {
  std::vector<float> samples;  // mono
  int sample_rate = 16000;
  int fps = 25;
  int components = 0;               // K
  std::vector<float> expression;    // [N, K] tracked codes
  std::vector<uint8_t> valid;       // [N]
  dataset::Range train, validation;
  std::vector<float> expression_mean;   // [468, 3] (the mouth opening metric)
  std::vector<float> expression_basis;  // [K, 468, 3] (the lip term and the metric)
  int frames() const { return static_cast<int>(valid.size()); }
};
AudioTrainingData training_data(const dataset::Dataset& dataset);

// What the runtime needs to reproduce the training features: the MelConfig defaults of runtime/audio,
// per-utterance normalisation, the video rate and the contexts.
asset::AudioConfig audio_config(int fps, int context_before, int context_after);

// The encoder's layers for `components` codes: conv1d k3 (mel bins -> C), conv1d with kernel and
// stride M (one row per video frame), conv1d k3, layer_norm, self_attention, a conv1d whose kernel
// spans every frame row (one output row: pooling that knows where the current frame is), linear to K.
asset::Network encoder_layout(const asset::AudioConfig& audio, int components, int channels, int heads);

struct AudioEncoderMetrics {
  int frames = 0;                            // validation frames evaluated
  std::vector<double> component_correlation;  // per code, predicted vs tracked
  double code0_correlation = 0;
  double mouth_correlation = 0;  // mouth opening of the mesh, predicted vs tracked codes
  double rmse = 0;               // over all codes and frames
};

// The canonical mesh vertices of the lip term: inner lips 13/14, outer lips 0/17, corners 61/291,
// inner corners 78/308.
const std::vector<int>& lip_vertices();

// Mouth opening of the face mesh mean + sum_k code[k] * basis[k]: distance of vertices 13 and 14
// (inner lips) over the distance of 10 and 152 (forehead to chin). codes: frames * K.
std::vector<double> mouth_opening(const std::vector<float>& codes, int components, const std::vector<float>& mean,
                                  const std::vector<float>& basis);
// Pearson correlation; 0 when either side is constant.
double correlation(const std::vector<double>& a, const std::vector<double>& b);
// Metrics of predicted codes against tracked ones (both frames * K, the same frames).
AudioEncoderMetrics evaluate_codes(const std::vector<float>& predicted, const std::vector<float>& tracked, int components,
                                   const std::vector<float>& mean, const std::vector<float>& basis);

struct AudioEncoderResult {
  asset::Network network;  // "audio_encoder", float32
  asset::AudioConfig audio;
  AudioEncoderMetrics validation;
  double first_loss = 0, final_loss = 0;  // mean training loss of the first / last 10% of the steps
  int steps = 0;
  double seconds = 0;
  std::string device;  // "cuda" or "cpu": where it ran
};

using AudioEncoderProgress = std::function<void(int step, int total, double loss)>;

// Throws std::invalid_argument for bad options or data (no audio, no usable training frames).
AudioEncoderResult train_audio_encoder(const AudioTrainingData& data, const AudioEncoderOptions& options,
                                       const AudioEncoderProgress& progress = {});
// The same with explicit sizes and schedule instead of options.config's (options.steps, when set,
// still overrides config.steps).
AudioEncoderResult train_audio_encoder(const AudioTrainingData& data, const AudioEncoderConfig& config,
                                       const AudioEncoderOptions& options, const AudioEncoderProgress& progress = {});
AudioEncoderResult train_audio_encoder(const dataset::Dataset& dataset, const AudioEncoderOptions& options,
                                       const AudioEncoderProgress& progress = {});

}  // namespace being::audio_model
