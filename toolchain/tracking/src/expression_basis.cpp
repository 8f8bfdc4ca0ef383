#include "being/tracking/expression_basis.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

namespace being::tracking {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr int kOversampling = 16;   // extra directions the subspace iteration carries for accuracy
constexpr int kPowerIterations = 4; // passes sharpening the subspace towards the top components

Eigen::MatrixXd orthonormal_columns(const Eigen::MatrixXd& m) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

// Fixed-seed start vectors. mt19937's output sequence is fixed by the standard (the distributions are
// not), so the mapping to [-1, 1) is done here and the basis is the same on every platform.
Eigen::MatrixXd start_vectors(Eigen::Index rows, Eigen::Index cols) {
  std::mt19937 rng(20261122u);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = static_cast<double>(rng()) / 2147483648.0 - 1.0;
  return m;
}

}  // namespace

ExpressionBasis fit_expression_basis(const std::vector<std::vector<Vec3>>& meshes, const std::vector<bool>& valid,
                                     const ExpressionBasisOptions& options) {
  if (!valid.empty() && valid.size() != meshes.size())
    throw std::invalid_argument("fit_expression_basis: " + std::to_string(valid.size()) + " valid flags for " +
                                std::to_string(meshes.size()) + " meshes");
  std::vector<std::size_t> used;
  for (std::size_t i = 0; i < meshes.size(); ++i)
    if (valid.empty() || valid[i]) used.push_back(i);
  if (used.empty()) throw std::invalid_argument("fit_expression_basis: no valid frame to learn expressions from");
  const std::size_t vertices = meshes[used[0]].size();
  if (vertices == 0) throw std::invalid_argument("fit_expression_basis: the meshes have no vertices");
  for (std::size_t i : used)
    if (meshes[i].size() != vertices)
      throw std::invalid_argument("fit_expression_basis: frame " + std::to_string(i) + " has " +
                                  std::to_string(meshes[i].size()) + " vertices, frame " + std::to_string(used[0]) +
                                  " has " + std::to_string(vertices));

  const Eigen::Index rows = static_cast<Eigen::Index>(used.size());
  const Eigen::Index values = static_cast<Eigen::Index>(3 * vertices);
  Matrix data(rows, values);
  for (Eigen::Index f = 0; f < rows; ++f)
    for (std::size_t v = 0; v < vertices; ++v)
      for (int c = 0; c < 3; ++c) data(f, static_cast<Eigen::Index>(3 * v + c)) = meshes[used[f]][v][c];
  const Eigen::RowVectorXd mean = data.colwise().mean();
  data.rowwise() -= mean;

  ExpressionBasis basis;
  basis.vertex_count = static_cast<int>(vertices);
  basis.mean.assign(mean.data(), mean.data() + values);
  const double total = data.squaredNorm();
  // Centred data has rank at most frames - 1: further components would be arbitrary directions.
  const Eigen::Index k = std::max<Eigen::Index>(
      0, std::min<Eigen::Index>({static_cast<Eigen::Index>(std::max(0, options.components)), rows - 1, values}));
  if (k == 0 || total == 0.0) {
    basis.kept_variance_fraction = 1.0;
    basis.reconstruction_rms_cm = std::sqrt(total / (static_cast<double>(rows) * vertices));
    return basis;
  }

  // Randomised subspace iteration: the top-k right singular vectors of the centred data without a
  // full SVD of a frames x values matrix (seconds at 1800 x 1404; this takes a small fraction of that).
  // With as many directions as the data has rank the range is captured whole and the result is exact.
  const Eigen::Index width = std::min<Eigen::Index>({k + kOversampling, rows, values});
  Eigen::MatrixXd q = orthonormal_columns(data * start_vectors(values, width));
  for (int pass = 0; pass < kPowerIterations; ++pass) {
    const Eigen::MatrixXd z = orthonormal_columns(data.transpose() * q);
    q = orthonormal_columns(data * z);
  }
  const Eigen::MatrixXd projected = q.transpose() * data;  // width x values
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(projected.transpose(), Eigen::ComputeThinU);
  Eigen::MatrixXd directions = svd.matrixU().leftCols(k);  // values x k, by decreasing singular value
  for (Eigen::Index j = 0; j < k; ++j) {
    Eigen::Index largest = 0;
    directions.col(j).cwiseAbs().maxCoeff(&largest);
    if (directions(largest, j) < 0.0) directions.col(j) = -directions.col(j);
  }

  const Eigen::MatrixXd codes = data * directions;
  const double residual = (data - codes * directions.transpose()).squaredNorm();
  basis.components.resize(static_cast<std::size_t>(k * values));
  for (Eigen::Index j = 0; j < k; ++j)
    for (Eigen::Index c = 0; c < values; ++c) basis.components[static_cast<std::size_t>(j * values + c)] = directions(c, j);
  double kept = 0.0;
  for (Eigen::Index j = 0; j < k; ++j) {
    const double variance = codes.col(j).squaredNorm() / static_cast<double>(rows);
    basis.variances.push_back(variance);
    kept += variance;
  }
  basis.kept_variance_fraction = kept * static_cast<double>(rows) / total;
  basis.reconstruction_rms_cm = std::sqrt(residual / (static_cast<double>(rows) * vertices));
  return basis;
}

std::vector<double> encode_expression(const ExpressionBasis& basis, const std::vector<Vec3>& mesh) {
  if (mesh.size() != static_cast<std::size_t>(basis.vertex_count))
    throw std::invalid_argument("encode_expression: mesh has " + std::to_string(mesh.size()) + " vertices, the basis " +
                                std::to_string(basis.vertex_count));
  const std::size_t values = 3 * mesh.size();
  std::vector<double> codes(basis.variances.size(), 0.0);
  for (std::size_t j = 0; j < codes.size(); ++j) {
    const double* row = basis.components.data() + j * values;
    for (std::size_t c = 0; c < values; ++c) codes[j] += row[c] * (mesh[c / 3][c % 3] - basis.mean[c]);
  }
  return codes;
}

std::vector<Vec3> decode_expression(const ExpressionBasis& basis, const std::vector<double>& codes) {
  if (codes.size() != basis.variances.size())
    throw std::invalid_argument("decode_expression: " + std::to_string(codes.size()) + " codes for a basis of " +
                                std::to_string(basis.variances.size()));
  const std::size_t values = basis.mean.size();
  std::vector<Vec3> mesh(static_cast<std::size_t>(basis.vertex_count));
  for (std::size_t c = 0; c < values; ++c) {
    double value = basis.mean[c];
    for (std::size_t j = 0; j < codes.size(); ++j) value += codes[j] * basis.components[j * values + c];
    mesh[c / 3][c % 3] = value;
  }
  return mesh;
}

}  // namespace being::tracking
