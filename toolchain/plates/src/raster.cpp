#include "raster.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace being::plates::raster {

void fill_polygon(const Polygon& polygon, int width, int height, std::uint8_t value, std::vector<std::uint8_t>& mask) {
  const std::size_t n = polygon.size();
  if (n < 3) return;
  float top = polygon[0][1], bottom = polygon[0][1];
  for (const auto& p : polygon) top = std::min(top, p[1]), bottom = std::max(bottom, p[1]);
  const int y0 = std::max(0, static_cast<int>(std::floor(top))), y1 = std::min(height - 1, static_cast<int>(std::ceil(bottom)));
  std::vector<float> crossings;
  for (int y = y0; y <= y1; ++y) {
    const float cy = y + 0.5f;
    crossings.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& a = polygon[i];
      const auto& b = polygon[(i + 1) % n];
      // Half-open in y so that a vertex on the scanline is counted once.
      if ((a[1] <= cy) != (b[1] <= cy)) crossings.push_back(a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
    }
    std::sort(crossings.begin(), crossings.end());
    for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
      // Pixels whose centre x + 0.5 lies in [left, right).
      const int x0 = std::max(0, static_cast<int>(std::ceil(crossings[k] - 0.5f)));
      const int x1 = std::min(width, static_cast<int>(std::ceil(crossings[k + 1] - 0.5f)));
      if (x0 < x1) std::fill(mask.begin() + static_cast<std::size_t>(y) * width + x0, mask.begin() + static_cast<std::size_t>(y) * width + x1, value);
    }
  }
}

namespace {

// One dimension of the transform: d[i] = min_j (f[j] + (i - j)^2). v and z hold the lower envelope
// (parabola apexes and the boundaries between them); z[0] = -inf ends the backtracking.
void distance_1d(const float* f, int n, float* d, std::vector<int>& v, std::vector<float>& z) {
  int k = 0;
  v[0] = 0;
  z[0] = -std::numeric_limits<float>::infinity();
  z[1] = std::numeric_limits<float>::infinity();
  for (int q = 1; q < n; ++q) {
    float s;
    for (;;) {
      const int p = v[k];
      s = ((f[q] + float(q) * q) - (f[p] + float(p) * p)) / (2.0f * float(q - p));
      if (s > z[k]) break;
      --k;
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = std::numeric_limits<float>::infinity();
  }
  k = 0;
  for (int q = 0; q < n; ++q) {
    while (z[k + 1] < q) ++k;
    const float dq = float(q - v[k]);
    d[q] = dq * dq + f[v[k]];
  }
}

}  // namespace

void squared_distance(const std::vector<std::uint8_t>& inside, int width, int height, std::vector<float>& out) {
  // Far enough to dominate any in-image distance, small enough that sums stay finite.
  const float far = 4.0f * (float(width) * width + float(height) * height) + 1.0f;
  out.resize(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = inside[i] ? 0.0f : far;
  const int longest = std::max(width, height);
  std::vector<int> v(longest);
  std::vector<float> z(longest + 1), column(longest), result(longest);
  for (int x = 0; x < width; ++x) {
    for (int y = 0; y < height; ++y) column[y] = out[static_cast<std::size_t>(y) * width + x];
    distance_1d(column.data(), height, result.data(), v, z);
    for (int y = 0; y < height; ++y) out[static_cast<std::size_t>(y) * width + x] = result[y];
  }
  for (int y = 0; y < height; ++y) {
    float* row = out.data() + static_cast<std::size_t>(y) * width;
    std::copy_n(row, width, column.begin());
    distance_1d(column.data(), width, row, v, z);
  }
}

}  // namespace being::plates::raster
