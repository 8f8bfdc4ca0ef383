// The per-Gaussian and per-pixel math of the rasterizer, written once for the CPU reference
// (float or double) and the CUDA kernels (float), so both evaluate the same formulas. Derivations:
// docs/rasterizer.md.
#pragma once

#include <cmath>

#include "being/splat/types.h"

#if defined(__CUDACC__)
#define BEING_SPLAT_HD __host__ __device__ __forceinline__
#else
#define BEING_SPLAT_HD inline
#endif

namespace being::splat::detail {

template <typename T>
BEING_SPLAT_HD T clamp_value(T v, T lo, T hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// exp(x) for x in [-4.5, 0]: the hardware approximation on the GPU (relative error ~1e-7 there,
// far below the 1e-4 parity tolerance), the library function on the CPU.
template <typename T>
BEING_SPLAT_HD T gaussian_exp(T x) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(T) == sizeof(float)) return __expf(x);
#endif
  return std::exp(x);
}

// Camera with precomputed values, in the working precision.
template <typename T>
struct CameraParams {
  T rot[9];  // world-to-camera rotation, row-major
  T trans[3];
  T center[3];  // camera centre in world space: -rot^T * trans
  T fx, fy, cx, cy;
  T lim_x_neg, lim_x_pos, lim_y_neg, lim_y_pos;  // x/z and y/z clamp for the projection Jacobian
  int width, height;
  int tiles_x, tiles_y;
  T near_plane, far_plane, dilation;
};

template <typename T>
CameraParams<T> make_camera_params(const Camera& cam, const Settings& settings) {
  CameraParams<T> p{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) p.rot[r * 3 + c] = static_cast<T>(cam.view[r * 4 + c]);
    p.trans[r] = static_cast<T>(cam.view[r * 4 + 3]);
  }
  for (int c = 0; c < 3; ++c) {
    double s = 0;
    for (int r = 0; r < 3; ++r) s -= cam.view[r * 4 + c] * cam.view[r * 4 + 3];
    p.center[c] = static_cast<T>(s);
  }
  p.fx = static_cast<T>(cam.fx);
  p.fy = static_cast<T>(cam.fy);
  p.cx = static_cast<T>(cam.cx);
  p.cy = static_cast<T>(cam.cy);
  // The Jacobian is evaluated at most 15% of the image size beyond the border, so Gaussians far
  // off screen do not get wildly stretched footprints (their centre still projects unclamped).
  const double margin_x = 0.15 * cam.width, margin_y = 0.15 * cam.height;
  p.lim_x_neg = static_cast<T>((cam.cx + margin_x) / cam.fx);
  p.lim_x_pos = static_cast<T>((cam.width - cam.cx + margin_x) / cam.fx);
  p.lim_y_neg = static_cast<T>((cam.cy + margin_y) / cam.fy);
  p.lim_y_pos = static_cast<T>((cam.height - cam.cy + margin_y) / cam.fy);
  p.width = cam.width;
  p.height = cam.height;
  p.tiles_x = (cam.width + kTileSize - 1) / kTileSize;
  p.tiles_y = (cam.height + kTileSize - 1) / kTileSize;
  p.near_plane = static_cast<T>(settings.near_plane);
  p.far_plane = static_cast<T>(settings.far_plane);
  p.dilation = static_cast<T>(settings.dilation);
  return p;
}

// Screen-space footprint of one Gaussian. radius == 0 means culled.
template <typename T>
struct Projected {
  T mean2d[2];
  T conic[3];  // inverse 2D covariance (a, b, c): power = 0.5*(a dx^2 + c dy^2) + b dx dy
  T depth;     // camera-space z
  T rgb[3];
  T opacity;
  int radius;  // 3-sigma radius in pixels, rounded up
  int tile_min[2], tile_max[2];  // tiles [min, max) touched
};

// Rotation matrix (row-major) of the unit quaternion (w, x, y, z).
template <typename T>
BEING_SPLAT_HD void quat_to_rotation(const T q[4], T r[9]) {
  const T w = q[0], x = q[1], y = q[2], z = q[3];
  r[0] = 1 - 2 * (y * y + z * z);
  r[1] = 2 * (x * y - w * z);
  r[2] = 2 * (x * z + w * y);
  r[3] = 2 * (x * y + w * z);
  r[4] = 1 - 2 * (x * x + z * z);
  r[5] = 2 * (y * z - w * x);
  r[6] = 2 * (x * z - w * y);
  r[7] = 2 * (y * z + w * x);
  r[8] = 1 - 2 * (x * x + y * y);
}

