// A linear expression model learnt from one video: the mean canonical-space mesh and the K directions
// in which the per-frame meshes vary most (PCA). A frame's expression code is its mesh projected onto
// those directions; the avatar's deformation and the audio model work in codes.
#pragma once

#include "being/tracking/head_tracker.h"

#include <vector>

namespace being::tracking {

struct ExpressionBasisOptions {
  int components = 32;  // K; capped by the number of valid frames (and the mesh's value count)
};

struct ExpressionBasis {
  int vertex_count = 0;              // V; a mesh has 3V values, x y z per vertex
  std::vector<double> mean;          // 3V
  std::vector<double> components;    // K x 3V row-major, orthonormal rows, largest variance first; the
                                     // largest-magnitude entry of each row is positive
  std::vector<double> variances;     // K, per component (cm^2, over the fitted frames)
  double kept_variance_fraction = 0; // sum of the K variances / total variance of the fitted frames
  double reconstruction_rms_cm = 0;  // RMS 3D vertex distance between fitted meshes and their decoding

  int size() const { return static_cast<int>(variances.size()); }
};

// PCA of the meshes whose `valid` flag is set (all when `valid` is empty). Deterministic: a fixed
// start for the subspace iteration and a fixed sign per component. Throws std::invalid_argument when
// no frame is valid, the meshes differ in vertex count, or the flags do not match the meshes.
ExpressionBasis fit_expression_basis(const std::vector<std::vector<Vec3>>& meshes, const std::vector<bool>& valid = {},
                                     const ExpressionBasisOptions& options = {});

// The K codes of one mesh (its projection on the components), and the mesh a code describes.
std::vector<double> encode_expression(const ExpressionBasis& basis, const std::vector<Vec3>& mesh);
std::vector<Vec3> decode_expression(const ExpressionBasis& basis, const std::vector<double>& codes);

}  // namespace being::tracking
