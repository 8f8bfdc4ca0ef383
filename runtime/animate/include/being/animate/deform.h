// Expression code -> face mesh -> Gaussians (docs/runtime.md, "Deformation"): the mesh is
// neutral + sum_k code_k * basis_k, and every face or mouth-interior Gaussian follows its
// triangle's frame on that mesh as docs/avatar-format.md ("Binding") defines it; head-rigid
// Gaussians keep their head-space parameters.
#pragma once

#include "being/asset/avatar.h"

#include <vector>

namespace being::animate {

// The per-frame part of the Gaussians, in the .avatar layout (head space).
struct GaussianGeometry {
  std::vector<float> positions;   // N*3
  std::vector<float> rotations;   // N*4 (x, y, z, w)
  std::vector<float> log_scales;  // N*3
};

// Borrows the avatar (which must outlive it and have passed asset::validate).
class Deformer {
 public:
  explicit Deformer(const asset::Avatar& avatar);

  // vertices = neutral + sum_k code[k] * basis[k]; `code` has expression_dim() values.
  void deform_mesh(const float* code, std::vector<float>& vertices) const;
  // The Gaussians' geometry on a mesh with the face's topology (V*3 vertices).
  void bind(const std::vector<float>& vertices, GaussianGeometry& out) const;
  // Both steps.
  void apply(const float* code, GaussianGeometry& out);

 private:
  const asset::Avatar& avatar_;
  std::vector<float> vertices_;
};

}  // namespace being::animate