// Colour of one Gaussian seen from the camera centre. Writes the unclamped value to raw.
template <typename T>
BEING_SPLAT_HD void eval_color(const CameraParams<T>& cam, ColorMode mode, const T* mean, const T* coeffs,
                               T rgb[3], T raw[3]) {
  if (mode == ColorMode::kRgb) {
    for (int c = 0; c < 3; ++c) rgb[c] = raw[c] = coeffs[c];
    return;
  }
  for (int c = 0; c < 3; ++c) raw[c] = T(kShC0) * coeffs[c] + T(0.5);
  if (mode == ColorMode::kSh1) {
    T d[3] = {mean[0] - cam.center[0], mean[1] - cam.center[1], mean[2] - cam.center[2]};
    const T inv = T(1) / std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    d[0] *= inv, d[1] *= inv, d[2] *= inv;
    for (int c = 0; c < 3; ++c)
      raw[c] += T(kShC1) * (-d[1] * coeffs[3 + c] + d[2] * coeffs[6 + c] - d[0] * coeffs[9 + c]);
  }
  for (int c = 0; c < 3; ++c) rgb[c] = raw[c] > T(0) ? raw[c] : T(0);
}

// Camera-space position of a world-space point.
template <typename T>
BEING_SPLAT_HD void camera_point(const CameraParams<T>& cam, const T* mean, T p[3]) {
  const T* R = cam.rot;
  for (int r = 0; r < 3; ++r) p[r] = R[3 * r] * mean[0] + R[3 * r + 1] * mean[1] + R[3 * r + 2] * mean[2] + cam.trans[r];
}

// The intermediate values of the projection that forward and backward both need.
template <typename T>
struct ProjectionTerms {
  T p[3];           // camera-space centre (set by camera_point)
  T qn;             // norm of the given quaternion
  T q[4];           // unit quaternion
  T rq[9];          // its rotation
  T m[9];           // Rq diag(s)
  T sigma[9];       // 3D covariance M M^T
  T inv_z, tx, ty;  // 1/z and the clamped x, y the Jacobian is evaluated at
  bool clamped_x, clamped_y;
  T a[6];           // A = J R (2x3)
  T sa0[3], sa1[3];  // Sigma a0^T, Sigma a1^T (rows of A)
  T cov[3];         // 2D covariance (a, b, c), dilation included
};

template <typename T>
BEING_SPLAT_HD void projection_terms(const CameraParams<T>& cam, const T* quat, const T* scale, ProjectionTerms<T>& t) {
  const T* R = cam.rot;
  t.qn = std::sqrt(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3]);
  for (int k = 0; k < 4; ++k) t.q[k] = quat[k] / t.qn;
  quat_to_rotation(t.q, t.rq);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) t.m[r * 3 + c] = t.rq[r * 3 + c] * scale[c];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      t.sigma[r * 3 + c] = t.m[r * 3 + 0] * t.m[c * 3 + 0] + t.m[r * 3 + 1] * t.m[c * 3 + 1] + t.m[r * 3 + 2] * t.m[c * 3 + 2];
  t.inv_z = T(1) / t.p[2];
  const T ux = t.p[0] * t.inv_z, uy = t.p[1] * t.inv_z;
  t.clamped_x = ux < -cam.lim_x_neg || ux > cam.lim_x_pos;
  t.clamped_y = uy < -cam.lim_y_neg || uy > cam.lim_y_pos;
  t.tx = t.p[2] * clamp_value(ux, -cam.lim_x_neg, cam.lim_x_pos);
  t.ty = t.p[2] * clamp_value(uy, -cam.lim_y_neg, cam.lim_y_pos);
  // J = [[fx/z, 0, -fx tx/z^2], [0, fy/z, -fy ty/z^2]]
  const T j00 = cam.fx * t.inv_z, j02 = -cam.fx * t.tx * t.inv_z * t.inv_z;
  const T j11 = cam.fy * t.inv_z, j12 = -cam.fy * t.ty * t.inv_z * t.inv_z;
  for (int c = 0; c < 3; ++c) {
    t.a[c] = j00 * R[c] + j02 * R[6 + c];
    t.a[3 + c] = j11 * R[3 + c] + j12 * R[6 + c];
  }
  for (int r = 0; r < 3; ++r) {
    t.sa0[r] = t.sigma[r * 3 + 0] * t.a[0] + t.sigma[r * 3 + 1] * t.a[1] + t.sigma[r * 3 + 2] * t.a[2];
    t.sa1[r] = t.sigma[r * 3 + 0] * t.a[3] + t.sigma[r * 3 + 1] * t.a[4] + t.sigma[r * 3 + 2] * t.a[5];
  }
  t.cov[0] = t.a[0] * t.sa0[0] + t.a[1] * t.sa0[1] + t.a[2] * t.sa0[2] + cam.dilation;
  t.cov[1] = t.a[3] * t.sa0[0] + t.a[4] * t.sa0[1] + t.a[5] * t.sa0[2];
  t.cov[2] = t.a[3] * t.sa1[0] + t.a[4] * t.sa1[1] + t.a[5] * t.sa1[2] + cam.dilation;
}

