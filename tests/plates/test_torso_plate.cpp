// torso_plate on the synthetic head: no head pixel survives, soft strands around the head go too, the
// torso and its soft edge stay the frame's, and the band around the head fades from plate to frame.
#include "being/plates/torso_plate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "synthetic_face.h"

namespace {

using namespace being::plates;

// Distance from (x, y) to the nearest pixel where `mask` holds, searched within `reach` (brute force,
// independent of the library's distance transform); a large number when none is that close.
template <class Mask>
float nearest(int width, int height, int x, int y, int reach, Mask mask) {
  float best = 1e9f;
  for (int dy = -reach; dy <= reach; ++dy)
    for (int dx = -reach; dx <= reach; ++dx) {
      const int nx = x + dx, ny = y + dy;
      if (nx >= 0 && ny >= 0 && nx < width && ny < height && mask(static_cast<std::size_t>(ny) * width + nx))
        best = std::min(best, std::hypot(float(dx), float(dy)));
    }
  return best;
}

TEST(TorsoPlate, ReplacesTheHeadAndItsSoftEdgeAndKeepsTheTorso) {
  const auto head = being::plates::test::make_head(256, 256, 128, 100, 5.5f, 0.2f, 0.5f);
  auto map = label_map(head.landmarks, head.person, head.hair, head.width, head.height);
  const int w = map.width, h = map.height;
  const std::size_t pixels = map.labels.size();
  auto is_head_at = [&](std::size_t j) { return is_head(map.labels[j]); };
  auto is_torso_at = [&](std::size_t j) { return map.labels[j] == kTorso; };

  // Faint strands within 12 px of the head, and a faint rim along the shoulders far from it: both below
  // the person threshold, so labelled background.
  std::vector<std::uint8_t> strand(pixels, 0), rim(pixels, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * w + x;
      if (map.labels[i] != kBackground) continue;
      const float to_head = nearest(w, h, x, y, 30, is_head_at), to_torso = nearest(w, h, x, y, 30, is_torso_at);
      strand[i] = to_head <= 12 && to_torso > 24;
      rim[i] = to_torso <= 2 && to_head > 30;
      if (strand[i] || rim[i]) map.alpha[i] = 60;
    }

  std::vector<std::uint8_t> frame(pixels * 3), plate(pixels * 3);
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t bright = is_head(map.labels[i]) || strand[i] ? 250 : 20;  // the head is bright in the frame
    frame[3 * i] = bright, frame[3 * i + 1] = 100, frame[3 * i + 2] = map.labels[i] == kTorso || rim[i] ? 200 : 60;
    plate[3 * i] = 90, plate[3 * i + 1] = 30, plate[3 * i + 2] = 10;
  }
  TorsoPlateOptions options;
  const auto out = torso_plate(frame.data(), map, plate.data(), options);
  ASSERT_EQ(out.size(), pixels * 3);

  int heads = 0, strands = 0, rims = 0, blended = 0;
  const int reach = static_cast<int>(options.grow_px + options.feather_px) + 2;
  for (std::size_t i = 0; i < pixels; ++i) {
    const int x = static_cast<int>(i % w), y = static_cast<int>(i / w);
    if (is_head(map.labels[i]) || strand[i]) {
      heads += is_head(map.labels[i]);
      strands += strand[i];
      for (int k = 0; k < 3; ++k) ASSERT_EQ(out[3 * i + k], plate[3 * i + k]) << "head pixel left at " << x << "," << y;
      continue;
    }
    if (map.labels[i] == kTorso) {
      for (int k = 0; k < 3; ++k) ASSERT_EQ(out[3 * i + k], frame[3 * i + k]) << "torso changed at " << x << "," << y;
      continue;
    }
    // Background: the distance to the head and its strands decides.
    const float d = nearest(w, h, x, y, reach, [&](std::size_t j) { return is_head(map.labels[j]) || strand[j]; });
    const float weight = d <= options.grow_px ? 1.0f
                         : d >= options.grow_px + options.feather_px ? 0.0f
                         : 1.0f - (d - options.grow_px) / options.feather_px;
    blended += weight > 0 && weight < 1;
    rims += rim[i];
    if (rim[i]) {
      ASSERT_EQ(weight, 0.0f) << "the rim is far from the head by construction";
    }
    for (int k = 0; k < 3; ++k)
      ASSERT_NEAR(out[3 * i + k], weight * plate[3 * i + k] + (1 - weight) * frame[3 * i + k], 0.51f) << x << "," << y;
  }
  EXPECT_GT(heads, 2000);
  EXPECT_GT(strands, 100);
  EXPECT_GT(rims, 50);
  EXPECT_GT(blended, 100) << "a feathered band around the head";
}

}  // namespace
