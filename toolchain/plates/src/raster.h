// Mask rasterisation and distance transforms shared by the label map and the plates.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace being::plates::raster {

using Polygon = std::vector<std::array<float, 2>>;

// Sets mask[y * width + x] = value for every pixel whose centre (x + 0.5, y + 0.5) lies inside the
// closed polygon (even-odd rule). Vertices may lie outside the image.
void fill_polygon(const Polygon& polygon, int width, int height, std::uint8_t value, std::vector<std::uint8_t>& mask);

// Squared Euclidean distance from every pixel to the nearest pixel where `inside` is true (0 there;
// a large number everywhere when none is). Exact, linear time (lower envelope of parabolas, as in
// Felzenszwalb and Huttenlocher's "Distance Transforms of Sampled Functions").
void squared_distance(const std::vector<std::uint8_t>& inside, int width, int height, std::vector<float>& out);

}  // namespace being::plates::raster
