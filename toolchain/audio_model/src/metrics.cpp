#include "being/audio_model/audio_encoder.h"

#include <cmath>
#include <stdexcept>

namespace being::audio_model {
namespace {

// Inner upper and lower lip, forehead and chin of the canonical face mesh.
constexpr int kUpperLip = 13, kLowerLip = 14, kForehead = 10, kChin = 152;

}  // namespace

const std::vector<int>& lip_vertices() {
  static const std::vector<int> lips = {13, 14, 0, 17, 61, 291, 78, 308};
  return lips;
}

std::vector<double> mouth_opening(const std::vector<float>& codes, int components, const std::vector<float>& mean,
                                  const std::vector<float>& basis) {
  const std::size_t vertices = mean.size() / 3;
  if (vertices <= kChin || basis.size() != static_cast<std::size_t>(components) * mean.size())
    throw std::invalid_argument("mouth_opening: the mean mesh needs 468 vertices and the basis K of them");
  const std::size_t frames = codes.size() / components;
  std::vector<double> opening(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const auto vertex = [&](int v, int axis) {
      double p = mean[v * 3 + axis];
      for (int k = 0; k < components; ++k) p += codes[i * components + k] * basis[(k * vertices + v) * 3 + axis];
      return p;
    };
    const auto distance = [&](int a, int b) {
      double sum = 0;
      for (int axis = 0; axis < 3; ++axis) sum += std::pow(vertex(a, axis) - vertex(b, axis), 2);
      return std::sqrt(sum);
    };
    opening[i] = distance(kUpperLip, kLowerLip) / distance(kForehead, kChin);
  }
  return opening;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("correlation: the series differ in length");
  const double n = static_cast<double>(a.size());
  if (a.empty()) return 0.0;
  double mean_a = 0, mean_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i) mean_a += a[i] / n, mean_b += b[i] / n;
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - mean_a) * (b[i] - mean_b);
    aa += (a[i] - mean_a) * (a[i] - mean_a);
    bb += (b[i] - mean_b) * (b[i] - mean_b);
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

AudioEncoderMetrics evaluate_codes(const std::vector<float>& predicted, const std::vector<float>& tracked, int components,
                                   const std::vector<float>& mean, const std::vector<float>& basis) {
  if (predicted.size() != tracked.size() || components <= 0 || tracked.size() % components != 0)
    throw std::invalid_argument("evaluate_codes: predicted and tracked codes must both be frames * K values");
  AudioEncoderMetrics m;
  m.frames = static_cast<int>(tracked.size() / components);
  double squared = 0;
  for (std::size_t i = 0; i < tracked.size(); ++i) squared += std::pow(static_cast<double>(predicted[i]) - tracked[i], 2);
  m.rmse = tracked.empty() ? 0.0 : std::sqrt(squared / static_cast<double>(tracked.size()));
  for (int k = 0; k < components; ++k) {
    std::vector<double> p(m.frames), t(m.frames);
    for (int i = 0; i < m.frames; ++i) p[i] = predicted[i * components + k], t[i] = tracked[i * components + k];
    m.component_correlation.push_back(correlation(p, t));
  }
  m.code0_correlation = m.component_correlation.empty() ? 0.0 : m.component_correlation[0];
  m.mouth_correlation = correlation(mouth_opening(predicted, components, mean, basis), mouth_opening(tracked, components, mean, basis));
  return m;
}

}  // namespace being::audio_model
