#include "being/tracking/head_tracker.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace being::tracking {
namespace {

constexpr double kPi = 3.14159265358979323846;
using Mat3 = Eigen::Matrix3d;
using V3 = Eigen::Vector3d;

Mat3 to_eigen(const std::array<std::array<double, 3>, 3>& m) {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = m[i][j];
  return r;
}

Mat3 exp_so3(const V3& w) {
  const double angle = w.norm();
  if (angle < 1e-12) return Mat3::Identity();
  return Eigen::AngleAxisd(angle, w / angle).toRotationMatrix();
}

V3 log_so3(const Mat3& r) {
  const Eigen::AngleAxisd aa(r);
  return aa.axis() * aa.angle();
}

const Mat3& canonical_flip() {
  static const Mat3 flip = V3(1.0, -1.0, -1.0).asDiagonal();
  return flip;
}

// The points a fit uses: canonical vertices with positive weight that the frame has.
struct FitPoints {
  std::vector<V3> model;  // flipped canonical points (camera orientation at identity rotation)
  std::vector<Eigen::Vector2d> observed;
  std::vector<double> weight;
};

FitPoints gather(const FrameLandmarks& frame, const std::vector<Vec3>& canonical, const std::vector<double>& weights) {
  if (frame.points.size() < canonical.size())
    throw std::invalid_argument("track_head: a frame has " + std::to_string(frame.points.size()) + " landmarks, need " +
                                std::to_string(canonical.size()));
  FitPoints p;
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (weights[i] <= 0.0) continue;
    p.model.push_back(canonical_flip() * V3(canonical[i][0], canonical[i][1], canonical[i][2]));
    p.observed.emplace_back(frame.points[i][0], frame.points[i][1]);
    p.weight.push_back(weights[i]);
  }
  return p;
}

struct Solve {
  Mat3 rotation = Mat3::Identity();
  V3 translation = V3::Zero();
  double cost = std::numeric_limits<double>::infinity();  // Huber
  double rms = std::numeric_limits<double>::infinity();
};

// Weighted reprojection error: the Huber cost the fit minimises, and the plain RMS it reports.
struct Error {
  double huber = std::numeric_limits<double>::infinity();
  double rms = std::numeric_limits<double>::infinity();
};

Error reprojection_error(const Camera& cam, const FitPoints& p, const Mat3& r, const V3& t, double k) {
  double huber = 0.0, squared = 0.0, total = 0.0;
  for (std::size_t i = 0; i < p.model.size(); ++i) {
    const V3 c = r * p.model[i] + t;
    if (c.z() <= 1e-6) return Error{};
    const Eigen::Vector2d uv(cam.focal_px * c.x() / c.z() + cam.cx, cam.focal_px * c.y() / c.z() + cam.cy);
    const double e = (uv - p.observed[i]).norm();
    huber += p.weight[i] * (e <= k ? e * e : 2.0 * k * e - k * k);
    squared += p.weight[i] * e * e;
    total += p.weight[i];
  }
  return Error{huber / total, std::sqrt(squared / total)};
}

// Levenberg-Marquardt on the Huber-weighted reprojection error, rotation updated on the left.
Solve refine(const Camera& cam, const FitPoints& p, Mat3 r, V3 t, const TrackerOptions& options) {
  double lambda = 1e-3;
  Error current = reprojection_error(cam, p, r, t, options.huber_px);
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    Eigen::Matrix<double, 6, 6> jtj = Eigen::Matrix<double, 6, 6>::Zero();
    Eigen::Matrix<double, 6, 1> jtr = Eigen::Matrix<double, 6, 1>::Zero();
    for (std::size_t i = 0; i < p.model.size(); ++i) {
      const V3 rotated = r * p.model[i];
      const V3 c = rotated + t;
      const double inv_z = 1.0 / c.z();
      const Eigen::Vector2d residual(cam.focal_px * c.x() * inv_z + cam.cx - p.observed[i].x(),
                                     cam.focal_px * c.y() * inv_z + cam.cy - p.observed[i].y());
      const double norm = residual.norm();
      const double huber = norm <= options.huber_px ? 1.0 : options.huber_px / norm;
      const double w = p.weight[i] * huber;
      Eigen::Matrix<double, 2, 3> d_uv_d_c;
      d_uv_d_c << cam.focal_px * inv_z, 0.0, -cam.focal_px * c.x() * inv_z * inv_z,
                  0.0, cam.focal_px * inv_z, -cam.focal_px * c.y() * inv_z * inv_z;
      Eigen::Matrix3d skew;
      skew << 0.0, rotated.z(), -rotated.y(), -rotated.z(), 0.0, rotated.x(), rotated.y(), -rotated.x(), 0.0;  // d(exp(w) x)/dw = -[x]_x
      Eigen::Matrix<double, 2, 6> j;
      j.leftCols<3>() = d_uv_d_c * skew;
      j.rightCols<3>() = d_uv_d_c;
      jtj += w * j.transpose() * j;
      jtr += w * j.transpose() * residual;
    }
    bool improved = false;
    for (int attempt = 0; attempt < 8 && !improved; ++attempt) {
      Eigen::Matrix<double, 6, 6> damped = jtj;
      damped.diagonal() += lambda * jtj.diagonal().cwiseMax(1e-9);
      const Eigen::Matrix<double, 6, 1> step = -damped.ldlt().solve(jtr);
      const Mat3 r_new = exp_so3(step.head<3>()) * r;
      const V3 t_new = t + step.tail<3>();
      const Error candidate = reprojection_error(cam, p, r_new, t_new, options.huber_px);
      if (candidate.huber < current.huber) {
        improved = true;
        const double gain = current.huber - candidate.huber;
        r = r_new;
        t = t_new;
        current = candidate;
        lambda = std::max(lambda * 0.3, 1e-9);
        if (gain < 1e-12 * std::max(1.0, current.huber)) iteration = options.iterations;
      } else {
        lambda *= 10.0;
      }
    }
    if (!improved) break;
  }
  return Solve{r, t, current.huber, current.rms};
}

