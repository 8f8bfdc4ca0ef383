// Weighted similarity alignment (Umeyama): the scale, rotation and translation that map one point
// set onto another in the weighted least-squares sense. Head pose starts here: the canonical face's
// landmarks mapped onto the tracked ones, with MediaPipe's Procrustes weights.
#pragma once

#include <array>
#include <vector>

namespace being::face_model {

struct SimilarityTransform {
  double scale = 1.0;
  std::array<std::array<double, 3>, 3> rotation{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};  // row-major, det = +1
  std::array<double, 3> translation{0, 0, 0};
  double rms_error = 0.0;  // weighted RMS distance between the mapped source and the target

  std::array<double, 3> apply(const std::array<double, 3>& p) const;
};

// Finds T minimising sum_i w_i |T(source_i) - target_i|^2. Needs at least 3 points with positive
// weight that are not collinear; throws std::invalid_argument otherwise or on mismatched sizes.
SimilarityTransform fit_similarity(const std::vector<std::array<double, 3>>& source,
                                   const std::vector<std::array<double, 3>>& target,
                                   const std::vector<double>& weights);

}  // namespace being::face_model
