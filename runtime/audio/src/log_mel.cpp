#include "being/audio/log_mel.h"

#include <kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace being::audio {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

// One triangular filter per mel bin over the FFT bins (HTK mel scale, unit peak), stored sparsely.
struct MelFilter {
  int first_bin = 0;
  std::vector<float> weights;
};

std::vector<MelFilter> make_filterbank(const MelConfig& c) {
  const int bins = c.n_fft / 2 + 1;
  const double lo = hz_to_mel(c.fmin_hz), hi = hz_to_mel(c.fmax_hz);
  std::vector<double> edges(c.mel_bins + 2);
  for (int i = 0; i < c.mel_bins + 2; ++i) edges[i] = mel_to_hz(lo + (hi - lo) * i / (c.mel_bins + 1));
  std::vector<MelFilter> filters(c.mel_bins);
  for (int m = 0; m < c.mel_bins; ++m) {
    const double left = edges[m], centre = edges[m + 1], right = edges[m + 2];
    MelFilter& f = filters[m];
    f.first_bin = -1;
    for (int k = 0; k < bins; ++k) {
      const double hz = static_cast<double>(k) * c.sample_rate / c.n_fft;
      double w = 0.0;
      if (hz > left && hz < centre) w = (hz - left) / (centre - left);
      else if (hz >= centre && hz < right) w = (right - hz) / (right - centre);
      if (w <= 0.0) {
        if (f.first_bin >= 0) break;
        continue;
      }
      if (f.first_bin < 0) f.first_bin = k;
      f.weights.push_back(static_cast<float>(w));
    }
    if (f.first_bin < 0) f.first_bin = 0;  // narrower than one FFT bin: the filter stays empty
  }
  return filters;
}

}  // namespace

void validate(const MelConfig& c) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("log-mel config: " + what); };
  if (c.sample_rate <= 0) fail("sample_rate must be positive");
  if (c.hop <= 0) fail("hop must be positive");
  if (c.window <= 0 || c.window > c.n_fft) fail("window must be in 1..n_fft");
  if (c.n_fft < 2 || c.n_fft % 2 != 0) fail("n_fft must be even");
  if (c.mel_bins <= 0) fail("mel_bins must be positive");
  if (!(c.fmin_hz >= 0.0f && c.fmin_hz < c.fmax_hz && c.fmax_hz <= c.sample_rate / 2.0f))
    fail("need 0 <= fmin < fmax <= sample_rate / 2");
  if (!(c.power_floor > 0.0f)) fail("power_floor must be positive");
}

struct LogMel::State {
  MelConfig config;
  std::vector<float> window;
  std::vector<MelFilter> filters;
  kiss_fftr_cfg fft = nullptr;
  std::vector<float> frame;
  std::vector<kiss_fft_cpx> spectrum;
  std::vector<float> power;
  // Samples from absolute index `buffer_start` on; everything before has been consumed.
  std::vector<float> buffer;
  std::size_t buffer_start = 0;
  std::size_t total = 0;
  std::size_t next_frame = 0;

  explicit State(const MelConfig& c) : config(c) {
    validate(c);
    window.resize(c.window);
    for (int i = 0; i < c.window; ++i) window[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * i / c.window));
    filters = make_filterbank(c);
    fft = kiss_fftr_alloc(c.n_fft, 0, nullptr, nullptr);
    if (!fft) throw std::bad_alloc();
    frame.resize(c.n_fft);
    spectrum.resize(c.n_fft / 2 + 1);
    power.resize(c.n_fft / 2 + 1);
  }
  ~State() { kiss_fftr_free(fft); }

  float sample(std::ptrdiff_t absolute) const {
    if (absolute < 0 || static_cast<std::size_t>(absolute) >= total) return 0.0f;
    return buffer[static_cast<std::size_t>(absolute) - buffer_start];
  }

  void emit(std::size_t t, std::vector<float>& out) {
    const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(t * config.hop) - config.window / 2;
    std::fill(frame.begin(), frame.end(), 0.0f);
    for (int i = 0; i < config.window; ++i) frame[i] = sample(first + i) * window[i];
    kiss_fftr(fft, frame.data(), spectrum.data());
    for (std::size_t k = 0; k < spectrum.size(); ++k) power[k] = spectrum[k].r * spectrum[k].r + spectrum[k].i * spectrum[k].i;
    for (const MelFilter& f : filters) {
      float energy = 0.0f;
      for (std::size_t j = 0; j < f.weights.size(); ++j) energy += f.weights[j] * power[f.first_bin + j];
      out.push_back(std::log(std::max(energy, config.power_floor)));
    }
  }

  // Frames whose window is complete once `available` samples are known.
  std::size_t complete_frames(std::size_t available) const {
    const std::size_t half = static_cast<std::size_t>(config.window - config.window / 2);
    if (available < half) return 0;
    return (available - half) / config.hop + 1;
  }

  void drop_consumed() {
    const std::ptrdiff_t keep_from = static_cast<std::ptrdiff_t>(next_frame * config.hop) - config.window / 2;
    if (keep_from <= static_cast<std::ptrdiff_t>(buffer_start)) return;
    const std::size_t drop = std::min(buffer.size(), static_cast<std::size_t>(keep_from) - buffer_start);
    if (drop < buffer.size() / 2 && drop < 65536) return;  // amortise the move
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(drop));
    buffer_start += drop;
  }
};

