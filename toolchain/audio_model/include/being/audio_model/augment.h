// Waveform augmentation for the audio encoder's training, so that voices other than the training
// speaker's drive the avatar too: speed/pitch change (resampling, which moves pitch and formants
// together, and re-times the speech), spectral tilt (a first-order filter: another microphone or
// voice colour), gain, and additive noise at a chosen SNR. The log-mel is computed after these, so
// the trainer precomputes a few augmented copies of the whole recording (each with its own
// per-utterance normalisation, as the runtime normalises a whole file).
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace being::audio_model {

struct Augmentation {
  double speed = 1.0;    // > 1: faster and higher (the copy is shorter by this factor)
  double tilt = 0.0;     // y[n] = (x[n] - tilt * x[n-1]) / (1 + |tilt|): > 0 brightens, < 0 darkens
  double gain_db = 0.0;
  double snr_db = std::numeric_limits<double>::infinity();  // white noise; infinity: none
};

// The ranges random_augmentation() draws from (uniformly).
struct AugmentationRanges {
  double max_speed_change = 0.10;  // speed in [1 - c, 1 + c]
  double max_tilt = 0.6;
  double max_gain_db = 12.0;
  double min_snr_db = 10.0, max_snr_db = 40.0;
};

Augmentation random_augmentation(std::mt19937_64& rng, const AugmentationRanges& ranges = {});

// The augmented waveform (floor(size / speed) samples). Noise draws from `rng`.
std::vector<float> augment_waveform(const std::vector<float>& samples, const Augmentation& augmentation, std::mt19937_64& rng);

// Per-frame targets of a copy played at `speed`: frame m of the copy shows original time m * speed
// (in frames), so its target interpolates the original frames around m * speed linearly. A copy
// frame is usable only when the original frames it interpolates are all usable.
struct RetimedTargets {
  std::vector<float> codes;     // frames * components
  std::vector<uint8_t> usable;  // frames
};
RetimedTargets retime_targets(const std::vector<float>& codes, const std::vector<uint8_t>& usable, int components,
                              double speed, int frames);

}  // namespace being::audio_model
