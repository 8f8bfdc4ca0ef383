// Cuts the rotated face region out of frames for the landmark model, as MediaPipe's
// ImageToTensorCalculator does: bilinear sampling, pixels outside the image repeat the edge.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <vector>

#include "being/face/roi.h"

namespace being::face {

// A frame as the face models take it: [H,W,3] or [1,H,W,3] RGB, float in [0,1] or uint8 in
// [0,255] -> [1,H,W,3] float in [0,1] on `device`. Throws std::invalid_argument naming `caller`.
at::Tensor rgb_frame(const at::Tensor& frame, const c10::Device& device, const char* caller);

// What crop pixels outside the image get: the nearest edge pixel (the landmark model's crop) or
// zero (the detector's letterboxed input).
enum class Border { Replicate, Zero };

// images: [N,H,W,C] float (NHWC, any value range), on any device. rois: one per image, or any number
// when N == 1 (several faces of one frame). Returns [rois.size(), size, size, C]: crop pixel (u, v)
// samples the image where project_landmarks() maps crop point (u + 0.5, v + 0.5).
at::Tensor crop_rotated(const at::Tensor& images, const std::vector<RotatedRect>& rois, int size = 256,
                        Border border = Border::Replicate);

// The frame letterboxed into a square (zero borders) and resized to size x size, as the detector
// wants it (MediaPipe keeps the aspect ratio): [N,size,size,C].
at::Tensor letterbox_square(const at::Tensor& images, int size);

}  // namespace being::face
