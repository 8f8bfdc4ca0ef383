#include "being/face/crop.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace being::face {

at::Tensor crop_rotated(const at::Tensor& images, const std::vector<RotatedRect>& rois, int size, Border border) {
  if (images.dim() != 4) throw std::invalid_argument("crop_rotated: images must be [N,H,W,C]");
  const int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  if (rois.empty() || size <= 0) throw std::invalid_argument("crop_rotated: need at least one roi and a positive size");
  if (n != 1 && n != static_cast<int64_t>(rois.size())) {
    throw std::invalid_argument("crop_rotated: give one roi per image, or a single image");
  }
  // Sampling grid in grid_sample's normalized coordinates (align_corners = false: -1 and 1 are the
  // outer edges of the border pixels, so pixel coordinate p maps to 2 p / W - 1).
  std::vector<float> grid(rois.size() * size * size * 2);
  std::size_t i = 0;
  for (const RotatedRect& r : rois) {
    const float c = std::cos(r.rotation), s = std::sin(r.rotation);
    const float side_x = r.width * w, side_y = r.height * h;
    for (int v = 0; v < size; ++v) {
      for (int u = 0; u < size; ++u) {
        const float x = (u + 0.5f) / size - 0.5f, y = (v + 0.5f) / size - 0.5f;
        const float px = r.x_center * w + (c * x - s * y) * side_x;
        const float py = r.y_center * h + (s * x + c * y) * side_y;
        grid[i++] = 2 * px / w - 1;
        grid[i++] = 2 * py / h - 1;
      }
    }
  }
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor g =
      at::from_blob(grid.data(), {static_cast<int64_t>(rois.size()), size, size, 2}, options).to(images.device());
  at::Tensor source = images.to(at::kFloat).permute({0, 3, 1, 2});
  if (n == 1 && rois.size() > 1) source = source.expand({static_cast<int64_t>(rois.size()), -1, -1, -1});
  // interpolation 0 = bilinear; padding 0 = zeros, 1 = border (replicate the edge pixels).
  const int64_t padding = border == Border::Zero ? 0 : 1;
  return at::grid_sampler(source, g, 0, padding, false).permute({0, 2, 3, 1}).contiguous();
}

at::Tensor rgb_frame(const at::Tensor& frame, const c10::Device& device, const char* caller) {
  const at::Tensor f = frame.dim() == 3 ? frame.unsqueeze(0) : frame;
  if (f.dim() != 4 || f.size(0) != 1 || f.size(3) != 3) {
    throw std::invalid_argument(std::string(caller) + ": the frame must be [H,W,3] or [1,H,W,3] RGB");
  }
  return f.scalar_type() == at::kByte ? f.to(device, at::kFloat) / 255.0 : f.to(device, at::kFloat);
}

at::Tensor letterbox_square(const at::Tensor& images, int size) {
  if (images.dim() != 4) throw std::invalid_argument("letterbox_square: images must be [N,H,W,C]");
  const float w = static_cast<float>(images.size(2)), h = static_cast<float>(images.size(1));
  const float side = std::max(w, h);
  const RotatedRect square{0.5f, 0.5f, side / w, side / h, 0.0f};
  return crop_rotated(images, std::vector<RotatedRect>(static_cast<std::size_t>(images.size(0)), square), size,
                      Border::Zero);
}

}  // namespace being::face
