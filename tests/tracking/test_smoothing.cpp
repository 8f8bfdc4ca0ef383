#include "being/tracking/smoothing.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being::tracking;

namespace {

double rmse(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / a.size());
}

}  // namespace

TEST(Smoothing, RemovesJitterFromSlowMotion) {
  std::mt19937 rng(1);
  std::normal_distribution<double> jitter(0.0, 0.5);
  std::vector<double> truth, noisy;
  for (int i = 0; i < 500; ++i) {
    truth.push_back(5.0 * std::sin(i * 0.03));
    noisy.push_back(truth.back() + jitter(rng));
  }
  const auto smooth = smooth_rts(noisy, {0.5, 0.02});
  EXPECT_LT(rmse(smooth, truth), rmse(noisy, truth) / 3.0);
}

// A two-pass smoother has no lag: on a steady ramp the error has no systematic sign.
TEST(Smoothing, HasNoLag) {
  std::mt19937 rng(2);
  std::normal_distribution<double> jitter(0.0, 0.3);
  std::vector<double> truth, noisy;
  for (int i = 0; i < 300; ++i) {
    truth.push_back(0.2 * i);
    noisy.push_back(truth.back() + jitter(rng));
  }
  const auto smooth = smooth_rts(noisy, {0.3, 0.01});
  double bias = 0;
  for (std::size_t i = 20; i < 280; ++i) bias += smooth[i] - truth[i];
  EXPECT_LT(std::abs(bias / 260), 0.03);
}

TEST(Smoothing, BridgesGapsAndChecksItsInputs) {
  std::vector<double> samples = {0, 1, 2, 999, 999, 5, 6, 7};
  std::vector<bool> valid = {true, true, true, false, false, true, true, true};
  const auto smooth = smooth_rts(samples, {0.01, 0.01}, valid);
  EXPECT_NEAR(smooth[3], 3.0, 0.1);
  EXPECT_NEAR(smooth[4], 4.0, 0.1);
  EXPECT_THROW(smooth_rts(samples, {0.1, 0.1}, {true}), std::invalid_argument);
  EXPECT_THROW(smooth_rts(samples, {0.0, 0.1}), std::invalid_argument);
  EXPECT_EQ(smooth_rts({}, {}).size(), 0u);
}
