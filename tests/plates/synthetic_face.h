// A synthetic talking head for the plates tests: the canonical face placed in an image with a known
// pose (scale, roll, yaw, position), its mouth opened by a known amount, and person/hair masks drawn
// around it, so the tests know where mouth, eyes, chin and neck must be.
#pragma once

#include <array>
#include <cmath>
#include <vector>

#include "being/face/roi.h"
#include "being/face_model/canonical_face.h"

namespace being::plates::test {

// Two locks of hair hang from the cap at both sides, |u| in [inner, outer] face heights from the
// face's centre line, down to kLockEnd face heights below the face's centre (the chin is at 0.5).
constexpr float kLockInner = 0.45f, kLockOuter = 0.6f, kLockEnd = 1.4f;

struct SyntheticHead {
  int width = 0, height = 0;
  std::vector<face::Landmark> landmarks;  // 478, pixels
  std::vector<float> person, hair;
  float down_x = 0, down_y = 0;  // unit "down" of the face in the image
  float face_height = 0;         // forehead (10) to chin (152), pixels
};

// Point-in-polygon (crossing number) on landmark indices, independent of the library's rasteriser.
inline bool inside(const std::vector<face::Landmark>& lm, const std::vector<int>& loop, float x, float y) {
  bool in = false;
  for (std::size_t i = 0, j = loop.size() - 1; i < loop.size(); j = i++) {
    const auto& a = lm[loop[i]];
    const auto& b = lm[loop[j]];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}

// scale: pixels per canonical centimetre; roll: radians, clockwise in the image; mouth_open: cm the
// lower face (everything below the mouth corners) drops; yaw: radians about the face's vertical axis
// (orthographic view).
inline SyntheticHead make_head(int width, int height, float cx, float cy, float scale, float roll, float mouth_open,
                               float yaw = 0.0f) {
  const auto& face = face_model::canonical_face();
  SyntheticHead head;
  head.width = width;
  head.height = height;
  const float corner_y = (face.vertices[78][1] + face.vertices[308][1]) / 2;
  const float c = std::cos(roll), s = std::sin(roll);
  auto place = [&](float vx, float vy, float vz) {
    const float px = std::cos(yaw) * vx + std::sin(yaw) * vz, py = -vy;  // image y points down
    return face::Landmark{cx + scale * (c * px - s * py), cy + scale * (s * px + c * py), 0};
  };
  for (const auto& v : face.vertices) head.landmarks.push_back(place(v[0], v[1] < corner_y - 0.05f ? v[1] - mouth_open : v[1], v[2]));
  auto midpoint = [&](int a, int b) {
    return face::Landmark{(head.landmarks[a].x + head.landmarks[b].x) / 2, (head.landmarks[a].y + head.landmarks[b].y) / 2, 0};
  };
  const face::Landmark right_iris = midpoint(33, 133), left_iris = midpoint(362, 263);  // 468-472, 473-477
  head.landmarks.insert(head.landmarks.end(), 5, right_iris);
  head.landmarks.insert(head.landmarks.end(), 5, left_iris);

  const auto& top = head.landmarks[10];
  const auto& chin = head.landmarks[152];
  head.face_height = std::hypot(chin.x - top.x, chin.y - top.y);
  head.down_x = (chin.x - top.x) / head.face_height;
  head.down_y = (chin.y - top.y) / head.face_height;
  const float mx = (top.x + chin.x) / 2, my = (top.y + chin.y) / 2;

  // Person: a head disc, a neck and shoulders below; hair: the top of the head disc, two locks hanging
  // from it past the chin onto the shoulders, and a separate patch on the chest.
  head.person.assign(static_cast<std::size_t>(width) * height, 0.0f);
  head.hair.assign(head.person.size(), 0.0f);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const float dx = x + 0.5f - mx, dy = y + 0.5f - my;
      const float v = (dx * head.down_x + dy * head.down_y) / head.face_height;  // along down
      const float u = (dx * -head.down_y + dy * head.down_x) / head.face_height;  // along right
      const bool skull = u * u + v * v < 0.62f * 0.62f;
      const bool neck = std::abs(u) < 0.3f && v > 0 && v < 0.9f;
      const bool shoulders = v > 0.85f && std::abs(u) < 0.6f + (v - 0.85f) * 2;
      const bool cap = skull && v < -0.42f;
      const bool locks = std::abs(u) > kLockInner && std::abs(u) < kLockOuter && v > -0.45f && v < kLockEnd;
      const bool blob = std::abs(u) < 0.1f && v > 1.1f && v < 1.2f;  // hair-coloured, on the chest
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      if (skull || neck || shoulders || locks) head.person[i] = 1.0f;
      if (cap || locks || blob) head.hair[i] = 1.0f;
    }
  return head;
}

}  // namespace being::plates::test
