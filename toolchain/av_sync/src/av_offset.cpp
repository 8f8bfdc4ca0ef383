#include "being/av_sync/av_offset.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace being::av_sync {

std::vector<double> audio_envelope(const std::vector<float>& samples, std::size_t frames, const OffsetOptions& o) {
  std::vector<double> envelope(frames, 0.0);
  const double per_frame = o.sample_rate / o.fps;
  for (std::size_t i = 0; i < frames; ++i) {
    const double centre = i * per_frame;
    const auto begin = static_cast<std::ptrdiff_t>(std::floor(centre - per_frame / 2));
    const auto end = static_cast<std::ptrdiff_t>(std::floor(centre + per_frame / 2));
    double energy = 0.0;
    std::size_t count = 0;
    for (std::ptrdiff_t s = std::max<std::ptrdiff_t>(begin, 0); s < end && s < static_cast<std::ptrdiff_t>(samples.size()); ++s) {
      energy += static_cast<double>(samples[s]) * samples[s];
      ++count;
    }
    envelope[i] = 0.5 * std::log(1e-8 + (count ? energy / count : 0.0));
  }
  return envelope;
}

OffsetEstimate estimate_av_offset(const std::vector<double>& mouth, const std::vector<bool>& valid,
                                  const std::vector<float>& samples, const OffsetOptions& o) {
  if (!(o.fps > 0.0) || o.sample_rate <= 0 || !(o.max_lag_s > 0.0)) throw std::invalid_argument("estimate_av_offset: bad options");
  if (!valid.empty() && valid.size() != mouth.size()) throw std::invalid_argument("estimate_av_offset: valid flags and frames differ in length");
  const int max_lag = std::max(1, static_cast<int>(std::lround(o.max_lag_s * o.fps)));
  const std::vector<double> envelope = audio_envelope(samples, mouth.size(), o);
  auto usable = [&](std::ptrdiff_t i) { return i >= 0 && i < static_cast<std::ptrdiff_t>(mouth.size()) && (valid.empty() || valid[i]); };

  std::size_t usable_frames = 0;
  for (std::size_t i = 0; i < mouth.size(); ++i) usable_frames += usable(static_cast<std::ptrdiff_t>(i));
  if (usable_frames < static_cast<std::size_t>(8 * max_lag))
    throw std::invalid_argument("estimate_av_offset: " + std::to_string(usable_frames) + " frames with a face; need at least " +
                                std::to_string(8 * max_lag) + " to measure an offset of up to " + std::to_string(o.max_lag_s) + " s");

  OffsetEstimate result;
  // Pearson correlation of mouth[i] with envelope[i + lag] over the frames where both exist.
  auto correlate = [&](int lag) {
    double sm = 0, se = 0, smm = 0, see = 0, sme = 0;
    std::size_t n = 0;
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(mouth.size()); ++i) {
      const std::ptrdiff_t j = i + lag;
      if (!usable(i) || j < 0 || j >= static_cast<std::ptrdiff_t>(envelope.size())) continue;
      sm += mouth[i], se += envelope[j], smm += mouth[i] * mouth[i], see += envelope[j] * envelope[j], sme += mouth[i] * envelope[j];
      ++n;
    }
    if (n < 2) return 0.0;
    const double cov = sme / n - (sm / n) * (se / n);
    const double vm = smm / n - (sm / n) * (sm / n), ve = see / n - (se / n) * (se / n);
    return vm > 1e-12 && ve > 1e-12 ? cov / std::sqrt(vm * ve) : 0.0;
  };
  int best = 0;
  double sum = 0.0;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    result.curve.push_back(correlate(lag));
    sum += result.curve.back();
    if (result.curve.back() > result.curve[best + max_lag] || lag == -max_lag) best = lag;
  }
  result.offset_whole_frames = best;
  result.correlation = result.curve[best + max_lag];
  result.correlation_at_zero = result.curve[max_lag];
  result.peak_margin = result.correlation - sum / result.curve.size();
  result.offset_frames = best;
  if (best > -max_lag && best < max_lag) {
    const double l = result.curve[best + max_lag - 1], c = result.correlation, r = result.curve[best + max_lag + 1];
    const double denominator = l - 2.0 * c + r;
    if (denominator < 0.0) result.offset_frames = best + 0.5 * (l - r) / denominator;
  }
  return result;
}

}  // namespace being::av_sync