// Projects Gaussian i and decides whether it can reach any pixel. Returns false when culled.
template <typename T>
BEING_SPLAT_HD bool project_gaussian(const CameraParams<T>& cam, const T* mean, const T* quat, const T* scale,
                                     T opacity, Projected<T>& out) {
  out.radius = 0;
  if (!(opacity >= T(kMinAlpha))) return false;  // can never reach alpha >= 1/255
  ProjectionTerms<T> pt;
  camera_point(cam, mean, pt.p);
  const T px = pt.p[0], py = pt.p[1], pz = pt.p[2];
  if (!(pz > cam.near_plane && pz < cam.far_plane)) return false;
  projection_terms(cam, quat, scale, pt);
  if (!(pt.qn > T(0))) return false;
  const T inv_z = pt.inv_z, cov_a = pt.cov[0], cov_b = pt.cov[1], cov_c = pt.cov[2];
  const T det = cov_a * cov_c - cov_b * cov_b;
  if (!(det > T(0))) return false;
  const T inv_det = T(1) / det;
  out.conic[0] = cov_c * inv_det;
  out.conic[1] = -cov_b * inv_det;
  out.conic[2] = cov_a * inv_det;

  out.mean2d[0] = cam.fx * px * inv_z + cam.cx;
  out.mean2d[1] = cam.fy * py * inv_z + cam.cy;
  const T mid = T(0.5) * (cov_a + cov_c);
  const T disc = mid * mid - det;
  const T lambda_max = mid + std::sqrt(disc > T(0) ? disc : T(0));
  const T radius = std::ceil(T(3) * std::sqrt(lambda_max));
  // Tiles whose pixel centres may lie inside the 3-sigma circle; computed in T and clamped before
  // converting, so huge or far-away footprints cannot overflow an int.
  const T tile = T(kTileSize);
  const T fx0 = std::floor((out.mean2d[0] - radius) / tile), fx1 = std::floor((out.mean2d[0] + radius) / tile) + 1;
  const T fy0 = std::floor((out.mean2d[1] - radius) / tile), fy1 = std::floor((out.mean2d[1] + radius) / tile) + 1;
  out.tile_min[0] = static_cast<int>(clamp_value(fx0, T(0), T(cam.tiles_x)));
  out.tile_max[0] = static_cast<int>(clamp_value(fx1, T(0), T(cam.tiles_x)));
  out.tile_min[1] = static_cast<int>(clamp_value(fy0, T(0), T(cam.tiles_y)));
  out.tile_max[1] = static_cast<int>(clamp_value(fy1, T(0), T(cam.tiles_y)));
  if (out.tile_min[0] >= out.tile_max[0] || out.tile_min[1] >= out.tile_max[1]) return false;
  out.depth = pz;
  out.opacity = opacity;
  out.radius = radius < T(1 << 30) ? static_cast<int>(radius) : (1 << 30);
  return true;
}

// Alpha of a projected Gaussian at pixel centre (x, y), or 0 when it does not contribute there.
// Also returns the Gaussian value g = exp(-power) and the offset d = mean2d - pixel.
template <typename T>
BEING_SPLAT_HD T pixel_alpha(const T mean2d[2], const T conic[3], T opacity, T x, T y, T& g, T& dx, T& dy) {
  dx = mean2d[0] - x;
  dy = mean2d[1] - y;
  const T power = T(0.5) * (conic[0] * dx * dx + conic[2] * dy * dy) + conic[1] * dx * dy;
  if (!(power <= T(kMaxPower))) return T(0);
  g = gaussian_exp(-power);
  const T alpha = opacity * g;
  if (alpha < T(kMinAlpha)) return T(0);
  return alpha < T(kMaxAlpha) ? alpha : T(kMaxAlpha);
}

