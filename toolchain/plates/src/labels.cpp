#include "being/plates/labels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "being/face_model/canonical_face.h"
#include "raster.h"

namespace being::plates {

namespace {

constexpr int kForehead = 10, kChin = 152;

struct Contours {
  std::vector<int> oval, inner_lips, left_eye, right_eye;
};

const std::vector<int>& loop(const face_model::CanonicalFace& face, const std::string& name, std::size_t index) {
  const auto it = face.contours.find(name);
  if (it == face.contours.end() || it->second.size() <= index || !it->second[index].closed)
    throw std::runtime_error("canonical face: no closed contour " + name + "[" + std::to_string(index) +
                             "] (is the model cache complete? run scripts/setup.sh)");
  return it->second[index].vertices;
}

const Contours& contours() {
  static const Contours c = [] {
    const auto& face = face_model::canonical_face();
    // FACEMESH_LIPS holds the outer loop, then the inner one.
    return Contours{loop(face, "FACEMESH_FACE_OVAL", 0), loop(face, "FACEMESH_LIPS", 1),
                    loop(face, "FACEMESH_LEFT_EYE", 0), loop(face, "FACEMESH_RIGHT_EYE", 0)};
  }();
  return c;
}

raster::Polygon polygon(const std::vector<face::Landmark>& lm, const std::vector<int>& indices) {
  raster::Polygon p;
  p.reserve(indices.size());
  for (int i : indices) p.push_back({lm[i].x, lm[i].y});
  return p;
}

// The face's own frame: `down` (dx, dy) from the forehead to the chin, the centre (mx, my) halfway.
struct FaceFrame {
  float mx, my, dx, dy, height;
  explicit FaceFrame(const std::vector<face::Landmark>& lm) {
    const float fx = lm[kForehead].x, fy = lm[kForehead].y;
    height = std::hypot(lm[kChin].x - fx, lm[kChin].y - fy);
    if (!(height > 1.0f)) throw std::invalid_argument("label_map: forehead and chin landmarks coincide (no face?)");
    dx = (lm[kChin].x - fx) / height, dy = (lm[kChin].y - fy) / height;
    mx = (fx + lm[kChin].x) / 2, my = (fy + lm[kChin].y) / 2;
  }
  // Position along `down` from the centre, in face heights (the chin is at 0.5).
  float down(float x, float y) const { return ((x - mx) * dx + (y - my) * dy) / height; }
};

// The region above the neck cut as a polygon (and the cut itself); `right` is perpendicular to down.
raster::Polygon above_neck_cut(const std::vector<face::Landmark>& lm, const FaceFrame& frame, int width, int height,
                               const LabelOptions& o, std::vector<std::array<float, 2>>& cut) {
  const float face_height = frame.height, dx = frame.dx, dy = frame.dy;

  // The jaw: the longest run (cyclically) of face-oval vertices below jaw_start.
  const auto& oval = contours().oval;
  const int n = static_cast<int>(oval.size());
  auto below = [&](int k) {
    const auto& p = lm[oval[((k % n) + n) % n]];
    return frame.down(p.x, p.y) > o.jaw_start;
  };
  int best_start = 0, best_length = 0;
  for (int start = 0; start < n; ++start) {
    if (below(start - 1) || !below(start)) continue;
    int length = 0;
    while (length < n && below(start + length)) ++length;
    if (length > best_length) best_start = start, best_length = length;
  }
  if (best_length < 2) throw std::invalid_argument("label_map: the face oval has no jaw below jaw_start");

  const float drop = o.neck_drop * face_height;
  std::vector<std::array<float, 2>> jaw;
  for (int k = 0; k < best_length; ++k) {
    const auto& p = lm[oval[(best_start + k) % n]];
    jaw.push_back({p.x + dx * drop, p.y + dy * drop});
  }
  // Far enough that the sideways ends and the top lie outside the image wherever the face is.
  const float reach = 2.0f * (width + height) + 4.0f * face_height;
  const float rx = -dy, ry = dx;  // "right" in the face frame
  const float side = ((jaw.front()[0] - jaw.back()[0]) * rx + (jaw.front()[1] - jaw.back()[1]) * ry) >= 0 ? 1.0f : -1.0f;
  const std::array<float, 2> far_front{jaw.front()[0] + side * rx * reach, jaw.front()[1] + side * ry * reach};
  const std::array<float, 2> far_back{jaw.back()[0] - side * rx * reach, jaw.back()[1] - side * ry * reach};

  cut.clear();
  cut.push_back(far_front);
  cut.insert(cut.end(), jaw.begin(), jaw.end());
  cut.push_back(far_back);
  raster::Polygon region = cut;
  region.push_back({far_back[0] - dx * reach, far_back[1] - dy * reach});
  region.push_back({far_front[0] - dx * reach, far_front[1] - dy * reach});
  return region;
}

// Hair below the cut that hangs from the head's hair (4-connected through hair pixels) moves with the
// head: relabel it hair, down to hanging_hair face heights below the chin.
void grow_hanging_hair(const std::vector<float>& hair, const FaceFrame& frame, const LabelOptions& o, int width,
                       int height, std::vector<std::uint8_t>& labels) {
  const float lowest = 0.5f + o.hanging_hair;
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == kHair) queue.push_back(i);
  while (!queue.empty()) {
    const std::size_t i = queue.back();
    queue.pop_back();
    const int x = static_cast<int>(i % width), y = static_cast<int>(i / width);
    for (const auto& [nx, ny] : {std::array<int, 2>{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}}) {
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const std::size_t j = static_cast<std::size_t>(ny) * width + nx;
      if (labels[j] != kTorso || !(hair[j] > o.hair_threshold) || frame.down(nx + 0.5f, ny + 0.5f) > lowest) continue;
      labels[j] = kHair;
      queue.push_back(j);
    }
  }
}

}  // namespace

