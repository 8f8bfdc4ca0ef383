#include "being/face/detection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace being::face {

std::vector<Anchor> ssd_anchors(const AnchorOptions& options) {
  if (options.input_width <= 0 || options.input_height <= 0 || options.anchors_per_layer <= 0) {
    throw std::invalid_argument("ssd_anchors: input size and anchors per layer must be positive");
  }
  std::vector<Anchor> anchors;
  std::size_t layer = 0;
  while (layer < options.strides.size()) {
    const int stride = options.strides[layer];
    if (stride <= 0) throw std::invalid_argument("ssd_anchors: strides must be positive");
    std::size_t next = layer;
    while (next < options.strides.size() && options.strides[next] == stride) ++next;
    const int per_cell = static_cast<int>(next - layer) * options.anchors_per_layer;
    const int rows = (options.input_height + stride - 1) / stride;
    const int cols = (options.input_width + stride - 1) / stride;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) {
        const Anchor a{(x + options.offset_x) / cols, (y + options.offset_y) / rows, 1.0f, 1.0f};
        anchors.insert(anchors.end(), static_cast<std::size_t>(per_cell), a);
      }
    }
    layer = next;
  }
  return anchors;
}

std::vector<Detection> decode_detections(const float* regressors, const float* scores,
                                         const std::vector<Anchor>& anchors, const DecodeOptions& options) {
  const std::size_t stride = 4 + 2 * static_cast<std::size_t>(options.num_keypoints);
  std::vector<Detection> out;
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    const float logit = std::clamp(scores[i], -options.score_clipping, options.score_clipping);
    const float score = 1.0f / (1.0f + std::exp(-logit));
    if (score < options.min_score) continue;
    const float* r = regressors + i * stride;
    const Anchor& a = anchors[i];
    const float cx = r[0] / options.scale * a.width + a.x_center;
    const float cy = r[1] / options.scale * a.height + a.y_center;
    const float w = r[2] / options.scale * a.width;
    const float h = r[3] / options.scale * a.height;
    Detection d;
    d.score = score;
    d.x_min = cx - w / 2;
    d.y_min = cy - h / 2;
    d.width = w;
    d.height = h;
    for (int k = 0; k < options.num_keypoints; ++k) {
      d.keypoints.push_back({r[4 + 2 * k] / options.scale * a.width + a.x_center,
                             r[5 + 2 * k] / options.scale * a.height + a.y_center});
    }
    out.push_back(std::move(d));
  }
  return out;
}

float intersection_over_union(const Detection& a, const Detection& b) {
  const float ix = std::min(a.x_min + a.width, b.x_min + b.width) - std::max(a.x_min, b.x_min);
  const float iy = std::min(a.y_min + a.height, b.y_min + b.height) - std::max(a.y_min, b.y_min);
  if (ix <= 0 || iy <= 0) return 0.0f;
  const float inter = ix * iy;
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, float iou_threshold) {
  std::vector<std::size_t> remaining(detections.size());
  std::iota(remaining.begin(), remaining.end(), 0);
  std::stable_sort(remaining.begin(), remaining.end(),
                   [&](std::size_t a, std::size_t b) { return detections[a].score > detections[b].score; });
  std::vector<Detection> out;
  while (!remaining.empty()) {
    const Detection& best = detections[remaining.front()];
    std::vector<std::size_t> cluster, rest;
    for (std::size_t i : remaining) {
      (intersection_over_union(detections[i], best) > iou_threshold ? cluster : rest).push_back(i);
    }
    // The best detection always belongs to its own cluster unless its box is empty.
    if (cluster.empty()) cluster.push_back(remaining.front());
    rest.erase(std::remove(rest.begin(), rest.end(), remaining.front()), rest.end());
    Detection merged = best;
    double total = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    std::vector<double> kx(best.keypoints.size(), 0.0), ky(best.keypoints.size(), 0.0);
    for (std::size_t i : cluster) {
      const Detection& d = detections[i];
      const double w = d.score;
      total += w;
      x0 += d.x_min * w;
      y0 += d.y_min * w;
      x1 += (d.x_min + d.width) * w;
      y1 += (d.y_min + d.height) * w;
      for (std::size_t k = 0; k < kx.size() && k < d.keypoints.size(); ++k) {
        kx[k] += d.keypoints[k].x * w;
        ky[k] += d.keypoints[k].y * w;
      }
    }
    if (total > 0) {
      merged.x_min = static_cast<float>(x0 / total);
      merged.y_min = static_cast<float>(y0 / total);
      merged.width = static_cast<float>((x1 - x0) / total);
      merged.height = static_cast<float>((y1 - y0) / total);
      for (std::size_t k = 0; k < kx.size(); ++k) {
        merged.keypoints[k] = {static_cast<float>(kx[k] / total), static_cast<float>(ky[k] / total)};
      }
    }
    out.push_back(std::move(merged));
    remaining = std::move(rest);
  }
  return out;
}

Letterbox square_letterbox(int image_width, int image_height) {
  if (image_width <= 0 || image_height <= 0) throw std::invalid_argument("square_letterbox: empty image");
  Letterbox l;
  if (image_width > image_height) {
    const float pad = (1.0f - static_cast<float>(image_height) / image_width) / 2;
    l.top = l.bottom = pad;
  } else {
    const float pad = (1.0f - static_cast<float>(image_width) / image_height) / 2;
    l.left = l.right = pad;
  }
  return l;
}

Detection remove_letterbox(const Detection& detection, const Letterbox& letterbox) {
  const float sx = 1.0f - letterbox.left - letterbox.right;
  const float sy = 1.0f - letterbox.top - letterbox.bottom;
  Detection d = detection;
  d.x_min = (detection.x_min - letterbox.left) / sx;
  d.y_min = (detection.y_min - letterbox.top) / sy;
  d.width = detection.width / sx;
  d.height = detection.height / sy;
  for (Keypoint& k : d.keypoints) {
    k.x = (k.x - letterbox.left) / sx;
    k.y = (k.y - letterbox.top) / sy;
  }
  return d;
}

}  // namespace being::face
