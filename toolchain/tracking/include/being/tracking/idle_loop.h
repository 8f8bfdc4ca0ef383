// The idle loop: a stretch of the training video that can be played over and over as the avatar's
// resting motion (torso plates and head poses), chosen so the jump from its last frame back to its
// first is as invisible as the video allows.
#pragma once

#include "being/tracking/head_tracker.h"

#include <vector>

namespace being::tracking {

// The seam cost is in degrees of head rotation; the other terms are converted into it.
struct IdleLoopOptions {
  double min_seconds = 4.0;
  double max_seconds = 10.0;
  int range_begin = 0;   // the loop lies in frames [range_begin, range_end), e.g. the training part;
  int range_end = -1;    // -1: to the end of the video
  // Translation counts as the rotation that moves a point this far from the head's centre by the same
  // distance (about where the face surface is): 1 cm of translation = 7.2 degrees at 8 cm.
  double head_radius_cm = 8.0;
  // Seconds over which a velocity mismatch at the seam is felt: a mismatch of 10 deg/s costs 2 degrees.
  double velocity_weight_s = 0.2;
  // Cost of a fully open mouth at the seam. Mouth opening is normalised per video: the 5th percentile
  // of the valid frames counts as closed (0), the 95th as fully open (1).
  double mouth_weight_deg = 3.0;
};

struct IdleLoop {
  int start = 0;  // the loop plays frames [start, end), then start again
  int end = 0;
  double seam_cost_deg = 0.0;
};

// Compares every candidate [start, end) with the frame the video shows after end - 1, frame `end`:
// pose difference between frames start and end, plus their velocity difference, plus the mouth
// opening there. All frames from start to end inclusive must be valid. Ties go to the earliest start,
// then the longest loop. `mouth_opening` is any per-frame measure that grows as the mouth opens (empty:
// no mouth term). Throws std::invalid_argument when the inputs differ in length, fps or the range is
// unusable, or no stretch of valid frames is long enough.
IdleLoop choose_idle_loop(const std::vector<HeadPose>& poses, const std::vector<double>& mouth_opening,
                          const std::vector<bool>& valid, double fps, const IdleLoopOptions& options = {});

}  // namespace being::tracking
