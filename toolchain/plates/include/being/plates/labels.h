// Per-pixel labels of a talking-head frame for ingest: which pixels are background, torso, and which
// parts of the head (face skin, hair, mouth interior, eyes, the rest). The head (labels 2-6) is what
// the avatar renders; the torso stays in the plates. docs/plates.md describes the rules.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "being/face/roi.h"

namespace being::plates {

enum Label : std::uint8_t {
  kBackground = 0,
  kTorso = 1,          // person below the neck cut (but hanging hair): clothes, shoulders, lower neck
  kHeadOther = 2,      // person above the neck cut and no other head label: ears, upper neck
  kFaceSkin = 3,       // inside the face oval
  kHair = 4,           // hair probability above its threshold: above the neck cut, and hanging from there
  kMouthInterior = 5,  // inside the inner lip loop
  kEyes = 6,           // inside the eye contours
};

// True for the labels the avatar's head layer covers (2-6).
inline bool is_head(std::uint8_t label) { return label >= kHeadOther && label <= kEyes; }

struct LabelOptions {
  // The neck cut is the jaw line pushed down the face's own "down" axis (forehead landmark 10 to chin
  // landmark 152) by this fraction of the face height (the distance between those two landmarks).
  float neck_drop = 0.15f;
  // The jaw line is the part of the face oval below this fraction of the face height, measured from
  // the middle of the forehead-chin axis along "down" (0: the lower half of the oval). Beyond its two
  // ends the cut runs straight out sideways, perpendicular to "down", past the image border.
  float jaw_start = 0.0f;
  float person_threshold = 0.5f;  // a pixel is person where max(person, hair) probability exceeds this
  float hair_threshold = 0.5f;    // and hair where the hair probability exceeds this
  // Hair hanging below the cut (4-connected through hair pixels to the hair above it) moves with the
  // head, so it is hair too, down to this many face heights below the chin; 0: hair stops at the cut.
  float hanging_hair = 0.6f;
};

struct LabelMap {
  int width = 0, height = 0;
  std::vector<std::uint8_t> labels;  // width * height, top row first
  // Soft person alpha 0-255: max(person, hair) probability, and 255 inside the face oval (the face
  // is person whatever the segmenter says there).
  std::vector<std::uint8_t> alpha;
  // The neck cut in pixels, from one far end through the pushed-down jaw line to the other.
  std::vector<std::array<float, 2>> neck_cut;
};

// Labels one frame. `landmarks`: the 478 (at least the 468 mesh) MediaPipe landmarks in pixels;
// `person` and `hair`: width * height probabilities in [0, 1], top row first. Throws
// std::invalid_argument for too few landmarks or a size mismatch.
LabelMap label_map(const std::vector<face::Landmark>& landmarks, const std::vector<float>& person,
                   const std::vector<float>& hair, int width, int height, const LabelOptions& options = {});

}  // namespace being::plates
