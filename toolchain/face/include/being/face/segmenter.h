// Person and hair masks at frame resolution from MediaPipe's selfie and hair segmentation models.
// The hair model also reads its own previous mask (a fourth input channel), so a Segmenter keeps
// that state from frame to frame; reset() between videos.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>

namespace being::face {

struct Masks {
  at::Tensor person;  // [H,W] float probability in [0,1], on the segmenter's device
  at::Tensor hair;    // [H,W] float probability in [0,1]
};

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