// A starting pose from the 2D similarity between the frontal model and the landmarks, tried at a few
// yaw and pitch angles (the closed form cannot tell them apart).
Solve multi_start(const Camera& cam, const FitPoints& p, const TrackerOptions& options) {
  Eigen::Vector2d model_mean = Eigen::Vector2d::Zero(), image_mean = Eigen::Vector2d::Zero();
  double total = 0.0;
  for (std::size_t i = 0; i < p.model.size(); ++i) {
    model_mean += p.weight[i] * p.model[i].head<2>();
    image_mean += p.weight[i] * p.observed[i];
    total += p.weight[i];
  }
  model_mean /= total;
  image_mean /= total;
  Eigen::Matrix2d cov = Eigen::Matrix2d::Zero();
  double model_var = 0.0;
  for (std::size_t i = 0; i < p.model.size(); ++i) {
    const Eigen::Vector2d m = p.model[i].head<2>() - model_mean;
    cov += p.weight[i] * (p.observed[i] - image_mean) * m.transpose();
    model_var += p.weight[i] * m.squaredNorm();
  }
  Eigen::JacobiSVD<Eigen::Matrix2d> svd(cov, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix2d d = Eigen::Matrix2d::Identity();
  if ((svd.matrixU() * svd.matrixV().transpose()).determinant() < 0) d(1, 1) = -1;
  const Eigen::Matrix2d roll = svd.matrixU() * d * svd.matrixV().transpose();
  const double px_per_cm = (svd.singularValues().asDiagonal() * d).trace() / model_var;
  if (!(px_per_cm > 0.0)) return Solve{};
  const double depth = cam.focal_px / px_per_cm;

  Mat3 in_plane = Mat3::Identity();
  in_plane.topLeftCorner<2, 2>() = roll;
  Solve best;
  for (double yaw : {0.0, -0.5, 0.5}) {
    for (double pitch : {0.0, -0.35, 0.35}) {
      const Mat3 r = in_plane * exp_so3(V3(pitch, yaw, 0.0));
      V3 centroid = V3::Zero();
      for (std::size_t i = 0; i < p.model.size(); ++i) centroid += p.weight[i] * (r * p.model[i]);
      centroid /= total;
      const V3 t((image_mean.x() - cam.cx) * depth / cam.focal_px - centroid.x(),
                 (image_mean.y() - cam.cy) * depth / cam.focal_px - centroid.y(), depth - centroid.z());
      Solve s = refine(cam, p, r, t, options);
      if (s.cost < best.cost) best = s;
    }
  }
  return best;
}

HeadPose to_pose(const Solve& s) {
  HeadPose pose;
  const V3 w = log_so3(s.rotation);
  pose.rotation = {w.x(), w.y(), w.z()};
  pose.translation = {s.translation.x(), s.translation.y(), s.translation.z()};
  return pose;
}

Camera camera_for_fov(int width, int height, double fov_deg) {
  Camera c;
  c.width = width;
  c.height = height;
  c.cx = width / 2.0;
  c.cy = height / 2.0;
  c.focal_px = (height / 2.0) / std::tan(fov_deg * kPi / 360.0);
  return c;
}

}  // namespace

std::array<double, 2> Camera::project(const Vec3& p) const {
  return {focal_px * p[0] / p[2] + cx, focal_px * p[1] / p[2] + cy};
}

std::array<std::array<double, 3>, 3> rotation_matrix(const Vec3& w) {
  const Mat3 r = exp_so3(V3(w[0], w[1], w[2]));
  std::array<std::array<double, 3>, 3> out{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) out[i][j] = r(i, j);
  return out;
}

Vec3 axis_angle(const std::array<std::array<double, 3>, 3>& rotation) {
  const V3 w = log_so3(to_eigen(rotation));
  return {w.x(), w.y(), w.z()};
}

Vec3 to_camera(const HeadPose& pose, const Vec3& x) {
  const V3 c = exp_so3(V3(pose.rotation.data())) * (canonical_flip() * V3(x[0], x[1], x[2])) + V3(pose.translation.data());
  return {c.x(), c.y(), c.z()};
}

