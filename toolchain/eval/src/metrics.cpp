#include "being/eval/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>

#include "being/face_model/canonical_face.h"
#include "being/plates/labels.h"

namespace being::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kSsimTaps = 11;
constexpr double kSsimSigma = 1.5;
constexpr double kC1 = (0.01 * 255) * (0.01 * 255), kC2 = (0.03 * 255) * (0.03 * 255);

void check_pair(const draw::Image& a, const draw::Image& b, const Box& box) {
  if (a.width != b.width || a.height != b.height)
    throw std::invalid_argument("eval metrics: images of different sizes");
  if (box.x0 < 0 || box.y0 < 0 || box.x1 > a.width || box.y1 > a.height || box.width() <= 0 || box.height() <= 0)
    throw std::invalid_argument("eval metrics: box outside the image or empty");
}

std::array<double, kSsimTaps> gaussian_taps() {
  std::array<double, kSsimTaps> w{};
  double sum = 0;
  for (int i = 0; i < kSsimTaps; ++i) {
    const double d = i - kSsimTaps / 2;
    w[i] = std::exp(-d * d / (2 * kSsimSigma * kSsimSigma));
    sum += w[i];
  }
  for (double& v : w) v /= sum;
  return w;
}

// Gaussian-weighted means over every window that fits in a w x h plane ("valid" filtering):
// separable, rows then columns. Returns (w - 10) x (h - 10) values.
std::vector<double> window_means(const std::vector<double>& plane, int w, int h) {
  static const auto taps = gaussian_taps();
  const int ow = w - kSsimTaps + 1, oh = h - kSsimTaps + 1;
  std::vector<double> rows(static_cast<std::size_t>(ow) * h), out(static_cast<std::size_t>(ow) * oh);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int t = 0; t < kSsimTaps; ++t) s += taps[t] * plane[static_cast<std::size_t>(y) * w + x + t];
      rows[static_cast<std::size_t>(y) * ow + x] = s;
    }
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int t = 0; t < kSsimTaps; ++t) s += taps[t] * rows[static_cast<std::size_t>(y + t) * ow + x];
      out[static_cast<std::size_t>(y) * ow + x] = s;
    }
  return out;
}

}  // namespace

double psnr(const draw::Image& a, const draw::Image& b, const Box& box) {
  check_pair(a, b, box);
  double sum = 0;
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x)
      for (int c = 0; c < 3; ++c) {
        const double d = double(a.at(x, y)[c]) - b.at(x, y)[c];
        sum += d * d;
      }
  const double mse = sum / (3.0 * box.width() * box.height());
  return std::min(kMaxPsnr, 10.0 * std::log10(255.0 * 255.0 / std::max(mse, 1e-300)));
}

double ssim(const draw::Image& a, const draw::Image& b, const Box& box) {
  check_pair(a, b, box);
  const int w = box.width(), h = box.height();
  if (w < kSsimTaps || h < kSsimTaps) return kNaN;
  const std::size_t n = static_cast<std::size_t>(w) * h;
  double total = 0;
  for (int c = 0; c < 3; ++c) {
    std::vector<double> x(n), y(n), xx(n), yy(n), xy(n);
    for (int j = 0; j < h; ++j)
      for (int i = 0; i < w; ++i) {
        const std::size_t k = static_cast<std::size_t>(j) * w + i;
        x[k] = a.at(box.x0 + i, box.y0 + j)[c];
        y[k] = b.at(box.x0 + i, box.y0 + j)[c];
        xx[k] = x[k] * x[k];
        yy[k] = y[k] * y[k];
        xy[k] = x[k] * y[k];
      }
    const auto mx = window_means(x, w, h), my = window_means(y, w, h);
    const auto mxx = window_means(xx, w, h), myy = window_means(yy, w, h), mxy = window_means(xy, w, h);
    double sum = 0;
    for (std::size_t k = 0; k < mx.size(); ++k) {
      const double vx = mxx[k] - mx[k] * mx[k], vy = myy[k] - my[k] * my[k], cov = mxy[k] - mx[k] * my[k];
      sum += (2 * mx[k] * my[k] + kC1) * (2 * cov + kC2) / ((mx[k] * mx[k] + my[k] * my[k] + kC1) * (vx + vy + kC2));
    }
    total += sum / mx.size();
  }
  return total / 3;
}

