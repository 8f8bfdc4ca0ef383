#include "being/animate/deform.h"

#include "being/deform/binding_math.h"

#include <cstddef>

namespace being::animate {

Deformer::Deformer(const asset::Avatar& avatar) : avatar_(avatar) {}

void Deformer::deform_mesh(const float* code, std::vector<float>& vertices) const {
  const auto& face = avatar_.face;
  vertices = face.vertices;
  const std::size_t n = vertices.size();
  for (std::size_t k = 0; k < face.expression_dim(); ++k) {
    if (code[k] == 0.0f) continue;
    const float* delta = &face.expression_basis[k * n];
    for (std::size_t i = 0; i < n; ++i) vertices[i] += code[k] * delta[i];
  }
}

void Deformer::bind(const std::vector<float>& vertices, GaussianGeometry& out) const {
  const auto& g = avatar_.gaussians;
  const auto& b = avatar_.binding;
  const auto& tri = avatar_.face.triangles;
  const std::size_t count = g.count();
  out.positions.resize(count * 3);
  out.rotations.resize(count * 4);
  out.log_scales.resize(count * 3);
  auto vertex = [&](uint32_t v) { return deform::Vec3{vertices[v * 3], vertices[v * 3 + 1], vertices[v * 3 + 2]}; };
  for (std::size_t i = 0; i < count; ++i) {
    const uint32_t t = b.triangles[i];
    if (t == asset::kNoTriangle) {
      for (int c = 0; c < 3; ++c) out.positions[i * 3 + c] = g.positions[i * 3 + c];
      for (int c = 0; c < 4; ++c) out.rotations[i * 4 + c] = g.rotations[i * 4 + c];
      for (int c = 0; c < 3; ++c) out.log_scales[i * 3 + c] = g.log_scales[i * 3 + c];
      continue;
    }
    deform::bind_to_triangle(vertex(tri[t * 3]), vertex(tri[t * 3 + 1]), vertex(tri[t * 3 + 2]), &b.barycentrics[i * 3],
                             b.normal_offsets[i], &b.local_rotations[i * 4], &b.local_log_scales[i * 3],
                             &out.positions[i * 3], &out.rotations[i * 4], &out.log_scales[i * 3]);
  }
}

void Deformer::apply(const float* code, GaussianGeometry& out) {
  deform_mesh(code, vertices_);
  bind(vertices_, out);
}

}  // namespace being::animate
