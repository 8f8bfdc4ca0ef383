// The TFLite operators the executor runs, as functions on LibTorch tensors. Spatial tensors are in
// torch's NCHW layout here (the executor converts at the graph boundary); weights are converted
// once from TFLite's layouts with the *_weight functions. Each function reproduces TFLite's (or
// MediaPipe's, for the custom ops) arithmetic, including TF-style SAME padding, which puts the odd
// extra row/column at the bottom/right. docs/tflite.md describes every operator.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "being/tflite/model.h"

namespace being::tflite::ops {

// Padding before/after along one spatial axis, as TFLite computes it.
struct PadAmount {
  int64_t before = 0;
  int64_t after = 0;
};
// Output size of a windowed op: SAME -> ceil(in / stride); VALID -> ceil((in - k_eff + 1) / stride).
int64_t window_output_size(Padding padding, int64_t in, int64_t kernel, int64_t stride, int64_t dilation = 1);
// SAME: total = max((out - 1) * stride + k_eff - in, 0), before = total / 2, after = the rest.
PadAmount same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation = 1);

struct ConvParams {
  Padding padding = Padding::Same;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;  // = input channels for a depthwise convolution
  Activation activation = Activation::None;
};

// TFLite CONV_2D weights [O,H,W,I] -> torch [O,I,H,W].
at::Tensor conv_weight(const at::Tensor& ohwi);
// TFLite DEPTHWISE_CONV_2D weights [1,H,W,I*M] -> torch grouped-conv weights [I*M,1,H,W]. TFLite's
// output channel i*M+m (input channel i, multiplier m) is torch's group i, member m: same order.
at::Tensor depthwise_weight(const at::Tensor& one_hwc);
// MediaPipe Convolution2DTransposeBias weights [O,H,W,I] -> torch conv_transpose2d [I,O,H,W].
at::Tensor transpose_conv_weight(const at::Tensor& ohwi);

// x [N,C,H,W], w torch layout, bias [O] or undefined.
at::Tensor conv2d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, const ConvParams& p);

// MediaPipe's Convolution2DTransposeBias: the full transposed convolution plus bias, cropped for
// SAME to out = stride * (in - 1) + k - pad with pad = max(0, k - (in - 1) % stride - 1), starting
// at pad / 2.
at::Tensor transpose_conv_bias(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, Padding padding,
                               int64_t stride_h, int64_t stride_w);

struct PoolParams {
  Padding padding = Padding::Same;
  int64_t filter_h = 1, filter_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  Activation activation = Activation::None;
};
// Max over the window, padded cells ignored.
at::Tensor max_pool(const at::Tensor& x, const PoolParams& p);
// Mean over the valid (unpadded) cells of the window, as TFLite divides.
at::Tensor average_pool(const at::Tensor& x, const PoolParams& p);

// MediaPipe MaxPoolingWithArgmax2D: values and, per output cell, the float index of the first
// maximum inside its window, ky * filter_w + kx (MediaPipe stores it as float + 0.1).
struct PoolWithArgmax {
  at::Tensor values;
  at::Tensor indices;
};
PoolWithArgmax max_pool_with_argmax(const at::Tensor& x, const PoolParams& p);
// MediaPipe MaxUnpooling2D: output [N,C,H*filter_h,W*filter_w], zero except where each input cell
// lands at its window position decoded from `indices`. Windows must not overlap (stride >= filter).
at::Tensor max_unpool(const at::Tensor& x, const at::Tensor& indices, const PoolParams& p);

// RESIZE_BILINEAR with TFLite's three sampling conventions: align_corners, half_pixel_centers, or
// neither (legacy: source = destination * in / out).
at::Tensor resize_bilinear(const at::Tensor& x, int64_t out_h, int64_t out_w, bool align_corners,
                           bool half_pixel_centers);

at::Tensor activation(const at::Tensor& x, Activation act);
at::Tensor hard_swish(const at::Tensor& x);
at::Tensor prelu(const at::Tensor& x, const at::Tensor& alpha);

// STRIDED_SLICE on a tensor in the model's own layout (begin/end/strides per dimension, with
// begin_mask, end_mask and shrink_axis_mask; ellipsis and new-axis masks are rejected).
at::Tensor strided_slice(const at::Tensor& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                         const std::vector<int64_t>& strides, const BuiltinOptions& masks);

// Converts IEEE half-precision bits to float32 (DEQUANTIZE of fp16 weights), on the CPU.
at::Tensor dequantize_fp16(const uint16_t* bits, const std::vector<int64_t>& shape);

}  // namespace being::tflite::ops