LabelMap label_map(const std::vector<face::Landmark>& landmarks, const std::vector<float>& person,
                   const std::vector<float>& hair, int width, int height, const LabelOptions& options) {
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  if (width <= 0 || height <= 0) throw std::invalid_argument("label_map: empty frame");
  if (landmarks.size() < static_cast<std::size_t>(face_model::CanonicalFace::kMeshVertices))
    throw std::invalid_argument("label_map: " + std::to_string(landmarks.size()) +
                                " landmarks, need the 468 mesh landmarks (a frame without a face has no labels)");
  if (person.size() != pixels || hair.size() != pixels)
    throw std::invalid_argument("label_map: person/hair masks of " + std::to_string(person.size()) + "/" +
                                std::to_string(hair.size()) + " values for a " + std::to_string(width) + "x" +
                                std::to_string(height) + " frame (run the analysis with masks on)");

  LabelMap out;
  out.width = width;
  out.height = height;
  out.labels.assign(pixels, kBackground);
  out.alpha.resize(pixels);

  // Face parts first, in rising priority: later fills overwrite.
  std::vector<std::uint8_t>& labels = out.labels;
  const auto& c = contours();
  raster::fill_polygon(polygon(landmarks, c.oval), width, height, kFaceSkin, labels);
  raster::fill_polygon(polygon(landmarks, c.left_eye), width, height, kEyes, labels);
  raster::fill_polygon(polygon(landmarks, c.right_eye), width, height, kEyes, labels);
  raster::fill_polygon(polygon(landmarks, c.inner_lips), width, height, kMouthInterior, labels);

  const FaceFrame frame(landmarks);
  std::vector<std::uint8_t> above(pixels, 0);
  raster::fill_polygon(above_neck_cut(landmarks, frame, width, height, options, out.neck_cut), width, height, 1, above);

  for (std::size_t i = 0; i < pixels; ++i) {
    const float p = std::max(person[i], hair[i]);
    out.alpha[i] = static_cast<std::uint8_t>(std::lround(std::clamp(p, 0.0f, 1.0f) * 255.0f));
    if (labels[i] != kBackground) {
      out.alpha[i] = 255;
      continue;
    }
    if (!(p > options.person_threshold)) continue;
    labels[i] = !above[i] ? kTorso : hair[i] > options.hair_threshold ? kHair : kHeadOther;
  }
  if (options.hanging_hair > 0) grow_hanging_hair(hair, frame, options, width, height, labels);
  return out;
}

}  // namespace being::plates
