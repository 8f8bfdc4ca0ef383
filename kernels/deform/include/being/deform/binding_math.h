// The binding of a Gaussian to a face-mesh triangle (docs/avatar-format.md, "Binding"), written once
// for the CPU (runtime/animate) and the CUDA kernels (deform_cuda.h), so both evaluate the same
// formulas in the same order, in double precision.
//
// Triangle frame: x along edge v0->v1, z along the triangle's normal, y = z cross x; scale k = the
// mean edge length. Position = barycentric point + normal_offset * k along z; rotation = frame
// rotation * local rotation; log-scale = local log-scale + log(k).
#pragma once

#include <cmath>

#ifdef __CUDACC__
#define BEING_HOST_DEVICE __host__ __device__
#else
#define BEING_HOST_DEVICE
#endif

namespace being::deform {

struct Vec3 {
  double x, y, z;
};

struct Quat {
  double x, y, z, w;
};

BEING_HOST_DEVICE inline Vec3 sub(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
BEING_HOST_DEVICE inline Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
BEING_HOST_DEVICE inline double length(Vec3 a) { return sqrt(a.x * a.x + a.y * a.y + a.z * a.z); }
BEING_HOST_DEVICE inline Vec3 normalized(Vec3 a) {
  const double n = length(a);
  return {a.x / n, a.y / n, a.z / n};
}

// Quaternion of the rotation whose matrix has columns x, y, z (Shepperd's method: the largest of the
// four candidates keeps it accurate for every rotation).
BEING_HOST_DEVICE inline Quat quat_from_axes(Vec3 x, Vec3 y, Vec3 z) {
  const double trace = x.x + y.y + z.z;
  if (trace > 0) {
    const double s = 2.0 * sqrt(1.0 + trace);
    return {(y.z - z.y) / s, (z.x - x.z) / s, (x.y - y.x) / s, 0.25 * s};
  }
  if (x.x > y.y && x.x > z.z) {
    const double s = 2.0 * sqrt(1.0 + x.x - y.y - z.z);
    return {0.25 * s, (y.x + x.y) / s, (z.x + x.z) / s, (y.z - z.y) / s};
  }
  if (y.y > z.z) {
    const double s = 2.0 * sqrt(1.0 + y.y - x.x - z.z);
    return {(y.x + x.y) / s, 0.25 * s, (z.y + y.z) / s, (z.x - x.z) / s};
  }
  const double s = 2.0 * sqrt(1.0 + z.z - x.x - y.y);
  return {(z.x + x.z) / s, (z.y + y.z) / s, 0.25 * s, (x.y - y.x) / s};
}

// a * b: apply b, then a.
BEING_HOST_DEVICE inline Quat multiply(Quat a, Quat b) {
  return {a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y, a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
          a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w, a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z};
}

// One Gaussian on triangle (v0, v1, v2): writes position[3], rotation[4] (x, y, z, w), log_scale[3].
BEING_HOST_DEVICE inline void bind_to_triangle(Vec3 v0, Vec3 v1, Vec3 v2, const float* barycentric, float normal_offset,
                                               const float* local_rotation, const float* local_log_scale,
                                               float* position, float* rotation, float* log_scale) {
  const Vec3 e01 = sub(v1, v0), e02 = sub(v2, v0), e12 = sub(v2, v1);
  const Vec3 x = normalized(e01);
  const Vec3 z = normalized(cross(e01, e02));
  const Vec3 y = cross(z, x);
  const double k = (length(e01) + length(e12) + length(e02)) / 3.0;
  const double offset = k * normal_offset;
  const double w0 = barycentric[0], w1 = barycentric[1], w2 = barycentric[2];
  position[0] = static_cast<float>(w0 * v0.x + w1 * v1.x + w2 * v2.x + offset * z.x);
  position[1] = static_cast<float>(w0 * v0.y + w1 * v1.y + w2 * v2.y + offset * z.y);
  position[2] = static_cast<float>(w0 * v0.z + w1 * v1.z + w2 * v2.z + offset * z.z);
  const Quat q = multiply(quat_from_axes(x, y, z), {local_rotation[0], local_rotation[1], local_rotation[2], local_rotation[3]});
  rotation[0] = static_cast<float>(q.x);
  rotation[1] = static_cast<float>(q.y);
  rotation[2] = static_cast<float>(q.z);
  rotation[3] = static_cast<float>(q.w);
  const double log_k = log(k);
  for (int c = 0; c < 3; ++c) log_scale[c] = static_cast<float>(local_log_scale[c] + log_k);
}

}  // namespace being::deform
