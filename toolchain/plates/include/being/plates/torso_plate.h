// A torso plate: the frame with its head replaced by the background plate, so that the avatar's head
// layer drawn over it leaves no ghost of the recorded head.
#pragma once

#include <cstdint>
#include <vector>

#include "being/plates/labels.h"

namespace being::plates {

struct TorsoPlateOptions {
  float grow_px = 4;     // the head region grows by this much (Euclidean), fully replaced
  float feather_px = 4;  // then fades back to the frame over this width
  // Growing and feathering never eat into torso pixels: the neck under the cut stays the recorded one
  // and meets the rendered neck there.
  bool keep_torso = true;
  // Background pixels whose person alpha exceeds this and that lie nearer the head than the torso
  // count as head too: stray hair strands and the segmenter's soft edge around the head, which fall
  // below the person threshold but would otherwise leave a ghost outline.
  std::uint8_t soft_alpha = 8;
};

// frame_rgb and plate_rgb: width * height * 3 (labels.width x labels.height); labels.alpha is used
// for the soft edge. Returns RGB.
std::vector<std::uint8_t> torso_plate(const std::uint8_t* frame_rgb, const LabelMap& labels,
                                      const std::uint8_t* plate_rgb, const TorsoPlateOptions& options = {});

}  // namespace being::plates
