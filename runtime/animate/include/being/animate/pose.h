// Head pose per output frame (docs/runtime.md, "Head pose, camera and background"): the idle loop
// runs at its own rate and wraps; its pose takes head space to camera space.
#pragma once

#include "being/asset/avatar.h"

#include <cstddef>
#include <cstdint>

namespace being::animate {

// The idle-loop frame output frame `frame` at `fps` shows: floor(frame * idle.fps / fps) mod F.
std::size_t idle_frame(int64_t frame, int fps, const asset::IdleLoop& idle);
// The same for a loop of `count` frames played at `loop_fps`: floor(frame * loop_fps / fps) mod count.
std::size_t loop_frame(int64_t frame, int fps, double loop_fps, std::size_t count);

// Row-major 3x3 rotation matrix of a quaternion (x, y, z, w), normalised first.
void rotation_matrix(const float q[4], double r[9]);

// Head space -> camera space of idle frame `f` as a row-major 4x4 (x_camera = R x_head + t).
void head_to_camera(const asset::IdleLoop& idle, std::size_t f, double view[16]);

}  // namespace being::animate
