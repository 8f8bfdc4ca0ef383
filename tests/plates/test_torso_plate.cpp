// torso_plate on the synthetic head: no head pixel survives, the torso and far background stay the
// frame's, and the band around the head fades from plate to frame.
#include "being/plates/torso_plate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "synthetic_face.h"

namespace {

using namespace being::plates;

TEST(TorsoPlate, ReplacesTheHeadAndKeepsTheTorso) {
  const auto head = being::plates::test::make_head(256, 256, 128, 100, 5.5f, 0.2f, 0.5f);
  const auto map = label_map(head.landmarks, head.person, head.hair, head.width, head.height);
  const std::size_t pixels = map.labels.size();
  std::vector<std::uint8_t> frame(pixels * 3), plate(pixels * 3);
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t head_colour = is_head(map.labels[i]) ? 250 : 20;  // the head is bright in the frame
    frame[3 * i] = head_colour, frame[3 * i + 1] = 100, frame[3 * i + 2] = map.labels[i] == kTorso ? 200 : 60;
    plate[3 * i] = 90, plate[3 * i + 1] = 30, plate[3 * i + 2] = 10;
  }
  TorsoPlateOptions options;
  const auto out = torso_plate(frame.data(), map, plate.data(), options);
  ASSERT_EQ(out.size(), pixels * 3);

  std::vector<std::uint8_t> head_mask(pixels);
  int heads = 0, blended = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    const int x = static_cast<int>(i % map.width), y = static_cast<int>(i / map.width);
    if (is_head(map.labels[i])) {
      ++heads;
      for (int k = 0; k < 3; ++k) ASSERT_EQ(out[3 * i + k], plate[3 * i + k]) << "head pixel left at " << x << "," << y;
      continue;
    }
    if (map.labels[i] == kTorso) {
      for (int k = 0; k < 3; ++k) ASSERT_EQ(out[3 * i + k], frame[3 * i + k]) << "torso changed at " << x << "," << y;
      continue;
    }
    // Background: the distance to the head decides (brute force over a window, independent of the
    // library's distance transform).
    float nearest = 1e9f;
    const int reach = static_cast<int>(options.grow_px + options.feather_px) + 2;
    for (int dy = -reach; dy <= reach; ++dy)
      for (int dx = -reach; dx <= reach; ++dx) {
        const int nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= map.width || ny >= map.height) continue;
        if (is_head(map.labels[static_cast<std::size_t>(ny) * map.width + nx])) nearest = std::min(nearest, std::hypot(float(dx), float(dy)));
      }
    const float w = nearest <= options.grow_px ? 1.0f
                    : nearest >= options.grow_px + options.feather_px ? 0.0f
                    : 1.0f - (nearest - options.grow_px) / options.feather_px;
    blended += w > 0 && w < 1;
    for (int k = 0; k < 3; ++k)
      ASSERT_NEAR(out[3 * i + k], w * plate[3 * i + k] + (1 - w) * frame[3 * i + k], 0.51f) << x << "," << y;
  }
  EXPECT_GT(heads, 2000);
  EXPECT_GT(blended, 100) << "a feathered band around the head";
}

}  // namespace
