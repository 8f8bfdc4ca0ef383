#include "being/tflite/ops.h"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace being::tflite::ops {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("tflite op: " + what);
}

// Pads [N,C,H,W] spatially by (top, bottom, left, right) with `value`.
at::Tensor pad_spatial(const at::Tensor& x, const PadAmount& h, const PadAmount& w, double value) {
  if (h.before == 0 && h.after == 0 && w.before == 0 && w.after == 0) return x;
  return at::constant_pad_nd(x, {w.before, w.after, h.before, h.after}, value);
}

PadAmount window_padding(Padding padding, int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
  return padding == Padding::Same ? same_padding(in, kernel, stride, dilation) : PadAmount{};
}

}  // namespace

int64_t window_output_size(Padding padding, int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t k_eff = (kernel - 1) * dilation + 1;
  if (padding == Padding::Same) return (in + stride - 1) / stride;
  return (in - k_eff + stride) / stride;
}

PadAmount same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t k_eff = (kernel - 1) * dilation + 1;
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + k_eff - in, 0);
  return {total / 2, total - total / 2};
}

at::Tensor conv_weight(const at::Tensor& ohwi) {
  require(ohwi.dim() == 4, "CONV_2D weights must be [O,H,W,I]");
  return ohwi.permute({0, 3, 1, 2}).contiguous();
}

at::Tensor depthwise_weight(const at::Tensor& one_hwc) {
  require(one_hwc.dim() == 4 && one_hwc.size(0) == 1, "DEPTHWISE_CONV_2D weights must be [1,H,W,C]");
  return one_hwc.permute({3, 0, 1, 2}).contiguous();
}

at::Tensor transpose_conv_weight(const at::Tensor& ohwi) {
  require(ohwi.dim() == 4, "transposed-conv weights must be [O,H,W,I]");
  return ohwi.permute({3, 0, 1, 2}).contiguous();
}

at::Tensor activation(const at::Tensor& x, Activation act) {
  switch (act) {
    case Activation::None: return x;
    case Activation::Relu: return at::relu(x);
    case Activation::ReluN1To1: return at::clamp(x, -1.0, 1.0);
    case Activation::Relu6: return at::clamp(x, 0.0, 6.0);
    case Activation::Tanh: return at::tanh(x);
    case Activation::SignBit: break;
  }
  throw std::invalid_argument("tflite op: fused activation SIGN_BIT is not supported");
}

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, const ConvParams& p) {
  require(x.dim() == 4 && w.dim() == 4, "conv2d expects [N,C,H,W] input and 4-d weights");
  const PadAmount ph = window_padding(p.padding, x.size(2), w.size(2), p.stride_h, p.dilation_h);
  const PadAmount pw = window_padding(p.padding, x.size(3), w.size(3), p.stride_w, p.dilation_w);
  const std::vector<int64_t> stride{p.stride_h, p.stride_w}, dilation{p.dilation_h, p.dilation_w};
  at::Tensor y;
  if (ph.before == ph.after && pw.before == pw.after) {
    const std::vector<int64_t> padding{ph.before, pw.before};
    y = at::conv2d(x, w, bias, stride, at::IntArrayRef(padding), dilation, p.groups);
  } else {
    const std::vector<int64_t> padding{0, 0};
    y = at::conv2d(pad_spatial(x, ph, pw, 0.0), w, bias, stride, at::IntArrayRef(padding), dilation, p.groups);
  }
  return activation(y, p.activation);
}

at::Tensor transpose_conv_bias(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, Padding padding,
                               int64_t stride_h, int64_t stride_w) {
  require(x.dim() == 4 && w.dim() == 4 && x.size(1) == w.size(0), "transposed conv: input channels mismatch");
  const int64_t in_h = x.size(2), in_w = x.size(3), k_h = w.size(2), k_w = w.size(3);
  int64_t pad_h = 0, pad_w = 0;
  if (padding == Padding::Same) {
    pad_h = std::max<int64_t>(0, k_h - (in_h - 1) % stride_h - 1);
    pad_w = std::max<int64_t>(0, k_w - (in_w - 1) % stride_w - 1);
  }
  const int64_t out_h = stride_h * (in_h - 1) + k_h - pad_h;
  const int64_t out_w = stride_w * (in_w - 1) + k_w - pad_w;
  const at::Tensor full = at::conv_transpose2d(x, w, bias, {stride_h, stride_w});
  return full.slice(2, pad_h / 2, pad_h / 2 + out_h).slice(3, pad_w / 2, pad_w / 2 + out_w);
}

