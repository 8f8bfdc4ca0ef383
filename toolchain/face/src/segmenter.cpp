#include "being/face/segmenter.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // NoGradGuard: <ATen/ATen.h> brings it in LibTorch 1.13 but not in 2.x

#include <cmath>
#include <vector>

#include "being/face/crop.h"
#include "being/models/model_store.h"
#include "being/tflite/graph.h"

namespace being::face {

namespace {

constexpr int64_t kSelfieSize = 256;
constexpr int64_t kHairSize = 512;

// [1,H,W,C] -> [1,size,size,C], bilinear (the models take the whole frame, aspect not kept).
at::Tensor resize_nhwc(const at::Tensor& x, int64_t h, int64_t w) {
  const std::vector<int64_t> size{h, w};
  return at::upsample_bilinear2d(x.permute({0, 3, 1, 2}), at::IntArrayRef(size), false)
      .permute({0, 2, 3, 1})
      .contiguous();
}

// [1,h,w,1] probability -> [H,W] at frame resolution.
at::Tensor to_frame(const at::Tensor& mask, int64_t h, int64_t w) {
  const std::vector<int64_t> size{h, w};
  return at::upsample_bilinear2d(mask.permute({0, 3, 1, 2}), at::IntArrayRef(size), false)
      .reshape({h, w})
      .clamp(0.0, 1.0);
}

}  // namespace

at::Tensor blend_with_previous(const at::Tensor& current, const at::Tensor& previous, double ratio) {
  const double eps = 0.001;
  const at::Tensor p = current;
  at::Tensor certainty =
      (1.0 + (p * at::log(p + eps) + (1.0 - p) * at::log(1.0 - p + eps)) / std::log(2.0)).clamp(0.0, 1.0);
  certainty = certainty * (2.0 - certainty);
  const at::Tensor mixed = p * certainty + previous * (1.0 - certainty);
  return mixed * ratio + p * (1.0 - ratio);
}

struct Segmenter::Impl {
  c10::Device device;
  tflite::Graph selfie, hair;
  at::Tensor previous_hair;  // [1,512,512,1], zeros before the first frame

  explicit Impl(const c10::Device& d)
      : device(d),
        selfie(tflite::Graph::load(models::require("mediapipe_segmentation/selfie_segmentation.tflite"), d)),
        hair(tflite::Graph::load(models::require("mediapipe_segmentation/hair_segmentation.tflite"), d)) {}
};

Segmenter::Segmenter(const c10::Device& device) : impl_(std::make_unique<Impl>(device)) {}
Segmenter::~Segmenter() = default;
Segmenter::Segmenter(Segmenter&&) noexcept = default;
Segmenter& Segmenter::operator=(Segmenter&&) noexcept = default;

void Segmenter::reset() { impl_->previous_hair = at::Tensor(); }

Masks Segmenter::segment(const at::Tensor& frame_in) {
  Impl& m = *impl_;
  c10::NoGradGuard no_grad;
  const at::Tensor frame = rgb_frame(frame_in, m.device, "Segmenter");
  const int64_t h = frame.size(1), w = frame.size(2);

  Masks out;
  const at::Tensor person = m.selfie.run({resize_nhwc(frame, kSelfieSize, kSelfieSize)})[0];
  out.person = to_frame(person, h, w);

  const bool first = !m.previous_hair.defined();
  if (first) m.previous_hair = at::zeros({1, kHairSize, kHairSize, 1}, frame.options());
  const at::Tensor hair_in = at::cat({resize_nhwc(frame, kHairSize, kHairSize), m.previous_hair}, 3);
  const at::Tensor logits = m.hair.run({hair_in})[0];  // [1,512,512,2]: background, hair
  at::Tensor hair = at::softmax(logits, 3).slice(3, 1, 2).contiguous();
  if (!first) hair = blend_with_previous(hair, m.previous_hair);
  m.previous_hair = hair;
  out.hair = to_frame(hair, h, w);
  return out;
}

}  // namespace being::face
