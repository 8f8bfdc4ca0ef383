#include "being/analyze/overlay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <utility>

#include "being/face_model/canonical_face.h"

namespace being::analyze {

namespace {

using draw::Color;
using draw::Image;
using draw::Point;

constexpr Color kPerson{60, 120, 255}, kHair{255, 150, 30}, kMesh{200, 200, 200}, kRoi{255, 230, 0},
    kLips{255, 60, 80}, kEyes{60, 255, 120}, kIris{0, 230, 255}, kOval{255, 255, 255}, kText{240, 240, 240},
    kGood{80, 230, 80}, kBad{255, 70, 70};

Point at(const std::vector<face::Landmark>& lm, int i) { return {lm[i].x, lm[i].y}; }

void draw_contours(Image& image, const std::vector<face::Landmark>& lm, const std::string& name, Color color,
                   double thickness) {
  const auto& contours = face_model::canonical_face().contours;
  const auto it = contours.find(name);
  if (it == contours.end()) return;
  for (const auto& c : it->second) {
    std::vector<Point> points;
    for (int v : c.vertices) points.push_back(at(lm, v));
    draw::draw_polyline(image, points, c.closed, color, thickness);
  }
}

void draw_roi(Image& image, const face::RotatedRect& roi, int width, int height) {
  const double cx = roi.x_center * width, cy = roi.y_center * height;
  const double hw = roi.width * width / 2, hh = roi.height * height / 2;
  const double c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  std::vector<Point> corners;
  for (const auto& [u, v] : {std::pair{-hw, -hh}, {hw, -hh}, {hw, hh}, {-hw, hh}})
    corners.push_back({cx + u * c - v * s, cy + u * s + v * c});
  draw::draw_polyline(image, corners, true, kRoi, 1.5);
}

void draw_blendshape_bars(Image& image, const std::array<float, 52>& scores, const std::vector<std::string>& names,
                          int scale) {
  std::vector<int> order(scores.size() - 1);
  std::iota(order.begin(), order.end(), 1);  // 0 is "_neutral"
  std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  const int row = (draw::kGlyphHeight + 4) * scale, label = draw::text_width("mouthSmileRight", scale);
  const int bar = 60 * scale, pad = 3 * scale;
  draw::fill_rect(image, 0, 0, label + bar + 3 * pad, 5 * row + 2 * pad, {0, 0, 0}, 0.55);
  for (int k = 0; k < 5; ++k) {
    const int i = order[k], y = pad + k * row;
    draw::draw_text(image, pad, y, static_cast<std::size_t>(i) < names.size() ? names[i] : "?", kText, scale);
    const int x = 2 * pad + label;
    draw::fill_rect(image, x, y, bar, draw::kGlyphHeight * scale, {90, 90, 90});
    draw::fill_rect(image, x, y, static_cast<int>(std::lround(bar * std::clamp(scores[i], 0.0f, 1.0f))),
                    draw::kGlyphHeight * scale, kGood);
  }
}

}  // namespace

draw::Image draw_overlay(const std::uint8_t* frame_rgb, const FrameAnalysis& a, int frame_index, double time_s,
                         const std::vector<std::string>& blendshape_names) {
  Image image(a.width, a.height);
  std::copy_n(frame_rgb, image.rgb.size(), image.rgb.begin());
  if (!a.person.empty()) draw::tint_mask(image, a.person, kPerson, 0.25);
  if (!a.hair.empty()) draw::tint_mask(image, a.hair, kHair, 0.45);
  const int scale = std::max(1, std::min(a.width, a.height) / 320);

  const auto& lm = a.landmarks;
  if (!lm.empty()) {
    for (const auto& [i, j] : face_model::mesh_edges()) draw::draw_line(image, at(lm, i), at(lm, j), kMesh, 0.6, 0.35);
    draw_contours(image, lm, "FACEMESH_FACE_OVAL", kOval, 1.2);
    draw_contours(image, lm, "FACEMESH_LIPS", kLips, 1.2);
    for (const char* name : {"FACEMESH_LEFT_EYE", "FACEMESH_RIGHT_EYE", "FACEMESH_LEFT_EYEBROW", "FACEMESH_RIGHT_EYEBROW"})
      draw_contours(image, lm, name, kEyes, 1.2);
    draw_contours(image, lm, "FACEMESH_LEFT_IRIS", kIris, 1.2);
    draw_contours(image, lm, "FACEMESH_RIGHT_IRIS", kIris, 1.2);
    for (std::size_t i = 0; i < 468; ++i) draw::draw_disc(image, at(lm, static_cast<int>(i)), 0.9, kText, 0.7);
    for (int centre : {468, 473}) draw::draw_disc(image, at(lm, centre), 1.8, kIris);
    draw_blendshape_bars(image, a.blendshapes, blendshape_names, scale);
  }
  if (a.status != FaceStatus::no_face && a.status != FaceStatus::blank_frame) draw_roi(image, a.roi, a.width, a.height);

  char line[160];
  std::snprintf(line, sizeof line, "frame %d  %.2fs  %s  presence %.2f%s", frame_index, time_s, to_string(a.status),
                a.presence, a.detected ? "  detector" : "");
  const int y = a.height - (draw::kGlyphHeight + 4) * scale;
  draw::fill_rect(image, 0, y - 2 * scale, a.width, (draw::kGlyphHeight + 6) * scale, {0, 0, 0}, 0.55);
  draw::draw_text(image, 3 * scale, y, line, a.status == FaceStatus::ok ? kGood : kBad, scale);
  if (!has_landmarks(a.status)) {
    const std::string big = a.status == FaceStatus::too_small ? "FACE TOO SMALL"
                            : a.status == FaceStatus::blank_frame ? "BLANK FRAME" : "NO FACE";
    const int s = 3 * scale;
    draw::draw_text(image, (a.width - draw::text_width(big, s)) / 2, a.height / 2 - draw::kGlyphHeight * s / 2, big, kBad, s);
  }
  return image;
}

draw::Image shrink(const draw::Image& image, int factor) {
  factor = std::max(1, factor);
  Image out(image.width / factor, image.height / factor);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < 3; ++c) {
        int sum = 0;
        for (int dy = 0; dy < factor; ++dy)
          for (int dx = 0; dx < factor; ++dx) sum += image.at(x * factor + dx, y * factor + dy)[c];
        out.at(x, y)[c] = static_cast<std::uint8_t>((sum + factor * factor / 2) / (factor * factor));
      }
  return out;
}

}  // namespace being::analyze
