#include "being/tracking/expression_basis.h"

#include "being_test.h"

#include <Eigen/Dense>

#include <cmath>
#include <random>

using namespace being::tracking;

namespace {

constexpr int kVertices = 468;

// Meshes from a known linear model: mean + sum_j code_j * scale_j * direction_j + noise.
struct LowRankData {
  Eigen::MatrixXd directions;  // 3V x rank, orthonormal columns
  std::vector<std::vector<Vec3>> meshes;
};

LowRankData make_low_rank(int frames, const std::vector<double>& scales, double noise_cm, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const int rank = static_cast<int>(scales.size());
  Eigen::MatrixXd random(3 * kVertices, rank);
  for (int i = 0; i < random.size(); ++i) random.data()[i] = normal(rng);
  LowRankData d;
  d.directions = Eigen::HouseholderQR<Eigen::MatrixXd>(random).householderQ() * Eigen::MatrixXd::Identity(3 * kVertices, rank);
  Eigen::VectorXd mean(3 * kVertices);
  for (int i = 0; i < mean.size(); ++i) mean[i] = 5.0 * normal(rng);
  for (int f = 0; f < frames; ++f) {
    Eigen::VectorXd x = mean;
    for (int j = 0; j < rank; ++j) x += normal(rng) * scales[j] * d.directions.col(j);
    std::vector<Vec3> mesh(kVertices);
    for (int v = 0; v < kVertices; ++v)
      for (int c = 0; c < 3; ++c) mesh[v][c] = x[3 * v + c] + noise_cm * normal(rng);
    d.meshes.push_back(mesh);
  }
  return d;
}

Eigen::VectorXd component(const ExpressionBasis& basis, int j) {
  const int values = 3 * basis.vertex_count;
  return Eigen::Map<const Eigen::VectorXd>(basis.components.data() + static_cast<std::size_t>(j) * values, values);
}

}  // namespace

TEST(ExpressionBasis, RecoversTheSubspaceOfALowRankModelUnderNoise) {
  const std::vector<double> scales{2.0, 1.2, 0.8, 0.5, 0.3};
  const auto data = make_low_rank(400, scales, 0.01, 1);
  ExpressionBasisOptions options;
  options.components = 8;
  const auto basis = fit_expression_basis(data.meshes, {}, options);
  ASSERT_EQ(basis.size(), 8);
  for (int j = 0; j < 5; ++j) {
    // Each true direction lies in the span of the first five components, and matches its own one.
    Eigen::VectorXd in_span = Eigen::VectorXd::Zero(3 * kVertices);
    for (int k = 0; k < 5; ++k) in_span += component(basis, k).dot(data.directions.col(j)) * component(basis, k);
    EXPECT_GT(in_span.norm(), 0.995) << "direction " << j;
    EXPECT_GT(std::abs(component(basis, j).dot(data.directions.col(j))), 0.99) << "direction " << j;
    EXPECT_NEAR(std::sqrt(basis.variances[j]), scales[j], 0.15 * scales[j]);
  }
  for (int j = 1; j < basis.size(); ++j) EXPECT_GE(basis.variances[j - 1], basis.variances[j]);
  EXPECT_LT(basis.variances[5], 0.02 * basis.variances[4]);  // the sixth is noise, not signal
  EXPECT_GT(basis.kept_variance_fraction, 0.97);  // the noise carries about 2% of the variance
  EXPECT_LT(basis.reconstruction_rms_cm, 0.02);  // about the injected noise (0.01 cm per coordinate)
}

TEST(ExpressionBasis, CodesReproduceTheMeshes) {
  const auto data = make_low_rank(60, {1.5, 1.0, 0.6}, 0.0, 2);
  ExpressionBasisOptions options;
  options.components = 3;
  const auto basis = fit_expression_basis(data.meshes, {}, options);
  EXPECT_LT(basis.reconstruction_rms_cm, 1e-9);
  EXPECT_NEAR(basis.kept_variance_fraction, 1.0, 1e-12);
  for (const auto& mesh : data.meshes) {
    const auto decoded = decode_expression(basis, encode_expression(basis, mesh));
    for (int v = 0; v < kVertices; ++v)
      for (int c = 0; c < 3; ++c) ASSERT_NEAR(decoded[v][c], mesh[v][c], 1e-9);
  }
}

