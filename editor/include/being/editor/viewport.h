// The viewport's geometry, without a window: the orbit/zoom camera adjustment around the trained
// camera, the face mesh projected for the wireframe layer, and the pixel views (alpha, split).
#pragma once

#include "being/asset/avatar.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace being::editor {

struct Orbit {
  double yaw = 0;    // degrees, around the camera's vertical axis through the head
  double pitch = 0;  // degrees, around the camera's horizontal axis through the head
  double zoom = 1;   // > 0; 2: the head twice as large (it moves to half its distance)
};

// The camera-space transform (row-major 4x4) for player::AvatarPlayer::set_camera_adjustment:
// rotates about the head's centre (the neutral face mesh's centroid under idle pose `frame`) and
// moves the head towards the camera by `zoom`. Identity for the default Orbit.
std::array<double, 16> orbit_adjustment(const asset::Avatar& avatar, std::size_t frame, const Orbit& orbit);

// Head space -> camera space as the viewport shows idle frame `frame`: orbit_adjustment * the pose.
std::array<double, 16> orbit_view(const asset::Avatar& avatar, std::size_t frame, const Orbit& orbit);

// The mesh's unique edges (vertex index pairs), for the wireframe.
std::vector<std::pair<std::uint32_t, std::uint32_t>> mesh_edges(const asset::FaceMesh& face);

// Projects head-space vertices (V*3) through `view` (x_camera = view * x_head, row-major 4x4) and
// the avatar camera scaled to width x height; writes V (u, v) pixel pairs. Vertices behind the
// camera get NaN.
void project_vertices(const asset::Avatar& avatar, const std::vector<float>& vertices, const double view[16], int width,
                      int height, std::vector<float>& uv);

// Premultiplied RGBA -> opaque grey RGBA showing alpha (the alpha layer).
void alpha_view(const float* rgba, std::size_t pixels, float* out);

// Left of column `split` from `left`, the rest from `right` (both width x height RGBA).
void split_view(const float* left, const float* right, int width, int height, int split, float* out);

}  // namespace being::editor