Box face_box(const dataset::Dataset& dataset, int frame, double grow) {
  const auto& t = dataset.tracks();
  const int size = dataset.manifest().crop_size;
  const float* crop = &t.crop[static_cast<std::size_t>(frame) * 3];
  const double scale = size / crop[2];
  double lo_x = 1e30, lo_y = 1e30, hi_x = -1e30, hi_y = -1e30;
  for (int i = 0; i < dataset::kMeshVertices; ++i) {
    const float* p = &t.landmarks[(static_cast<std::size_t>(frame) * dataset::kLandmarks + i) * 3];
    const double x = (p[0] - crop[0]) * scale, y = (p[1] - crop[1]) * scale;
    lo_x = std::min(lo_x, x), hi_x = std::max(hi_x, x);
    lo_y = std::min(lo_y, y), hi_y = std::max(hi_y, y);
  }
  const double gx = 0.5 * grow * (hi_x - lo_x), gy = 0.5 * grow * (hi_y - lo_y);
  const auto clip = [size](double v) { return std::clamp(static_cast<int>(std::lround(v)), 0, size); };
  return {clip(lo_x - gx), clip(lo_y - gy), clip(hi_x + gx), clip(hi_y + gy)};
}

draw::Image crop_background(const dataset::Image& background, const float crop[3], int crop_size) {
  if (background.channels != 3) throw std::invalid_argument("crop_background: the background plate is not RGB");
  const auto window = dataset::resample_window(background, crop[0], crop[1], crop[2], crop_size);
  draw::Image out(crop_size, crop_size);
  out.rgb = window.pixels;
  return out;
}

draw::Image torso_plate(const dataset::Dataset& dataset, int frame, const draw::Image& background_crop) {
  const auto rgb = dataset.frame(frame);
  const auto labels = dataset.labels(frame);
  if (background_crop.width != rgb.width || background_crop.height != rgb.height)
    throw std::invalid_argument("torso_plate: the background crop is not the size of the frame");
  draw::Image out;
  out.width = rgb.width;
  out.height = rgb.height;
  out.rgb = rgb.pixels;
  for (std::size_t i = 0; i < labels.pixels.size(); ++i)
    if (plates::is_head(labels.pixels[i])) std::memcpy(&out.rgb[i * 3], &background_crop.rgb[i * 3], 3);
  return out;
}

draw::Image composite(const float* color, const float* alpha, const draw::Image& plate) {
  draw::Image out(plate.width, plate.height);
  const std::size_t pixels = static_cast<std::size_t>(plate.width) * plate.height;
  for (std::size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) {
      const double v = 255.0 * color[i * 3 + c] + (1.0 - alpha[i]) * plate.rgb[i * 3 + c];
      out.rgb[i * 3 + c] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
    }
  return out;
}

const std::vector<int>& lip_landmarks() {
  static const std::vector<int> lips = [] {
    const auto& face = face_model::canonical_face();
    const auto it = face.contours.find("FACEMESH_LIPS");
    if (it == face.contours.end())
      throw std::runtime_error("canonical face: no FACEMESH_LIPS contours (is the model cache complete? run scripts/setup.sh)");
    std::set<int> unique;
    for (const auto& contour : it->second) unique.insert(contour.vertices.begin(), contour.vertices.end());
    return std::vector<int>(unique.begin(), unique.end());
  }();
  return lips;
}

double mouth_opening(const std::vector<face::Landmark>& lm) {
  const auto dist = [&](int i, int j) { return std::hypot(lm.at(i).x - lm.at(j).x, lm.at(i).y - lm.at(j).y); };
  const double height = dist(10, 152);
  return height > 0 ? dist(13, 14) / height : 0.0;
}

double lip_distance(const std::vector<face::Landmark>& a, const std::vector<face::Landmark>& b) {
  const auto& lips = lip_landmarks();
  double sum = 0;
  for (int i : lips) sum += std::hypot(a.at(i).x - b.at(i).x, a.at(i).y - b.at(i).y);
  return sum / lips.size();
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("pearson: series of different lengths");
  const std::size_t n = a.size();
  if (n < 3) return kNaN;
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa <= 0 || sbb <= 0) return kNaN;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace being::eval