at::Tensor max_pool(const at::Tensor& x, const PoolParams& p) {
  const PadAmount ph = window_padding(p.padding, x.size(2), p.filter_h, p.stride_h, 1);
  const PadAmount pw = window_padding(p.padding, x.size(3), p.filter_w, p.stride_w, 1);
  const at::Tensor padded = pad_spatial(x, ph, pw, -std::numeric_limits<double>::infinity());
  return activation(at::max_pool2d(padded, {p.filter_h, p.filter_w}, {p.stride_h, p.stride_w}), p.activation);
}

at::Tensor average_pool(const at::Tensor& x, const PoolParams& p) {
  const PadAmount ph = window_padding(p.padding, x.size(2), p.filter_h, p.stride_h, 1);
  const PadAmount pw = window_padding(p.padding, x.size(3), p.filter_w, p.stride_w, 1);
  const std::vector<int64_t> k{p.filter_h, p.filter_w}, s{p.stride_h, p.stride_w};
  at::Tensor y = at::avg_pool2d(pad_spatial(x, ph, pw, 0.0), k, s);
  if (ph.before + ph.after + pw.before + pw.after > 0) {
    // TFLite divides by the number of cells inside the image, not by the window area.
    const at::Tensor ones = at::ones({1, 1, x.size(2), x.size(3)}, x.options());
    y = y / at::avg_pool2d(pad_spatial(ones, ph, pw, 0.0), k, s);
  }
  return activation(y, p.activation);
}

PoolWithArgmax max_pool_with_argmax(const at::Tensor& x, const PoolParams& p) {
  require(x.dim() == 4, "max_pool_with_argmax expects [N,C,H,W]");
  const int64_t out_h = window_output_size(p.padding, x.size(2), p.filter_h, p.stride_h);
  const int64_t out_w = window_output_size(p.padding, x.size(3), p.filter_w, p.stride_w);
  // MediaPipe pads only before (its window is clamped at the far edge); pad the far edge enough for
  // every window to exist, with -inf so padded cells never win.
  const int64_t top = std::max<int64_t>(((out_h - 1) * p.stride_h + p.filter_h - x.size(2)) / 2, 0);
  const int64_t left = std::max<int64_t>(((out_w - 1) * p.stride_w + p.filter_w - x.size(3)) / 2, 0);
  const int64_t bottom = std::max<int64_t>((out_h - 1) * p.stride_h + p.filter_h - x.size(2) - top, 0);
  const int64_t right = std::max<int64_t>((out_w - 1) * p.stride_w + p.filter_w - x.size(3) - left, 0);
  const at::Tensor padded =
      pad_spatial(x, {top, bottom}, {left, right}, -std::numeric_limits<double>::infinity());
  at::Tensor best, index;
  for (int64_t ky = 0; ky < p.filter_h; ++ky) {
    for (int64_t kx = 0; kx < p.filter_w; ++kx) {
      const at::Tensor cell = padded.slice(2, ky, ky + (out_h - 1) * p.stride_h + 1, p.stride_h)
                                  .slice(3, kx, kx + (out_w - 1) * p.stride_w + 1, p.stride_w);
      if (!best.defined()) {
        best = cell.clone();
        index = at::zeros_like(cell);
        continue;
      }
      // Strictly greater: the first maximum in row-major window order wins, as in MediaPipe.
      const at::Tensor better = cell > best;
      best = at::where(better, cell, best);
      index = at::where(better, at::full_like(index, static_cast<double>(ky * p.filter_w + kx)), index);
    }
  }
  return {activation(best, p.activation), index + 0.1};
}

at::Tensor max_unpool(const at::Tensor& x, const at::Tensor& indices, const PoolParams& p) {
  require(x.dim() == 4 && indices.sizes() == x.sizes(), "max_unpool: indices must match the input shape");
  require(p.stride_h >= p.filter_h && p.stride_w >= p.filter_w,
          "max_unpool: overlapping windows (stride < filter) are not supported");
  const int64_t in_h = x.size(2), in_w = x.size(3);
  const int64_t out_h = in_h * p.filter_h, out_w = in_w * p.filter_w;
  const int64_t top = std::max<int64_t>(((in_h - 1) * p.stride_h + p.filter_h - out_h) / 2, 0);
  const int64_t left = std::max<int64_t>(((in_w - 1) * p.stride_w + p.filter_w - out_w) / 2, 0);
  const int64_t canvas_h = std::max((in_h - 1) * p.stride_h + p.filter_h, top + out_h);
  const int64_t canvas_w = std::max((in_w - 1) * p.stride_w + p.filter_w, left + out_w);
  at::Tensor canvas = at::zeros({x.size(0), x.size(1), canvas_h, canvas_w}, x.options());
  const at::Tensor slot = at::floor(indices);
  for (int64_t ky = 0; ky < p.filter_h; ++ky) {
    for (int64_t kx = 0; kx < p.filter_w; ++kx) {
      const at::Tensor here = slot == static_cast<double>(ky * p.filter_w + kx);
      canvas.slice(2, ky, ky + (in_h - 1) * p.stride_h + 1, p.stride_h)
          .slice(3, kx, kx + (in_w - 1) * p.stride_w + 1, p.stride_w)
          .add_(at::where(here, x, at::zeros_like(x)));
    }
  }
  return canvas.slice(2, top, top + out_h).slice(3, left, left + out_w);
}