// Gradients of one pixel's contribution with respect to the 2D parameters of one Gaussian, given
// dL/dalpha. Adds to g_mean2d (2), g_conic (3) and g_opacity.
template <typename T>
BEING_SPLAT_HD void pixel_alpha_backward(const T conic[3], T opacity, T g, T dx, T dy, T alpha, T g_alpha,
                                         T g_mean2d[2], T g_conic[3], T& g_opacity) {
  if (opacity * g >= T(kMaxAlpha)) return;  // capped: alpha does not depend on the parameters
  g_opacity += g * g_alpha;
  const T g_power = -alpha * g_alpha;
  g_mean2d[0] += g_power * (conic[0] * dx + conic[1] * dy);
  g_mean2d[1] += g_power * (conic[1] * dx + conic[2] * dy);
  g_conic[0] += g_power * T(0.5) * dx * dx;
  g_conic[1] += g_power * dx * dy;
  g_conic[2] += g_power * T(0.5) * dy * dy;
}

// Backward of project_gaussian and eval_color for one visible Gaussian: from the gradients of
// its 2D mean, conic, depth and colour to those of mean, quat, scale and colour coefficients.
template <typename T>
BEING_SPLAT_HD void project_gaussian_backward(const CameraParams<T>& cam, ColorMode mode, const T* mean,
                                              const T* quat, const T* scale, const T* coeffs,
                                              const T g_mean2d[2], const T g_conic[3], T g_depth,
                                              const T g_rgb[3], T* g_mean, T* g_quat, T* g_scale,
                                              T* g_coeffs) {
  const T* R = cam.rot;
  ProjectionTerms<T> pt;
  camera_point(cam, mean, pt.p);
  projection_terms(cam, quat, scale, pt);
  const T px = pt.p[0], py = pt.p[1], inv_z = pt.inv_z, tx = pt.tx, ty = pt.ty, qn = pt.qn;
  const T *q = pt.q, *rq = pt.rq, *m = pt.m, *a = pt.a, *sa0 = pt.sa0, *sa1 = pt.sa1;
  const T cov_a = pt.cov[0], cov_b = pt.cov[1], cov_c = pt.cov[2];
  const T inv_det = T(1) / (cov_a * cov_c - cov_b * cov_b);
  const T ca = cov_c * inv_det, cb = -cov_b * inv_det, cc = cov_a * inv_det;

  // conic = inverse(cov2d); B is the one off-diagonal scalar of cov2d.
  const T ga = g_conic[0], gb = g_conic[1], gc = g_conic[2];
  const T g_cov_a = -ca * ca * ga - ca * cb * gb - cb * cb * gc;
  const T g_cov_b = -T(2) * ca * cb * ga - (ca * cc + cb * cb) * gb - T(2) * cc * cb * gc;
  const T g_cov_c = -cb * cb * ga - cb * cc * gb - cc * cc * gc;

  // cov2d = A Sigma A^T: dL/dSigma (not symmetrised) and dL/dA.
  T g_sigma[9];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      g_sigma[r * 3 + c] = g_cov_a * a[r] * a[c] + g_cov_b * a[r] * a[3 + c] + g_cov_c * a[3 + r] * a[3 + c];
  T g_a[6];
  for (int c = 0; c < 3; ++c) {
    g_a[c] = T(2) * g_cov_a * sa0[c] + g_cov_b * sa1[c];
    g_a[3 + c] = g_cov_b * sa0[c] + T(2) * g_cov_c * sa1[c];
  }
  // A = J R: dL/dJ = dL/dA R^T (only the four non-zero entries of J matter).
  T g_j00 = 0, g_j02 = 0, g_j11 = 0, g_j12 = 0;
  for (int c = 0; c < 3; ++c) {
    g_j00 += g_a[c] * R[c];
    g_j02 += g_a[c] * R[6 + c];
    g_j11 += g_a[3 + c] * R[3 + c];
    g_j12 += g_a[3 + c] * R[6 + c];
  }
  const T inv_z2 = inv_z * inv_z, inv_z3 = inv_z2 * inv_z;
  T g_px = 0, g_py = 0, g_pz = g_depth;
  g_pz += -cam.fx * inv_z2 * g_j00 + T(2) * cam.fx * tx * inv_z3 * g_j02;
  g_pz += -cam.fy * inv_z2 * g_j11 + T(2) * cam.fy * ty * inv_z3 * g_j12;
  const T g_tx = -cam.fx * inv_z2 * g_j02, g_ty = -cam.fy * inv_z2 * g_j12;
  if (pt.clamped_x)
    g_pz += g_tx * (tx * inv_z);  // tx = z * limit
  else
    g_px += g_tx;
  if (pt.clamped_y)
    g_pz += g_ty * (ty * inv_z);
  else
    g_py += g_ty;
  // mean2d = (fx x/z + cx, fy y/z + cy)
  g_px += g_mean2d[0] * cam.fx * inv_z;
  g_py += g_mean2d[1] * cam.fy * inv_z;
  g_pz -= (g_mean2d[0] * cam.fx * px + g_mean2d[1] * cam.fy * py) * inv_z2;
  for (int c = 0; c < 3; ++c) g_mean[c] = R[c] * g_px + R[3 + c] * g_py + R[6 + c] * g_pz;

  // Sigma = M M^T: dL/dM = (G + G^T) M; M = Rq diag(s).
  T g_rq[9];
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      T gm = 0;
      for (int k = 0; k < 3; ++k) gm += (g_sigma[r * 3 + k] + g_sigma[k * 3 + r]) * m[k * 3 + c];
      g_rq[r * 3 + c] = gm * scale[c];
    }
  }
  for (int c = 0; c < 3; ++c) {
    T gs = 0;
    for (int r = 0; r < 3; ++r) {
      T gm = 0;
      for (int k = 0; k < 3; ++k) gm += (g_sigma[r * 3 + k] + g_sigma[k * 3 + r]) * m[k * 3 + c];
      gs += gm * rq[r * 3 + c];
    }
    g_scale[c] = gs;
  }
  const T w = q[0], x = q[1], y = q[2], z = q[3];
  const T* G = g_rq;
  T g_qn[4];
  g_qn[0] = T(2) * (-z * G[1] + y * G[2] + z * G[3] - x * G[5] - y * G[6] + x * G[7]);
  g_qn[1] = T(2) * (y * G[1] + z * G[2] + y * G[3] - T(2) * x * G[4] - w * G[5] + z * G[6] + w * G[7] -
                    T(2) * x * G[8]);
  g_qn[2] = T(2) * (-T(2) * y * G[0] + x * G[1] + w * G[2] + x * G[3] + z * G[5] - w * G[6] + z * G[7] -
                    T(2) * y * G[8]);
  g_qn[3] = T(2) * (-T(2) * z * G[0] - w * G[1] + x * G[2] + w * G[3] - T(2) * z * G[4] + y * G[5] + x * G[6] +
                    y * G[7]);
  const T dot = q[0] * g_qn[0] + q[1] * g_qn[1] + q[2] * g_qn[2] + q[3] * g_qn[3];
  for (int k = 0; k < 4; ++k) g_quat[k] = (g_qn[k] - q[k] * dot) / qn;

  // Colour.
  if (mode == ColorMode::kRgb) {
    for (int c = 0; c < 3; ++c) g_coeffs[c] = g_rgb[c];
    return;
  }
  T raw[3], rgb[3];
  eval_color(cam, mode, mean, coeffs, rgb, raw);
  T g_raw[3];
  for (int c = 0; c < 3; ++c) g_raw[c] = raw[c] > T(0) ? g_rgb[c] : T(0);
  for (int c = 0; c < 3; ++c) g_coeffs[c] = T(kShC0) * g_raw[c];
  if (mode == ColorMode::kSh1) {
    T v[3] = {mean[0] - cam.center[0], mean[1] - cam.center[1], mean[2] - cam.center[2]};
    const T inv_len = T(1) / std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const T d[3] = {v[0] * inv_len, v[1] * inv_len, v[2] * inv_len};
    T g_d[3] = {0, 0, 0};
    for (int c = 0; c < 3; ++c) {
      g_coeffs[3 + c] = -T(kShC1) * d[1] * g_raw[c];
      g_coeffs[6 + c] = T(kShC1) * d[2] * g_raw[c];
      g_coeffs[9 + c] = -T(kShC1) * d[0] * g_raw[c];
      g_d[0] -= T(kShC1) * coeffs[9 + c] * g_raw[c];
      g_d[1] -= T(kShC1) * coeffs[3 + c] * g_raw[c];
      g_d[2] += T(kShC1) * coeffs[6 + c] * g_raw[c];
    }
    const T dd = d[0] * g_d[0] + d[1] * g_d[1] + d[2] * g_d[2];
    for (int k = 0; k < 3; ++k) g_mean[k] += (g_d[k] - d[k] * dd) * inv_len;
  }
}

}  // namespace being::splat::detail
