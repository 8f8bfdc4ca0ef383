// Cuts the rotated face region out of frames for the landmark model, as MediaPipe's
// ImageToTensorCalculator does: bilinear sampling, pixels outside the image repeat the edge.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "being/face/roi.h"

namespace being::face {

// images: [N,H,W,C] float (NHWC, any value range), on any device. rois: one per image, or any number
// when N == 1 (several faces of one frame). Returns [rois.size(), size, size, C]: crop pixel (u, v)
// samples the image where project_landmarks() maps crop point (u + 0.5, v + 0.5).
at::Tensor crop_rotated(const at::Tensor& images, const std::vector<RotatedRect>& rois, int size = 256);

}  // namespace being::face
