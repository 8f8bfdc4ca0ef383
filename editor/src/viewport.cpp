#include "being/editor/viewport.h"

#include "being/animate/pose.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace being::editor {
namespace {

using Matrix = std::array<double, 16>;

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix m{};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      for (int k = 0; k < 4; ++k) m[r * 4 + c] += a[r * 4 + k] * b[k * 4 + c];
  return m;
}

Matrix translation(double x, double y, double z) { return {1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1}; }

}  // namespace

std::array<double, 16> orbit_adjustment(const asset::Avatar& avatar, std::size_t frame, const Orbit& orbit) {
  const auto& v = avatar.face.vertices;
  double centre[3] = {0, 0, 0};
  for (std::size_t i = 0; i < v.size(); ++i) centre[i % 3] += v[i];
  for (double& c : centre) c /= static_cast<double>(v.size() / 3);
  double pose[16];
  animate::head_to_camera(avatar.idle, frame, pose);
  double c[3];
  for (int r = 0; r < 3; ++r) c[r] = pose[r * 4] * centre[0] + pose[r * 4 + 1] * centre[1] + pose[r * 4 + 2] * centre[2] + pose[r * 4 + 3];
  const double yaw = orbit.yaw * M_PI / 180, pitch = orbit.pitch * M_PI / 180;
  // Camera space is x right, y down, z forward: yaw turns about y, pitch about x.
  const Matrix turn_yaw = {std::cos(yaw), 0, std::sin(yaw), 0, 0, 1, 0, 0, -std::sin(yaw), 0, std::cos(yaw), 0, 0, 0, 0, 1};
  const Matrix turn_pitch = {1, 0, 0, 0, 0, std::cos(pitch), -std::sin(pitch), 0, 0, std::sin(pitch), std::cos(pitch), 0, 0, 0, 0, 1};
  const double zoom = std::max(orbit.zoom, 1e-3);
  return multiply(translation(c[0], c[1], c[2] / zoom),
                  multiply(turn_pitch, multiply(turn_yaw, translation(-c[0], -c[1], -c[2]))));
}

std::array<double, 16> orbit_view(const asset::Avatar& avatar, std::size_t frame, const Orbit& orbit) {
  Matrix pose;
  animate::head_to_camera(avatar.idle, frame, pose.data());
  return multiply(orbit_adjustment(avatar, frame, orbit), pose);
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> mesh_edges(const asset::FaceMesh& face) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (std::size_t t = 0; t < face.triangle_count(); ++t)
    for (int e = 0; e < 3; ++e) {
      const std::uint32_t a = face.triangles[t * 3 + e], b = face.triangles[t * 3 + (e + 1) % 3];
      edges.insert({std::min(a, b), std::max(a, b)});
    }
  return {edges.begin(), edges.end()};
}

void project_vertices(const asset::Avatar& avatar, const std::vector<float>& vertices, const double view[16], int width,
                      int height, std::vector<float>& uv) {
  const asset::Camera& k = avatar.camera;
  const double sx = double(width) / k.width, sy = double(height) / k.height;
  uv.resize(vertices.size() / 3 * 2);
  for (std::size_t i = 0; i < vertices.size() / 3; ++i) {
    double p[3];
    for (int r = 0; r < 3; ++r)
      p[r] = view[r * 4] * vertices[i * 3] + view[r * 4 + 1] * vertices[i * 3 + 1] + view[r * 4 + 2] * vertices[i * 3 + 2] + view[r * 4 + 3];
    const bool visible = p[2] > 1e-6;
    uv[i * 2] = visible ? static_cast<float>((k.fx * p[0] / p[2] + k.cx) * sx) : std::numeric_limits<float>::quiet_NaN();
    uv[i * 2 + 1] = visible ? static_cast<float>((k.fy * p[1] / p[2] + k.cy) * sy) : std::numeric_limits<float>::quiet_NaN();
  }
}

void alpha_view(const float* rgba, std::size_t pixels, float* out) {
  for (std::size_t i = 0; i < pixels; ++i) {
    const float a = rgba[i * 4 + 3];
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = a;
    out[i * 4 + 3] = 1.0f;
  }
}

void split_view(const float* left, const float* right, int width, int height, int split, float* out) {
  const int cut = std::clamp(split, 0, width);
  for (int y = 0; y < height; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * width * 4;
    std::copy(left + row, left + row + static_cast<std::size_t>(cut) * 4, out + row);
    std::copy(right + row + static_cast<std::size_t>(cut) * 4, right + row + static_cast<std::size_t>(width) * 4,
              out + row + static_cast<std::size_t>(cut) * 4);
  }
}

}  // namespace being::editor
