// The face mesh of one frame in the canonical face's space: the landmarks with the head pose taken
// out, so what is left is expression (mouth, eyes, brows) and nothing of where the head is.
//
// Each landmark pixel is pushed back along its camera ray. The ray alone does not fix the depth, so the
// depth is the posed canonical vertex's, corrected by how much the landmark's own relative depth (the
// landmarker's z) differs from the canonical face's there. Then the pose is undone:
// X_canonical = flip * R^T * (X_cam - t), the inverse of head_tracker.h's X_cam = R * flip * X_canonical + t.
#pragma once

#include "being/tracking/head_tracker.h"

#include <vector>

namespace being::tracking {

// Landmarks of one frame as the face landmarker gives them, in pixels: x right, y down, and z the
// relative depth in the same pixel scale as x (larger = farther from the camera), with an arbitrary
// origin (MediaPipe puts it near the head's centre).
using LandmarksPx = std::vector<Vec3>;

// The 468 canonical-space vertices (centimetres) of the frame whose pose is `pose`. The landmarks'
// z is read with one scale for the whole face, focal_px / (depth of the canonical origin) pixels per
// centimetre, as the landmarker's crop scale is one for the whole face; its unknown origin is taken
// out as the median difference to the posed canonical face's relative depth, so that expression on
// a few vertices does not shift the rest. Throws std::invalid_argument when there are fewer
// landmarks than canonical vertices or the pose puts the head behind the camera.
std::vector<Vec3> canonical_mesh(const Camera& camera, const HeadPose& pose, const LandmarksPx& landmarks,
                                 const std::vector<Vec3>& canonical_vertices);

}  // namespace being::tracking