HeadPose fit_pose(const Camera& camera, const FrameLandmarks& frame, const std::vector<Vec3>& canonical,
                  const std::vector<double>& weights, const TrackerOptions& options, const HeadPose* initial,
                  double* rms_px) {
  if (canonical.size() != weights.size()) throw std::invalid_argument("fit_pose: one weight per canonical vertex");
  const FitPoints points = gather(frame, canonical, weights);
  if (points.model.size() < 4) throw std::invalid_argument("fit_pose: fewer than 4 weighted landmarks");
  Solve s = initial ? refine(camera, points, exp_so3(V3(initial->rotation.data())), V3(initial->translation.data()), options)
                    : multi_start(camera, points, options);
  if (rms_px) *rms_px = s.rms;
  return to_pose(s);
}

TrackingResult track_head(const std::vector<FrameLandmarks>& frames, int width, int height,
                          const std::vector<Vec3>& canonical, const std::vector<double>& weights,
                          const TrackerOptions& options) {
  if (width <= 0 || height <= 0) throw std::invalid_argument("track_head: image size must be positive");
  if (canonical.size() != weights.size()) throw std::invalid_argument("track_head: one weight per canonical vertex");
  std::vector<std::size_t> valid;
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].valid) valid.push_back(i);
  if (valid.empty()) throw std::invalid_argument("track_head: no frame has a face");

  // Focal length: the field of view under which the sampled frames are explained best. A coarse
  // log-spaced scan, then golden-section refinement around the best.
  std::vector<FitPoints> sample;
  const std::size_t count = std::min<std::size_t>(valid.size(), static_cast<std::size_t>(std::max(1, options.focal_search_frames)));
  for (std::size_t k = 0; k < count; ++k) sample.push_back(gather(frames[valid[k * valid.size() / count]], canonical, weights));
  auto total_error = [&](double fov) {
    const Camera cam = camera_for_fov(width, height, fov);
    double sum = 0.0;
    for (const auto& p : sample) {
      sum += multi_start(cam, p, options).cost;
    }
    return sum;
  };
  const int steps = 16;
  double best_fov = options.min_fov_deg, best_error = std::numeric_limits<double>::infinity();
  const double ratio = options.max_fov_deg / options.min_fov_deg;
  for (int i = 0; i <= steps; ++i) {
    const double fov = options.min_fov_deg * std::pow(ratio, static_cast<double>(i) / steps);
    const double e = total_error(fov);
    if (e < best_error) best_error = e, best_fov = fov;
  }
  double lo = std::max(options.min_fov_deg, best_fov / std::pow(ratio, 1.0 / steps));
  double hi = std::min(options.max_fov_deg, best_fov * std::pow(ratio, 1.0 / steps));
  const double golden = 0.6180339887498949;
  double a = hi - golden * (hi - lo), b = lo + golden * (hi - lo);
  double ea = total_error(a), eb = total_error(b);
  for (int i = 0; i < 20; ++i) {
    if (ea < eb) hi = b, b = a, eb = ea, a = hi - golden * (hi - lo), ea = total_error(a);
    else lo = a, a = b, ea = eb, b = lo + golden * (hi - lo), eb = total_error(b);
  }
  const double fov = ea < eb ? a : b;

  TrackingResult result;
  result.camera = camera_for_fov(width, height, std::min(ea, eb) <= best_error ? fov : best_fov);
  result.poses.resize(frames.size());
  result.tracked.assign(frames.size(), false);
  result.reprojection_rms_px.assign(frames.size(), 0.0);

  // Every frame: warm start from the previous one, and a fresh multi-start when that lands far worse
  // (a fast head turn or a wrong local minimum).
  const HeadPose* previous = nullptr;
  for (std::size_t i : valid) {
    const FitPoints p = gather(frames[i], canonical, weights);
    Solve s = previous ? refine(result.camera, p, exp_so3(V3(previous->rotation.data())), V3(previous->translation.data()), options)
                       : multi_start(result.camera, p, options);
    if (previous && s.rms > 2.0 * options.huber_px) {
      Solve fresh = multi_start(result.camera, p, options);
      if (fresh.cost < s.cost) s = fresh;
    }
    if (!std::isfinite(s.rms)) continue;
    result.poses[i] = to_pose(s);
    result.tracked[i] = true;
    result.reprojection_rms_px[i] = s.rms;
    previous = &result.poses[i];
  }
  // Untracked frames hold the nearest tracked pose, so consumers never see a jump to the origin.
  std::vector<int> before(frames.size(), -1), after(frames.size(), -1);
  for (std::size_t i = 0; i < frames.size(); ++i)
    before[i] = result.tracked[i] ? static_cast<int>(i) : (i > 0 ? before[i - 1] : -1);
  for (std::size_t i = frames.size(); i-- > 0;)
    after[i] = result.tracked[i] ? static_cast<int>(i) : (i + 1 < frames.size() ? after[i + 1] : -1);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (result.tracked[i]) continue;
    const int b = before[i], a = after[i];
    const int nearest = b < 0 ? a : a < 0 ? b : (static_cast<int>(i) - b <= a - static_cast<int>(i) ? b : a);
    if (nearest >= 0) result.poses[i] = result.poses[nearest];
  }
  return result;
}

}  // namespace being::tracking
