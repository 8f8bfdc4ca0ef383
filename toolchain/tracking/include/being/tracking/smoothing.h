// Offline smoothing of per-frame signals without lag: a constant-velocity Kalman filter run forward,
// then the Rauch-Tung-Striebel pass backward. Jitter goes, motion keeps its timing.
#pragma once

#include <vector>

namespace being::tracking {

struct SmootherOptions {
  double measurement_noise = 1.0;  // standard deviation of the jitter, in the signal's units
  double process_noise = 0.1;      // how fast the true velocity may change (per frame)
};

// Smooths one signal. Samples with `valid[i] == false` are bridged (no measurement there); an empty
// `valid` means every sample is valid.
std::vector<double> smooth_rts(const std::vector<double>& samples, const SmootherOptions& options,
                               const std::vector<bool>& valid = {});

}  // namespace being::tracking
