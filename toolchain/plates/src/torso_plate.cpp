#include "being/plates/torso_plate.h"

#include <cmath>
#include <stdexcept>

#include "raster.h"

namespace being::plates {

std::vector<std::uint8_t> torso_plate(const std::uint8_t* frame_rgb, const LabelMap& labels,
                                      const std::uint8_t* plate_rgb, const TorsoPlateOptions& options) {
  const std::size_t pixels = static_cast<std::size_t>(labels.width) * labels.height;
  if (labels.labels.size() != pixels) throw std::invalid_argument("torso_plate: the label map's size does not match its labels");
  if (options.grow_px < 0 || options.feather_px < 0) throw std::invalid_argument("torso_plate: grow_px and feather_px must be >= 0");
  if (labels.alpha.size() != pixels) throw std::invalid_argument("torso_plate: the label map has no alpha");
  std::vector<std::uint8_t> head(pixels), torso(pixels);
  for (std::size_t i = 0; i < pixels; ++i) {
    head[i] = is_head(labels.labels[i]);
    torso[i] = labels.labels[i] == kTorso;
  }
  std::vector<float> to_head, to_torso;
  raster::squared_distance(head, labels.width, labels.height, to_head);
  raster::squared_distance(torso, labels.width, labels.height, to_torso);
  for (std::size_t i = 0; i < pixels; ++i)
    if (labels.labels[i] == kBackground && labels.alpha[i] > options.soft_alpha && to_head[i] <= to_torso[i]) head[i] = 1;
  std::vector<float> distance2;
  raster::squared_distance(head, labels.width, labels.height, distance2);

  const float reach = options.grow_px + options.feather_px;
  std::vector<std::uint8_t> out(frame_rgb, frame_rgb + pixels * 3);
  for (std::size_t i = 0; i < pixels; ++i) {
    if (distance2[i] >= reach * reach) continue;
    if (!head[i] && options.keep_torso && labels.labels[i] == kTorso) continue;
    const float d = std::sqrt(distance2[i]);
    // Weight of the plate: 1 up to grow_px, falling linearly to 0 at grow_px + feather_px.
    const float w = d <= options.grow_px ? 1.0f : 1.0f - (d - options.grow_px) / options.feather_px;
    for (int k = 0; k < 3; ++k)
      out[3 * i + k] = static_cast<std::uint8_t>(std::lround(w * plate_rgb[3 * i + k] + (1 - w) * frame_rgb[3 * i + k]));
  }
  return out;
}

}  // namespace being::plates
