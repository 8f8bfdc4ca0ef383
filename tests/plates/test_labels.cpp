// label_map on a synthetic head with a known pose: mouth interior inside the inner lips, eyes and face
// where the landmarks put them, the neck cut at the configured drop below the chin, torso only below it.
#include "being/plates/labels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "synthetic_face.h"

namespace {

using namespace being::plates;
using being::plates::test::inside;
using being::plates::test::make_head;

std::uint8_t label_at(const LabelMap& map, float x, float y) {
  return map.labels[static_cast<std::size_t>(std::floor(y)) * map.width + static_cast<int>(std::floor(x))];
}

const std::vector<int>& contour(const std::string& name, std::size_t index) {
  return being::face_model::canonical_face().contours.at(name).at(index).vertices;
}

TEST(LabelMap, FacePartsFollowTheLandmarks) {
  const auto head = make_head(512, 512, 250, 220, 11.0f, 0.35f, 1.0f);
  const auto map = label_map(head.landmarks, head.person, head.hair, head.width, head.height);
  ASSERT_EQ(map.labels.size(), 512u * 512u);
  const auto& inner_lips = contour("FACEMESH_LIPS", 1);

  int mouth = 0;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const bool in = inside(head.landmarks, inner_lips, x + 0.5f, y + 0.5f);
      const bool labelled = map.labels[static_cast<std::size_t>(y) * map.width + x] == kMouthInterior;
      EXPECT_EQ(labelled, in) << "mouth interior at " << x << "," << y;
      mouth += labelled;
    }
  EXPECT_GT(mouth, 100) << "the opened mouth should cover a visible area";

  for (const char* eye : {"FACEMESH_LEFT_EYE", "FACEMESH_RIGHT_EYE"}) {
    float x = 0, y = 0;
    for (int v : contour(eye, 0)) x += head.landmarks[v].x, y += head.landmarks[v].y;
    const float n = static_cast<float>(contour(eye, 0).size());
    EXPECT_EQ(label_at(map, x / n, y / n), kEyes) << eye;
  }
  const auto& nose = head.landmarks[1];
  const auto& cheek = head.landmarks[205];
  EXPECT_EQ(label_at(map, nose.x, nose.y), kFaceSkin);
  EXPECT_EQ(label_at(map, cheek.x, cheek.y), kFaceSkin);

  // Hair is drawn on the top of the skull, outside the oval.
  const auto& top = head.landmarks[10];
  const float hx = top.x - head.down_x * 0.12f * head.face_height, hy = top.y - head.down_y * 0.12f * head.face_height;
  EXPECT_EQ(label_at(map, hx, hy), kHair);
  for (std::size_t i = 0; i < map.alpha.size(); ++i)
    if (map.labels[i] >= kFaceSkin) {
      ASSERT_EQ(map.alpha[i], 255) << "face pixels are person";
    }
}