LogMel::LogMel(const MelConfig& config) : state_(std::make_unique<State>(config)) {}
LogMel::~LogMel() = default;
LogMel::LogMel(LogMel&&) noexcept = default;
LogMel& LogMel::operator=(LogMel&&) noexcept = default;

const MelConfig& LogMel::config() const { return state_->config; }
std::size_t LogMel::frames_emitted() const { return state_->next_frame; }

std::size_t LogMel::push(const float* samples, std::size_t count, std::vector<float>& out) {
  State& s = *state_;
  s.buffer.insert(s.buffer.end(), samples, samples + count);
  s.total += count;
  const std::size_t ready = s.complete_frames(s.total);
  const std::size_t before = s.next_frame;
  for (; s.next_frame < ready; ++s.next_frame) s.emit(s.next_frame, out);
  s.drop_consumed();
  return s.next_frame - before;
}

std::size_t LogMel::finish(std::vector<float>& out) {
  State& s = *state_;
  const std::size_t hop = static_cast<std::size_t>(s.config.hop);
  const std::size_t all = (s.total + hop - 1) / hop;
  const std::size_t before = s.next_frame;
  for (; s.next_frame < all; ++s.next_frame) s.emit(s.next_frame, out);
  const std::size_t emitted = s.next_frame - before;
  s.buffer.clear();
  s.buffer_start = s.total = s.next_frame = 0;
  return emitted;
}

std::vector<float> log_mel(const float* samples, std::size_t count, const MelConfig& config) {
  LogMel extractor(config);
  std::vector<float> out;
  extractor.push(samples, count, out);
  extractor.finish(out);
  return out;
}

MelStatistics::MelStatistics(int mel_bins) : bins_(mel_bins), sum_(mel_bins, 0.0), sum_sq_(mel_bins, 0.0) {
  if (mel_bins <= 0) throw std::invalid_argument("MelStatistics: mel_bins must be positive");
}

void MelStatistics::add(const float* frames, std::size_t count) {
  for (std::size_t t = 0; t < count; ++t) {
    for (int b = 0; b < bins_; ++b) {
      const double v = frames[t * bins_ + b];
      sum_[b] += v;
      sum_sq_[b] += v * v;
    }
  }
  frames_ += count;
}

double MelStatistics::bin_mean(int b) const { return frames_ ? sum_[b] / static_cast<double>(frames_) : 0.0; }

double MelStatistics::bin_variance(int b) const {
  if (frames_ == 0) return 0.0;
  const double mean = bin_mean(b);
  return std::max(0.0, sum_sq_[b] / static_cast<double>(frames_) - mean * mean);
}

std::vector<float> MelStatistics::mean() const {
  std::vector<float> out(bins_);
  for (int b = 0; b < bins_; ++b) out[b] = static_cast<float>(bin_mean(b));
  return out;
}

std::vector<float> MelStatistics::stddev() const {
  std::vector<float> out(bins_);
  for (int b = 0; b < bins_; ++b) out[b] = static_cast<float>(std::sqrt(bin_variance(b)));
  return out;
}

void MelStatistics::normalize(float* frames, std::size_t count) const {
  if (frames_ == 0) return;
  for (int b = 0; b < bins_; ++b) {
    const double mean = bin_mean(b);
    const double var = bin_variance(b);
    const double inv_std = var > 1e-12 ? 1.0 / std::sqrt(var) : 0.0;
    for (std::size_t t = 0; t < count; ++t)
      frames[t * bins_ + b] = static_cast<float>((frames[t * bins_ + b] - mean) * inv_std);
  }
}

void normalize_per_bin(std::vector<float>& frames, int mel_bins) {
  if (mel_bins <= 0 || frames.size() % static_cast<std::size_t>(mel_bins) != 0)
    throw std::invalid_argument("normalize_per_bin: frame data is not a whole number of frames");
  MelStatistics statistics(mel_bins);
  statistics.add(frames.data(), frames.size() / mel_bins);
  statistics.normalize(frames.data(), frames.size() / mel_bins);
}

}  // namespace being::audio