namespace {

// Source rows (or columns) and weights of TFLite's bilinear resize along one axis.
struct Taps {
  at::Tensor lower, upper, weight;
};

Taps bilinear_taps(int64_t in, int64_t out, bool align_corners, bool half_pixel, const at::TensorOptions& opt) {
  const double scale = (align_corners && out > 1) ? static_cast<double>(in - 1) / (out - 1)
                                                  : static_cast<double>(in) / out;
  const at::Tensor dst = at::arange(out, opt.dtype(at::kDouble));
  const at::Tensor src = half_pixel ? (dst + 0.5) * scale - 0.5 : dst * scale;
  const at::Tensor floor = at::floor(src);
  Taps t;
  t.lower = at::clamp(floor, 0, in - 1).to(at::kLong);
  t.upper = at::clamp(at::ceil(src), 0, in - 1).to(at::kLong);
  if (!half_pixel) t.upper = at::clamp(floor + 1, 0, in - 1).to(at::kLong);
  t.weight = (src - t.lower.to(at::kDouble)).to(opt.dtype().toScalarType());
  return t;
}

}  // namespace

at::Tensor resize_bilinear(const at::Tensor& x, int64_t out_h, int64_t out_w, bool align_corners,
                           bool half_pixel_centers) {
  require(x.dim() == 4 && out_h > 0 && out_w > 0, "resize_bilinear expects [N,C,H,W] and a positive size");
  const Taps ty = bilinear_taps(x.size(2), out_h, align_corners, half_pixel_centers, x.options());
  const Taps tx = bilinear_taps(x.size(3), out_w, align_corners, half_pixel_centers, x.options());
  const at::Tensor top = x.index_select(2, ty.lower), bottom = x.index_select(2, ty.upper);
  const at::Tensor rows = top + (bottom - top) * ty.weight.view({1, 1, -1, 1});
  const at::Tensor left = rows.index_select(3, tx.lower), right = rows.index_select(3, tx.upper);
  return left + (right - left) * tx.weight.view({1, 1, 1, -1});
}

at::Tensor hard_swish(const at::Tensor& x) { return x * at::clamp(x + 3.0, 0.0, 6.0) / 6.0; }

at::Tensor prelu(const at::Tensor& x, const at::Tensor& alpha) { return at::where(x >= 0, x, x * alpha); }

at::Tensor strided_slice(const at::Tensor& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                         const std::vector<int64_t>& strides, const BuiltinOptions& masks) {
  require(masks.ellipsis_mask == 0 && masks.new_axis_mask == 0,
          "STRIDED_SLICE with ellipsis or new-axis masks is not supported");
  const int64_t rank = x.dim();
  require(static_cast<int64_t>(begin.size()) == rank && end.size() == begin.size() && strides.size() == begin.size(),
          "STRIDED_SLICE begin/end/strides must have one entry per dimension");
  at::Tensor y = x;
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t dim = x.size(d);
    const int64_t stride = strides[d];
    require(stride > 0, "STRIDED_SLICE with a non-positive stride is not supported");
    const auto normalize = [dim](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + dim : v, 0, dim); };
    int64_t b = (masks.begin_mask >> d) & 1 ? 0 : normalize(begin[d]);
    int64_t e = (masks.end_mask >> d) & 1 ? dim : normalize(end[d]);
    if ((masks.shrink_axis_mask >> d) & 1) {
      b = normalize(begin[d]);
      require(b < dim, "STRIDED_SLICE shrinks an axis at an index beyond its size");
      e = b + 1;
    }
    y = y.slice(d, b, std::max(b, e), stride);
  }
  for (int64_t d = rank - 1; d >= 0; --d) {
    if ((masks.shrink_axis_mask >> d) & 1) y = y.squeeze(d);
  }
  return y;
}

at::Tensor dequantize_fp16(const uint16_t* bits, const std::vector<int64_t>& shape) {
  return at::from_blob(const_cast<uint16_t*>(bits), shape, at::kHalf).to(at::kFloat);
}

}  // namespace being::tflite::ops
