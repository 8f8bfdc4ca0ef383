// Landmark jitter on the static parts of the face, a number for docs/QUALITY.md.
//
// Definition: for each chosen landmark, its pixel track over consecutive frames with a face is
// compared with its running median over `window` frames (centred; 5 frames = 0.2 s at 25 fps). A
// median follows monotonic motion exactly (head turns, slow drifts leave no residual) but not a
// frame-to-frame wobble, so the residual is the high-frequency part. Jitter = root mean square of the
// 2-D residual length over all points and all frames whose whole window has a face, in pixels.
#pragma once

#include <vector>

#include "being/face/roi.h"

namespace being::analyze {

// Nose bridge (168, 6, 197) and the four eye corners (33, 133, 362, 263) of MediaPipe's mesh.
const std::vector<int>& static_face_points();

struct Jitter {
  double rms_px = 0;        // see above
  double interocular_px = 0;  // mean distance between the outer eye corners, for scale
  int frames = 0;           // frames that entered the average
};

// tracks[t]: the landmarks of frame t in pixels, empty when that frame has none.
Jitter landmark_jitter(const std::vector<std::vector<face::Landmark>>& tracks,
                       const std::vector<int>& points = static_face_points(), int window = 5);

}  // namespace being::analyze