TEST(ExpressionBasis, ReportedErrorAndVarianceAgreeWithEncodingTheFrames) {
  const auto data = make_low_rank(80, {1.5, 1.0, 0.6, 0.4}, 0.005, 3);
  ExpressionBasisOptions options;
  options.components = 2;
  const auto basis = fit_expression_basis(data.meshes, {}, options);
  double squared = 0.0;
  std::vector<double> code_power(2, 0.0);
  for (const auto& mesh : data.meshes) {
    const auto codes = encode_expression(basis, mesh);
    for (int j = 0; j < 2; ++j) code_power[j] += codes[j] * codes[j] / data.meshes.size();
    const auto decoded = decode_expression(basis, codes);
    for (int v = 0; v < kVertices; ++v)
      for (int c = 0; c < 3; ++c) squared += (decoded[v][c] - mesh[v][c]) * (decoded[v][c] - mesh[v][c]);
  }
  EXPECT_NEAR(basis.reconstruction_rms_cm, std::sqrt(squared / (data.meshes.size() * kVertices)), 1e-9);
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(basis.variances[j], code_power[j], 1e-9);
  EXPECT_GT(basis.kept_variance_fraction, 0.7);
  EXPECT_LT(basis.kept_variance_fraction, 0.95);  // two of four directions: most, not all
}

TEST(ExpressionBasis, MatchesAFullSvdOfTheCentredData) {
  std::vector<double> scales;
  for (int j = 0; j < 40; ++j) scales.push_back(2.0 * std::pow(0.85, j));
  const auto data = make_low_rank(150, scales, 0.002, 4);
  ExpressionBasisOptions options;
  options.components = 12;
  const auto basis = fit_expression_basis(data.meshes, {}, options);

  Eigen::MatrixXd centred(data.meshes.size(), 3 * kVertices);
  for (std::size_t f = 0; f < data.meshes.size(); ++f)
    for (int v = 0; v < kVertices; ++v)
      for (int c = 0; c < 3; ++c) centred(f, 3 * v + c) = data.meshes[f][v][c];
  centred.rowwise() -= centred.colwise().mean();
  Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
  for (int j = 0; j < 12; ++j) {
    const double variance = svd.singularValues()[j] * svd.singularValues()[j] / data.meshes.size();
    EXPECT_NEAR(basis.variances[j], variance, 1e-6 * variance) << "component " << j;
    EXPECT_GT(std::abs(component(basis, j).dot(svd.matrixV().col(j))), 1.0 - 1e-4) << "component " << j;
  }
}

TEST(ExpressionBasis, IsDeterministicWithFixedSignsAndIgnoresInvalidFrames) {
  auto data = make_low_rank(50, {1.0, 0.7, 0.4}, 0.02, 5);
  ExpressionBasisOptions options;
  options.components = 5;
  const auto first = fit_expression_basis(data.meshes, {}, options);
  const auto second = fit_expression_basis(data.meshes, {}, options);
  EXPECT_EQ(first.components, second.components);
  EXPECT_EQ(first.variances, second.variances);
  for (int j = 0; j < first.size(); ++j) {
    const Eigen::VectorXd c = component(first, j);
    Eigen::Index largest = 0;
    c.cwiseAbs().maxCoeff(&largest);
    EXPECT_GT(c[largest], 0.0);
  }
  // Garbage in frames marked invalid changes nothing.
  std::vector<bool> valid(data.meshes.size(), true);
  for (int f : {3, 17}) {
    data.meshes.insert(data.meshes.begin() + f, std::vector<Vec3>(kVertices, Vec3{100.0, -50.0, 7.0}));
    valid.insert(valid.begin() + f, false);
  }
  const auto with_invalid = fit_expression_basis(data.meshes, valid, options);
  EXPECT_EQ(with_invalid.variances, first.variances);
  EXPECT_EQ(with_invalid.components, first.components);
}

TEST(ExpressionBasis, ComponentCountIsCappedByTheFrames) {
  const auto data = make_low_rank(10, {1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005}, 0.0, 6);
  const auto basis = fit_expression_basis(data.meshes);
  EXPECT_EQ(basis.size(), 9);  // ten centred frames span nine directions
  EXPECT_LT(basis.reconstruction_rms_cm, 1e-9);
  const auto single = fit_expression_basis({data.meshes[0]});
  EXPECT_EQ(single.size(), 0);
  EXPECT_EQ(decode_expression(single, {})[5], data.meshes[0][5]);
}

TEST(ExpressionBasis, RejectsInputsItCannotUse) {
  const auto data = make_low_rank(4, {1.0}, 0.0, 7);
  EXPECT_THROW(fit_expression_basis({}), std::invalid_argument);
  EXPECT_THROW(fit_expression_basis(data.meshes, std::vector<bool>(4, false)), std::invalid_argument);
  EXPECT_THROW(fit_expression_basis(data.meshes, std::vector<bool>(3, true)), std::invalid_argument);
  auto uneven = data.meshes;
  uneven[2].pop_back();
  EXPECT_THROW(fit_expression_basis(uneven), std::invalid_argument);
  const auto basis = fit_expression_basis(data.meshes);
  EXPECT_THROW(encode_expression(basis, uneven[2]), std::invalid_argument);
  EXPECT_THROW(decode_expression(basis, {1.0, 2.0, 3.0, 4.0, 5.0}), std::invalid_argument);
}
