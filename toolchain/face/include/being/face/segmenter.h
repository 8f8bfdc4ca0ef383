// Person and hair masks at frame resolution from MediaPipe's selfie and hair segmentation models.
// The hair model also reads its own previous mask (a fourth input channel) and its output is blended
// with that mask, so a Segmenter keeps state from frame to frame; reset() between videos.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>

namespace being::face {

struct Masks {
  at::Tensor person;  // [H,W] float probability in [0,1], on the segmenter's device
  at::Tensor hair;    // [H,W] float probability in [0,1]
};

// MediaPipe's temporal blending of the hair mask (TensorsToSegmentation): where the new
// probability p is uncertain, lean on the previous mask. With the binary entropy H(p),
// a = 1 - (1 - (1 - H(p)))^2 (0 for p = 0.5, 1 for p = 0 or 1), mixed = a p + (1 - a) previous,
// result = ratio * mixed + (1 - ratio) * p. MediaPipe's hair graph uses ratio 0.9.
at::Tensor blend_with_previous(const at::Tensor& current, const at::Tensor& previous, double ratio = 0.9);

class Segmenter {
 public:
  // Loads both models from the model cache (being::models::require).
  explicit Segmenter(const c10::Device& device);
  ~Segmenter();
  Segmenter(Segmenter&&) noexcept;
  Segmenter& operator=(Segmenter&&) noexcept;

  // frame: [H,W,3] or [1,H,W,3] RGB in [0,1] (float) or [0,255] (uint8).
  Masks segment(const at::Tensor& frame);
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::face