TEST(LabelMap, NeckCutLiesTheConfiguredDropBelowTheChin) {
  for (const auto& [drop, yaw] : {std::pair{0.1f, 0.0f}, {0.15f, 0.0f}, {0.25f, 0.0f}, {0.15f, 0.6f}, {0.15f, -0.6f}}) {
    SCOPED_TRACE("neck_drop " + std::to_string(drop) + ", yaw " + std::to_string(yaw));
    LabelOptions options;
    options.neck_drop = drop;
    const auto head = make_head(512, 512, 256, 200, 11.0f, -0.3f, 0.0f, yaw);
    const auto map = label_map(head.landmarks, head.person, head.hair, head.width, head.height, options);
    const auto& chin = head.landmarks[152];
    const float expected = drop * head.face_height;

    // Walking down from the chin: face, then upper neck (head), then torso from the cut on.
    float first_torso = -1;
    for (float t = 1.0f; t < 0.6f * head.face_height; t += 0.25f) {
      const auto label = label_at(map, chin.x + head.down_x * t, chin.y + head.down_y * t);
      if (label == kTorso) {
        first_torso = t;
        break;
      }
      if (t > 2.0f) {
        EXPECT_EQ(label, kHeadOther) << "upper neck at " << t << " px below the chin";
      }
    }
    EXPECT_NEAR(first_torso, expected, 1.5f);

    // The cut is the jaw pushed down, extended sideways: no torso above the level of its ends, and
    // every person pixel below its lowest point (near the pushed chin) is torso.
    const auto& forehead = head.landmarks[10];
    const float mx = (forehead.x + chin.x) / 2, my = (forehead.y + chin.y) / 2;
    float lowest = 0;
    for (const auto& p : map.neck_cut) lowest = std::max(lowest, (p[0] - mx) * head.down_x + (p[1] - my) * head.down_y);
    EXPECT_NEAR(lowest, head.face_height / 2 + expected, 0.05f * head.face_height);
    for (int y = 0; y < map.height; ++y)
      for (int x = 0; x < map.width; ++x) {
        const std::size_t i = static_cast<std::size_t>(y) * map.width + x;
        const float v = (x + 0.5f - mx) * head.down_x + (y + 0.5f - my) * head.down_y;
        if (map.labels[i] == kTorso) {
          ASSERT_GT(v, expected - 1.0f) << x << "," << y;
        }
        if (head.person[i] > 0.5f && head.hair[i] < 0.5f && v > lowest + 1.0f) {
          ASSERT_EQ(map.labels[i], kTorso) << x << "," << y;
        }
        if (head.person[i] < 0.5f && head.hair[i] < 0.5f && map.labels[i] < kFaceSkin) {
          ASSERT_EQ(map.labels[i], kBackground) << x << "," << y;
        }
      }
    ASSERT_GE(map.neck_cut.size(), 4u);
    for (std::size_t k = 1; k + 1 < map.neck_cut.size(); ++k) {
      const float v = (map.neck_cut[k][0] - mx) * head.down_x + (map.neck_cut[k][1] - my) * head.down_y;
      EXPECT_GE(v, expected - 0.01f) << "jaw point " << k << " of the cut lies below the face centre by the drop";
    }
  }
}

TEST(LabelMap, HairHangingFromTheHeadIsHairDownToItsLimit) {
  using being::plates::test::kLockEnd;
  using being::plates::test::kLockInner;
  using being::plates::test::kLockOuter;
  const auto head = make_head(512, 512, 256, 190, 10.0f, 0.25f, 0.0f);
  const auto& forehead = head.landmarks[10];
  const auto& chin = head.landmarks[152];
  const float mx = (forehead.x + chin.x) / 2, my = (forehead.y + chin.y) / 2;
  for (float hanging : {0.0f, 0.6f}) {
    LabelOptions options;
    options.hanging_hair = hanging;
    const auto map = label_map(head.landmarks, head.person, head.hair, head.width, head.height, options);
    const float cut = 0.5f + options.neck_drop;  // the cut lies no lower than the pushed chin
    int lock_hair = 0, lock_torso = 0, blob_hair = 0;
    for (int y = 0; y < map.height; ++y)
      for (int x = 0; x < map.width; ++x) {
        const std::size_t i = static_cast<std::size_t>(y) * map.width + x;
        const float dx = x + 0.5f - mx, dy = y + 0.5f - my;
        const float v = (dx * head.down_x + dy * head.down_y) / head.face_height;
        const float u = std::abs(dx * -head.down_y + dy * head.down_x) / head.face_height;
        const float margin = 1.5f / head.face_height;
        const bool in_lock = u > kLockInner + margin && u < kLockOuter - margin && v < kLockEnd - margin;
        if (in_lock && v > cut + margin && v < 0.5f + hanging - margin) {
          ++lock_hair;
          ASSERT_EQ(map.labels[i], kHair) << "hanging lock at " << x << "," << y;
        }
        if (in_lock && v > std::max(cut, 0.5f + hanging) + margin) {
          ++lock_torso;
          ASSERT_EQ(map.labels[i], kTorso) << "lock below the limit at " << x << "," << y;
        }
        blob_hair += v > 1.0f && u < 0.15f && map.labels[i] == kHair;
      }
    EXPECT_EQ(blob_hair, 0) << "hair not connected to the head's is torso";
    EXPECT_GT(lock_torso, 100);
    if (hanging > 0) {
      EXPECT_GT(lock_hair, 100);
    }
  }
}

TEST(LabelMap, RejectsMissingInputs) {
  const auto head = make_head(64, 64, 32, 28, 2.0f, 0.0f, 0.0f);
  std::vector<being::face::Landmark> few(head.landmarks.begin(), head.landmarks.begin() + 100);
  EXPECT_THROW(label_map(few, head.person, head.hair, 64, 64), std::invalid_argument);
  EXPECT_THROW(label_map(head.landmarks, {}, {}, 64, 64), std::invalid_argument);
}

}  // namespace
