// The training crop of a video: a square window of one size for the whole video (so the head's scale
// in the crop is the video's own) whose centre follows the head without per-frame jitter.
#pragma once

#include "being/tracking/head_tracker.h"

#include <vector>

namespace being::tracking {

struct CropWindowOptions {
  // Window side / the median over frames of the landmarks' bounding box long side. The landmarks end
  // at the forehead, so ~2.4 leaves room for hair above and some shoulders below.
  double margin = 2.4;
  // The centre path is smoothed offline (smooth_rts) with these noise levels, as fractions of the
  // window side: the per-frame jitter of the face centre, and how fast its velocity may change per
  // frame. Their ratio sets the strength: the defaults average over about 28 frames (the impulse
  // response's peak is 1/28, its half width at half height 15 frames) while a steady pan is followed
  // without lag.
  double jitter_fraction = 0.02;
  double acceleration_fraction = 0.0002;
};

// Source-pixel window of one frame; always inside the frame.
struct CropWindow {
  double x0 = 0.0, y0 = 0.0;
  double size = 0.0;
};

// One window per frame. The size is the margin times the median face box, clamped to the frame's
// short side; frames without a face (`valid` false or no points) are bridged by the smoother, and
// before the first / after the last face the window holds still. Throws std::invalid_argument when
// the frame size is not positive or no frame has a face.
std::vector<CropWindow> crop_window_path(const std::vector<FrameLandmarks>& frames, int width, int height,
                                         const CropWindowOptions& options = {});

}  // namespace being::tracking
