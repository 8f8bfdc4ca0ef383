#include "being/face_model/similarity_fit.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being::face_model;
using Point = std::array<double, 3>;

namespace {

SimilarityTransform random_transform(std::mt19937& rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  // Rotation from a random unit quaternion.
  double q[4] = {n(rng), n(rng), n(rng), n(rng)};
  const double len = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  for (double& c : q) c /= len;
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  SimilarityTransform t;
  t.rotation = {{{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                 {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                 {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}}};
  t.scale = std::exp(n(rng));
  t.translation = {10 * n(rng), 10 * n(rng), 10 * n(rng)};
  return t;
}

std::vector<Point> random_points(std::mt19937& rng, int count) {
  std::normal_distribution<double> n(0.0, 5.0);
  std::vector<Point> p(count);
  for (auto& v : p) v = {n(rng), n(rng), n(rng)};
  return p;
}

}  // namespace

TEST(SimilarityFit, RecoversAnExactTransform) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const auto truth = random_transform(rng);
    const auto source = random_points(rng, 30);
    std::vector<Point> target;
    for (const auto& p : source) target.push_back(truth.apply(p));
    const auto fit = fit_similarity(source, target, std::vector<double>(source.size(), 1.0));
    EXPECT_NEAR(fit.scale, truth.scale, 1e-9 * truth.scale);
    for (int r = 0; r < 3; ++r) {
      EXPECT_NEAR(fit.translation[r], truth.translation[r], 1e-7);
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(fit.rotation[r][c], truth.rotation[r][c], 1e-9);
    }
    EXPECT_LT(fit.rms_error, 1e-8);
  }
}

TEST(SimilarityFit, ZeroWeightPointsDoNotPullTheFit) {
  std::mt19937 rng(5);
  const auto truth = random_transform(rng);
  auto source = random_points(rng, 20);
  std::vector<Point> target;
  for (const auto& p : source) target.push_back(truth.apply(p));
  std::vector<double> weights(20, 0.5);
  for (int i = 0; i < 5; ++i) {
    target[i][0] += 100.0;  // gross outliers
    weights[i] = 0.0;
  }
  const auto fit = fit_similarity(source, target, weights);
  EXPECT_NEAR(fit.scale, truth.scale, 1e-9 * truth.scale);
  EXPECT_LT(fit.rms_error, 1e-8);
}

TEST(SimilarityFit, NeverReturnsAReflection) {
  std::mt19937 rng(3);
  const auto source = random_points(rng, 10);
  std::vector<Point> mirrored;
  for (const auto& p : source) mirrored.push_back({-p[0], p[1], p[2]});
  const auto fit = fit_similarity(source, mirrored, std::vector<double>(10, 1.0));
  const auto& m = fit.rotation;
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  EXPECT_NEAR(det, 1.0, 1e-9);
  EXPECT_GT(fit.rms_error, 0.1);  // a mirror image cannot be matched by a rotation
}

TEST(SimilarityFit, RejectsDegenerateInput) {
  std::vector<Point> line = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}};
  EXPECT_THROW(fit_similarity(line, line, std::vector<double>(4, 1.0)), std::invalid_argument);
  std::vector<Point> three = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  EXPECT_THROW(fit_similarity(three, three, {1.0, 1.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(fit_similarity(three, three, {1.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(fit_similarity(three, three, {1.0, -1.0, 1.0}), std::invalid_argument);
  EXPECT_NO_THROW(fit_similarity(three, three, {1.0, 1.0, 1.0}));
}
