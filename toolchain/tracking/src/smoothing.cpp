#include "being/tracking/smoothing.h"

#include <Eigen/Dense>

#include <stdexcept>

namespace being::tracking {

std::vector<double> smooth_rts(const std::vector<double>& samples, const SmootherOptions& options,
                               const std::vector<bool>& valid) {
  const std::size_t n = samples.size();
  if (!valid.empty() && valid.size() != n) throw std::invalid_argument("smooth_rts: valid flags and samples differ in length");
  if (!(options.measurement_noise > 0.0) || !(options.process_noise > 0.0))
    throw std::invalid_argument("smooth_rts: noise levels must be positive");
  auto has = [&](std::size_t i) { return valid.empty() || valid[i]; };
  std::size_t first = 0;
  while (first < n && !has(first)) ++first;
  if (first == n) return samples;

  // State: value and velocity per frame.
  using V2 = Eigen::Vector2d;
  using M2 = Eigen::Matrix2d;
  M2 transition;
  transition << 1.0, 1.0, 0.0, 1.0;
  const double q = options.process_noise * options.process_noise;
  M2 process;  // white-noise acceleration, discretised over one frame
  process << q / 4.0, q / 2.0, q / 2.0, q;
  const double r = options.measurement_noise * options.measurement_noise;

  std::vector<V2> x_pred(n), x_filt(n);
  std::vector<M2> p_pred(n), p_filt(n);
  V2 x(samples[first], 0.0);
  M2 p;
  p << r, 0.0, 0.0, 1e6;  // velocity unknown at the start
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) {
      x = transition * x;
      p = transition * p * transition.transpose() + process;
    }
    x_pred[i] = x;
    p_pred[i] = p;
    if (has(i)) {
      const double innovation = samples[i] - x(0);
      const double s = p(0, 0) + r;
      const V2 gain = p.col(0) / s;
      x += gain * innovation;
      p -= gain * p.row(0);
    }
    x_filt[i] = x;
    p_filt[i] = p;
  }
  std::vector<double> out(n);
  V2 x_smooth = x_filt[n - 1];
  out[n - 1] = x_smooth(0);
  for (std::size_t i = n - 1; i-- > 0;) {
    const M2 gain = p_filt[i] * transition.transpose() * p_pred[i + 1].inverse();
    x_smooth = x_filt[i] + gain * (x_smooth - x_pred[i + 1]);
    out[i] = x_smooth(0);
  }
  return out;
}

}  // namespace being::tracking
