// The face region the landmark model sees: a square, rotated rectangle around the face, derived
// from a detection (first frame) or from the previous frame's landmarks (tracking), as MediaPipe's
// face landmarker does; and the projection of landmarks from the 256x256 crop back to the image.
// docs/face-detection.md gives the formulas.
#pragma once

#include <vector>

#include "being/face/detection.h"

namespace being::face {

// Centre and size normalized to the image (width as a fraction of the image width, height of its
// height); rotation in radians, positive turning the crop's x axis from the image's x axis towards
// its y axis (y down), i.e. clockwise on screen.
struct RotatedRect {
  float x_center = 0.5f, y_center = 0.5f;
  float width = 1, height = 1;
  float rotation = 0;
};

struct Landmark {
  float x = 0, y = 0, z = 0;
};

struct RoiOptions {
  float scale = 1.5f;  // the square's side relative to the face box's long side
};

// Angle in (-pi, pi].
float normalize_radians(float angle);

// From a detection normalized to the image: box centre, rotation that levels the eyes (keypoints
// RightEye -> LeftEye), the long side squared in pixels and scaled.
RotatedRect roi_from_detection(const Detection& detection, int image_width, int image_height,
                               const RoiOptions& options = {});

// From the previous frame's 478 landmarks normalized to the image: their bounding box, rotation from
// landmark 33 (right eye, outer corner) to 263 (left eye, outer corner), squared and scaled.
RotatedRect roi_from_landmarks(const std::vector<Landmark>& landmarks, int image_width, int image_height,
                               const RoiOptions& options = {});

// Landmarks in crop pixels (x, y, z as the landmark model outputs them for a crop of
// `crop_size` pixels) -> normalized to the image; z is scaled like x (a fraction of the image width).
std::vector<Landmark> project_landmarks(const std::vector<Landmark>& crop_landmarks, const RotatedRect& roi,
                                        int crop_size = 256);

}  // namespace being::face
