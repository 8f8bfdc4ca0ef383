#include "being/plates/background_plate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "raster.h"

namespace being::plates {

namespace {

// xorshift32: the reservoir only needs cheap, reproducible, roughly uniform draws.
std::uint32_t next_random(std::uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

struct Level {
  int width = 0, height = 0;
  std::vector<std::array<float, 3>> colour;
  std::vector<float> weight;
};

// Fills the pixels with weight 0 by push-pull: average the known pixels down a pyramid of halvings,
// then come back up filling each level's unknown pixels by bilinear interpolation of the level above
// (already complete). Gives every hole the colour of its surroundings at the hole's own scale.
void push_pull(Level& base) {
  std::vector<Level> levels{std::move(base)};
  while (levels.back().width > 1 || levels.back().height > 1) {
    const Level& fine = levels.back();
    Level coarse;
    coarse.width = (fine.width + 1) / 2;
    coarse.height = (fine.height + 1) / 2;
    coarse.colour.assign(static_cast<std::size_t>(coarse.width) * coarse.height, {0, 0, 0});
    coarse.weight.assign(coarse.colour.size(), 0.0f);
    for (int y = 0; y < fine.height; ++y)
      for (int x = 0; x < fine.width; ++x) {
        const std::size_t f = static_cast<std::size_t>(y) * fine.width + x;
        const std::size_t c = static_cast<std::size_t>(y / 2) * coarse.width + x / 2;
        const float w = fine.weight[f];
        for (int k = 0; k < 3; ++k) coarse.colour[c][k] += w * fine.colour[f][k];
        coarse.weight[c] += w;
      }
    for (std::size_t c = 0; c < coarse.colour.size(); ++c)
      if (coarse.weight[c] > 0)
        for (int k = 0; k < 3; ++k) coarse.colour[c][k] /= coarse.weight[c];
    levels.push_back(std::move(coarse));
  }
  for (int l = static_cast<int>(levels.size()) - 2; l >= 0; --l) {
    Level& fine = levels[l];
    const Level& coarse = levels[l + 1];
    for (int y = 0; y < fine.height; ++y)
      for (int x = 0; x < fine.width; ++x) {
        const std::size_t f = static_cast<std::size_t>(y) * fine.width + x;
        if (fine.weight[f] > 0) continue;
        const float cx = std::clamp((x + 0.5f) / 2 - 0.5f, 0.0f, float(coarse.width - 1));
        const float cy = std::clamp((y + 0.5f) / 2 - 0.5f, 0.0f, float(coarse.height - 1));
        const int x0 = static_cast<int>(cx), y0 = static_cast<int>(cy);
        const int x1 = std::min(x0 + 1, coarse.width - 1), y1 = std::min(y0 + 1, coarse.height - 1);
        const float ax = cx - x0, ay = cy - y0;
        const auto& c00 = coarse.colour[static_cast<std::size_t>(y0) * coarse.width + x0];
        const auto& c10 = coarse.colour[static_cast<std::size_t>(y0) * coarse.width + x1];
        const auto& c01 = coarse.colour[static_cast<std::size_t>(y1) * coarse.width + x0];
        const auto& c11 = coarse.colour[static_cast<std::size_t>(y1) * coarse.width + x1];
        for (int k = 0; k < 3; ++k)
          fine.colour[f][k] = (1 - ay) * ((1 - ax) * c00[k] + ax * c10[k]) + ay * ((1 - ax) * c01[k] + ax * c11[k]);
      }
  }
  base = std::move(levels.front());
}

// Relaxes the filled pixels towards the harmonic (Laplace) fill with the known pixels as boundary:
// removes the push-pull's piecewise-bilinear creases.
void smooth_holes(Level& image, const std::vector<std::size_t>& holes, int sweeps) {
  const int w = image.width, h = image.height;
  for (int s = 0; s < sweeps; ++s)
    for (std::size_t i : holes) {
      const int x = static_cast<int>(i % w), y = static_cast<int>(i / w);
      std::array<float, 3> sum{0, 0, 0};
      int n = 0;
      for (const auto& [nx, ny] : {std::array<int, 2>{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}}) {
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const auto& c = image.colour[static_cast<std::size_t>(ny) * w + nx];
        for (int k = 0; k < 3; ++k) sum[k] += c[k];
        ++n;
      }
      for (int k = 0; k < 3; ++k) image.colour[i][k] = sum[k] / n;
    }
}

}  // namespace

BackgroundPlate::BackgroundPlate(int width, int height, const BackgroundPlateOptions& options)
    : width_(width), height_(height), options_(options), rng_(options.seed ? options.seed : 1) {
  if (width <= 0 || height <= 0) throw std::invalid_argument("BackgroundPlate: empty frame size");
  if (options.samples_per_pixel < 1 || options.min_seen < 1)
    throw std::invalid_argument("BackgroundPlate: samples_per_pixel and min_seen must be at least 1");
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  count_.assign(pixels, 0);
  samples_.assign(pixels * options.samples_per_pixel * 3, 0);
}

void BackgroundPlate::add(const std::uint8_t* rgb, const std::uint8_t* person_alpha) {
  const std::size_t pixels = count_.size();
  std::vector<std::uint8_t> person(pixels);
  for (std::size_t i = 0; i < pixels; ++i) person[i] = person_alpha[i] > options_.person_alpha;
  raster::squared_distance(person, width_, height_, distance_);
  const float margin2 = float(options_.person_margin_px) * options_.person_margin_px;
  const std::uint32_t capacity = static_cast<std::uint32_t>(options_.samples_per_pixel);
  for (std::size_t i = 0; i < pixels; ++i) {
    if (distance_[i] <= margin2) continue;
    const std::uint32_t seen = count_[i]++;
    // Reservoir sampling: after n observations each one is kept with probability capacity / n.
    const std::uint32_t slot = seen < capacity ? seen : next_random(rng_) % (seen + 1);
    if (slot < capacity) std::copy_n(rgb + 3 * i, 3, &samples_[(i * capacity + slot) * 3]);
  }
  ++frames_;
}

BackgroundPlateResult BackgroundPlate::finish() const {
  const std::size_t pixels = count_.size();
  const std::size_t capacity = static_cast<std::size_t>(options_.samples_per_pixel);
  BackgroundPlateResult out;
  out.width = width_;
  out.height = height_;
  out.frames = frames_;
  out.seen.assign(pixels, 0);

  Level image;
  image.width = width_;
  image.height = height_;
  image.colour.assign(pixels, {0, 0, 0});
  image.weight.assign(pixels, 0.0f);
  std::vector<std::size_t> holes;
  std::vector<std::uint64_t> differences(3 * 255 + 1, 0);  // histogram of |sample - plate| summed over RGB
  std::vector<std::uint8_t> channel(capacity);
  std::size_t seen_pixels = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::size_t kept = std::min<std::size_t>(count_[i], capacity);
    if (count_[i] < static_cast<std::uint32_t>(options_.min_seen)) {
      holes.push_back(i);
      continue;
    }
    const std::uint8_t* s = &samples_[i * capacity * 3];
    std::array<std::uint8_t, 3> median{};
    for (int k = 0; k < 3; ++k) {
      for (std::size_t j = 0; j < kept; ++j) channel[j] = s[3 * j + k];
      std::nth_element(channel.begin(), channel.begin() + kept / 2, channel.begin() + kept);
      median[k] = channel[kept / 2];
      image.colour[i][k] = median[k];
    }
    for (std::size_t j = 0; j < kept; ++j)
      ++differences[std::abs(s[3 * j] - median[0]) + std::abs(s[3 * j + 1] - median[1]) + std::abs(s[3 * j + 2] - median[2])];
    image.weight[i] = 1.0f;
    out.seen[i] = 1;
    ++seen_pixels;
  }
  if (seen_pixels == 0)
    throw std::runtime_error("BackgroundPlate: no background pixel was seen " + std::to_string(options_.min_seen) +
                             " times in " + std::to_string(frames_) +
                             " frames (the person covers the frame, or too few frames were added)");
  out.seen_fraction = float(seen_pixels) / float(pixels);

  std::uint64_t total = 0, half = 0;
  for (auto n : differences) total += n;
  std::size_t bin = 0;
  while (bin < differences.size() && (half += differences[bin]) * 2 < total) ++bin;
  out.median_abs_diff = float(bin) / 3.0f;

  if (!holes.empty()) {
    push_pull(image);
    smooth_holes(image, holes, options_.smoothing_sweeps);
  }
  out.rgb.resize(pixels * 3);
  for (std::size_t i = 0; i < pixels; ++i)
    for (int k = 0; k < 3; ++k)
      out.rgb[3 * i + k] = static_cast<std::uint8_t>(std::lround(std::clamp(image.colour[i][k], 0.0f, 255.0f)));
  return out;
}

}  // namespace being::plates
