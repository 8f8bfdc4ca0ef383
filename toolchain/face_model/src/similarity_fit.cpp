#include "being/face_model/similarity_fit.h"

#include <Eigen/Dense>

#include <cmath>
#include <stdexcept>

namespace being::face_model {

std::array<double, 3> SimilarityTransform::apply(const std::array<double, 3>& p) const {
  std::array<double, 3> out{};
  for (int r = 0; r < 3; ++r)
    out[r] = scale * (rotation[r][0] * p[0] + rotation[r][1] * p[1] + rotation[r][2] * p[2]) + translation[r];
  return out;
}

SimilarityTransform fit_similarity(const std::vector<std::array<double, 3>>& source,
                                   const std::vector<std::array<double, 3>>& target,
                                   const std::vector<double>& weights) {
  if (source.size() != target.size() || source.size() != weights.size())
    throw std::invalid_argument("fit_similarity: source, target and weights differ in length");
  double total = 0.0;
  int used = 0;
  for (double w : weights) {
    if (!(w >= 0.0) || !std::isfinite(w)) throw std::invalid_argument("fit_similarity: weights must be finite and >= 0");
    total += w;
    used += w > 0.0;
  }
  if (used < 3) throw std::invalid_argument("fit_similarity: needs at least 3 points with positive weight");

  Eigen::Vector3d mu_s = Eigen::Vector3d::Zero(), mu_t = Eigen::Vector3d::Zero();
  for (std::size_t i = 0; i < source.size(); ++i) {
    mu_s += weights[i] * Eigen::Vector3d(source[i].data());
    mu_t += weights[i] * Eigen::Vector3d(target[i].data());
  }
  mu_s /= total;
  mu_t /= total;
  Eigen::Matrix3d covariance = Eigen::Matrix3d::Zero();
  double variance_s = 0.0;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const Eigen::Vector3d s = Eigen::Vector3d(source[i].data()) - mu_s;
    const Eigen::Vector3d t = Eigen::Vector3d(target[i].data()) - mu_t;
    covariance += weights[i] * t * s.transpose();
    variance_s += weights[i] * s.squaredNorm();
  }
  covariance /= total;
  variance_s /= total;

  Eigen::JacobiSVD<Eigen::Matrix3d> svd(covariance, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::Vector3d sv = svd.singularValues();
  if (variance_s <= 1e-300 || sv(1) <= 1e-12 * std::max(sv(0), 1e-300))
    throw std::invalid_argument("fit_similarity: points are degenerate (coincident or collinear)");
  Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
  if ((svd.matrixU() * svd.matrixV().transpose()).determinant() < 0.0) d(2, 2) = -1.0;  // no reflections
  const Eigen::Matrix3d rotation = svd.matrixU() * d * svd.matrixV().transpose();
  const double scale = (sv.asDiagonal() * d).trace() / variance_s;
  const Eigen::Vector3d translation = mu_t - scale * rotation * mu_s;

  SimilarityTransform fit;
  fit.scale = scale;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) fit.rotation[r][c] = rotation(r, c);
    fit.translation[r] = translation(r);
  }
  double error = 0.0;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const auto mapped = fit.apply(source[i]);
    for (int k = 0; k < 3; ++k) error += weights[i] * (mapped[k] - target[i][k]) * (mapped[k] - target[i][k]);
  }
  fit.rms_error = std::sqrt(error / total);
  return fit;
}

}  // namespace being::face_model
