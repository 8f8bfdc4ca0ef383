#include "being/animate/deform.h"

#include <array>
#include <cmath>
#include <cstddef>

namespace being::animate {
namespace {

using Vec3 = std::array<double, 3>;
using Quat = std::array<double, 4>;  // x, y, z, w

Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec3& a) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }
Vec3 normalized(const Vec3& a) {
  const double n = norm(a);
  return {a[0] / n, a[1] / n, a[2] / n};
}

// Quaternion of the rotation whose matrix has columns x, y, z (Shepperd's method: the largest of
// the four candidates keeps it accurate for every rotation).
Quat quat_from_axes(const Vec3& x, const Vec3& y, const Vec3& z) {
  const double m00 = x[0], m10 = x[1], m20 = x[2];
  const double m01 = y[0], m11 = y[1], m21 = y[2];
  const double m02 = z[0], m12 = z[1], m22 = z[2];
  const double trace = m00 + m11 + m22;
  Quat q;
  if (trace > 0) {
    const double s = 2.0 * std::sqrt(1.0 + trace);
    q = {(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, 0.25 * s};
  } else if (m00 > m11 && m00 > m22) {
    const double s = 2.0 * std::sqrt(1.0 + m00 - m11 - m22);
    q = {0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s};
  } else if (m11 > m22) {
    const double s = 2.0 * std::sqrt(1.0 + m11 - m00 - m22);
    q = {(m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s};
  } else {
    const double s = 2.0 * std::sqrt(1.0 + m22 - m00 - m11);
    q = {(m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s};
  }
  return q;
}

// a * b (apply b, then a).
Quat multiply(const Quat& a, const Quat& b) {
  return {a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
          a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
          a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
          a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]};
}

}  // namespace

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
  auto vertex = [&](uint32_t v) -> Vec3 { return {vertices[v * 3], vertices[v * 3 + 1], vertices[v * 3 + 2]}; };
  for (std::size_t i = 0; i < count; ++i) {
    const uint32_t t = b.triangles[i];
    if (t == asset::kNoTriangle) {
      for (int c = 0; c < 3; ++c) out.positions[i * 3 + c] = g.positions[i * 3 + c];
      for (int c = 0; c < 4; ++c) out.rotations[i * 4 + c] = g.rotations[i * 4 + c];
      for (int c = 0; c < 3; ++c) out.log_scales[i * 3 + c] = g.log_scales[i * 3 + c];
      continue;
    }
    const Vec3 v0 = vertex(tri[t * 3]), v1 = vertex(tri[t * 3 + 1]), v2 = vertex(tri[t * 3 + 2]);
    const Vec3 e01 = sub(v1, v0), e02 = sub(v2, v0), e12 = sub(v2, v1);
    const Vec3 x = normalized(e01);
    const Vec3 z = normalized(cross(e01, e02));
    const Vec3 y = cross(z, x);
    const double k = (norm(e01) + norm(e12) + norm(e02)) / 3.0;
    const float* w = &b.barycentrics[i * 3];
    const double offset = k * b.normal_offsets[i];
    for (int c = 0; c < 3; ++c)
      out.positions[i * 3 + c] = static_cast<float>(w[0] * v0[c] + w[1] * v1[c] + w[2] * v2[c] + offset * z[c]);
    const float* lq = &b.local_rotations[i * 4];
    const Quat q = multiply(quat_from_axes(x, y, z), {lq[0], lq[1], lq[2], lq[3]});
    for (int c = 0; c < 4; ++c) out.rotations[i * 4 + c] = static_cast<float>(q[c]);
    const double log_k = std::log(k);
    for (int c = 0; c < 3; ++c) out.log_scales[i * 3 + c] = static_cast<float>(b.local_log_scales[i * 3 + c] + log_k);
  }
}

void Deformer::apply(const float* code, GaussianGeometry& out) {
  deform_mesh(code, vertices_);
  bind(vertices_, out);
}

}  // namespace being::animate
