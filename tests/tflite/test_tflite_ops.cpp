// Every executor op against a naive reference written directly from TFLite's (or MediaPipe's)
// definition: NHWC tensors, TFLite weight layouts, explicit loops. The ops under test run on
// torch's NCHW layout with weights converted by the ops::*_weight functions, so these tests also
// check the layout conversions.
#include <torch/torch.h>

#include <limits>

#include "being/tflite/ops.h"
#include "being_test.h"

namespace {

namespace ops = being::tflite::ops;
using being::tflite::Activation;
using being::tflite::Padding;

torch::Tensor to_nchw(const torch::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}).contiguous(); }
torch::Tensor to_nhwc(const torch::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}).contiguous(); }

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

// TFLite's padding offset: SAME puts floor(total / 2) before, VALID none.
int64_t pad_before(Padding padding, int64_t in, int64_t out, int64_t k_eff, int64_t stride) {
  if (padding == Padding::Valid) return 0;
  return std::max<int64_t>(((out - 1) * stride + k_eff - in) / 2, 0);
}

// Naive CONV_2D / DEPTHWISE_CONV_2D on NHWC input with TFLite weights ([O,H,W,I] or [1,H,W,I*M]).
torch::Tensor naive_conv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias, Padding padding,
                         int64_t sh, int64_t sw, int64_t dh, int64_t dw, bool depthwise, int64_t multiplier) {
  const int64_t n = x.size(0), h = x.size(1), wd = x.size(2), c = x.size(3);
  const int64_t kh = w.size(1), kw = w.size(2);
  const int64_t oc = depthwise ? c * multiplier : w.size(0);
  const int64_t oh = ops::window_output_size(padding, h, kh, sh, dh);
  const int64_t ow = ops::window_output_size(padding, wd, kw, sw, dw);
  const int64_t top = pad_before(padding, h, oh, (kh - 1) * dh + 1, sh);
  const int64_t left = pad_before(padding, wd, ow, (kw - 1) * dw + 1, sw);
  auto out = torch::zeros({n, oh, ow, oc});
  auto xa = x.accessor<float, 4>();
  auto wa = w.accessor<float, 4>();
  auto o = out.accessor<float, 4>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx)
        for (int64_t f = 0; f < oc; ++f) {
          double acc = bias.defined() ? bias[f].item<double>() : 0.0;
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t iy = y * sh - top + ky * dh, ix = xx * sw - left + kx * dw;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              if (depthwise) {
                acc += xa[b][iy][ix][f / multiplier] * wa[0][ky][kx][f];
              } else {
                for (int64_t ci = 0; ci < c; ++ci) acc += xa[b][iy][ix][ci] * wa[f][ky][kx][ci];
              }
            }
          o[b][y][xx][f] = static_cast<float>(acc);
        }
  return out;
}

struct ConvCase {
  int64_t h, w, c, oc, kh, kw, sh, sw, dh, dw;
  Padding padding;
};

TEST(TfliteOps, SamePaddingPutsTheExtraAfter) {
  // in 7, k 3, stride 2: out 4, total (4-1)*2+3-7 = 2 -> 1 / 1.
  EXPECT_EQ(ops::same_padding(7, 3, 2).before, 1);
  EXPECT_EQ(ops::same_padding(7, 3, 2).after, 1);
  // in 8, k 3, stride 2: out 4, total 1 -> 0 before, 1 after (TF style, unlike symmetric padding).
  EXPECT_EQ(ops::same_padding(8, 3, 2).before, 0);
  EXPECT_EQ(ops::same_padding(8, 3, 2).after, 1);
  // in 5, k 4, stride 1: total 3 -> 1 / 2.
  EXPECT_EQ(ops::same_padding(5, 4, 1).before, 1);
  EXPECT_EQ(ops::same_padding(5, 4, 1).after, 2);
  // dilation 2 makes k 3 act as 5.
  EXPECT_EQ(ops::same_padding(9, 3, 1, 2).before, 2);
  EXPECT_EQ(ops::window_output_size(Padding::Valid, 9, 3, 2), 4);
  EXPECT_EQ(ops::window_output_size(Padding::Same, 9, 3, 2), 5);
}

TEST(TfliteOps, Conv2dMatchesNaiveNhwc) {
  torch::manual_seed(1);
  const std::vector<ConvCase> cases = {
      {7, 9, 3, 5, 3, 3, 2, 2, 1, 1, Padding::Same},   // odd sizes, stride 2
      {8, 8, 4, 6, 3, 3, 2, 2, 1, 1, Padding::Same},   // even size: asymmetric padding
      {6, 5, 2, 3, 4, 2, 1, 3, 1, 1, Padding::Same},   // even kernel, mixed strides
      {9, 7, 3, 4, 3, 3, 1, 1, 2, 2, Padding::Same},   // dilation
      {9, 8, 3, 2, 3, 2, 2, 1, 1, 1, Padding::Valid},  // VALID
      {5, 5, 8, 4, 1, 1, 1, 1, 1, 1, Padding::Same},   // 1x1 (pointwise)
  };
  for (const auto& k : cases) {
    const auto x = torch::randn({2, k.h, k.w, k.c});
    const auto w = torch::randn({k.oc, k.kh, k.kw, k.c});
    const auto bias = torch::randn({k.oc});
    ops::ConvParams p{k.padding, k.sh, k.sw, k.dh, k.dw, 1, Activation::None};
    const auto ours = to_nhwc(ops::conv2d(to_nchw(x), ops::conv_weight(w), bias, p));
    const auto ref = naive_conv(x, w, bias, k.padding, k.sh, k.sw, k.dh, k.dw, false, 1);
    EXPECT_LT(max_diff(ours, ref), 1e-4) << "case " << k.h << "x" << k.w << " k" << k.kh << "x" << k.kw << " s" << k.sh;
  }
}

TEST(TfliteOps, DepthwiseConvWithMultiplierMatchesNaive) {
  torch::manual_seed(2);
  for (int64_t multiplier : {1, 2, 3}) {
    for (Padding padding : {Padding::Same, Padding::Valid}) {
      for (int64_t stride : {1, 2}) {
        const auto x = torch::randn({2, 9, 6, 4});
        const auto w = torch::randn({1, 3, 3, 4 * multiplier});
        const auto bias = torch::randn({4 * multiplier});
        ops::ConvParams p{padding, stride, stride, 1, 1, 4, Activation::None};
        const auto ours = to_nhwc(ops::conv2d(to_nchw(x), ops::depthwise_weight(w), bias, p));
        const auto ref = naive_conv(x, w, bias, padding, stride, stride, 1, 1, true, multiplier);
        EXPECT_LT(max_diff(ours, ref), 1e-4) << "multiplier " << multiplier << " stride " << stride;
      }
    }
  }
}

TEST(TfliteOps, FusedActivations) {
  const auto x = torch::linspace(-8, 8, 33);
  EXPECT_LT(max_diff(ops::activation(x, Activation::Relu), x.clamp_min(0)), 1e-7);
  EXPECT_LT(max_diff(ops::activation(x, Activation::Relu6), x.clamp(0, 6)), 1e-7);
  EXPECT_LT(max_diff(ops::activation(x, Activation::ReluN1To1), x.clamp(-1, 1)), 1e-7);
  EXPECT_LT(max_diff(ops::activation(x, Activation::Tanh), x.tanh()), 1e-7);
  EXPECT_LT(max_diff(ops::activation(x, Activation::None), x), 1e-7);
  EXPECT_THROW(ops::activation(x, Activation::SignBit), std::invalid_argument);
  // HARD_SWISH: x * relu6(x + 3) / 6, checked at hand-computed points.
  const auto hs = ops::hard_swish(torch::tensor({-4.0f, -3.0f, -1.0f, 0.0f, 1.0f, 3.0f, 4.0f}));
  const auto expected = torch::tensor({0.0f, 0.0f, -1.0f / 3.0f, 0.0f, 2.0f / 3.0f, 3.0f, 4.0f});
  EXPECT_LT(max_diff(hs, expected), 1e-6);
  // PRELU with a per-channel slope broadcast over NCHW.
  const auto px = torch::tensor({-2.0f, 3.0f, -4.0f, 5.0f}).reshape({1, 2, 1, 2});
  const auto alpha = torch::tensor({0.5f, 0.25f}).reshape({1, 2, 1, 1});
  EXPECT_LT(max_diff(ops::prelu(px, alpha), torch::tensor({-1.0f, 3.0f, -1.0f, 5.0f}).reshape({1, 2, 1, 2})), 1e-7);
}

// Naive pooling over the clamped window, as TFLite does.
torch::Tensor naive_pool(const torch::Tensor& x, const ops::PoolParams& p, bool average) {
  const int64_t n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  const int64_t oh = ops::window_output_size(p.padding, h, p.filter_h, p.stride_h);
  const int64_t ow = ops::window_output_size(p.padding, w, p.filter_w, p.stride_w);
  const int64_t top = pad_before(p.padding, h, oh, p.filter_h, p.stride_h);
  const int64_t left = pad_before(p.padding, w, ow, p.filter_w, p.stride_w);
  auto out = torch::zeros({n, oh, ow, c});
  auto xa = x.accessor<float, 4>();
  auto o = out.accessor<float, 4>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx)
        for (int64_t ch = 0; ch < c; ++ch) {
          double acc = average ? 0.0 : -std::numeric_limits<double>::infinity();
          int count = 0;
          for (int64_t ky = 0; ky < p.filter_h; ++ky)
            for (int64_t kx = 0; kx < p.filter_w; ++kx) {
              const int64_t iy = y * p.stride_h - top + ky, ix = xx * p.stride_w - left + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              acc = average ? acc + xa[b][iy][ix][ch] : std::max<double>(acc, xa[b][iy][ix][ch]);
              ++count;
            }
          o[b][y][xx][ch] = static_cast<float>(average ? acc / count : acc);
        }
  return out;
}

TEST(TfliteOps, PoolingMatchesNaive) {
  torch::manual_seed(3);
  const std::vector<ops::PoolParams> cases = {
      {Padding::Same, 2, 2, 2, 2, Activation::None},   {Padding::Same, 3, 3, 2, 2, Activation::None},
      {Padding::Same, 3, 2, 1, 2, Activation::None},   {Padding::Valid, 3, 3, 2, 2, Activation::None},
      {Padding::Valid, 7, 5, 7, 5, Activation::None},  // global pooling as in the selfie model
  };
  for (const auto& p : cases) {
    const auto x = torch::randn({2, 7, 5, 3});
    EXPECT_LT(max_diff(to_nhwc(ops::max_pool(to_nchw(x), p)), naive_pool(x, p, false)), 1e-6)
        << "max filter " << p.filter_h << "x" << p.filter_w;
    EXPECT_LT(max_diff(to_nhwc(ops::average_pool(to_nchw(x), p)), naive_pool(x, p, true)), 1e-5)
        << "average filter " << p.filter_h << "x" << p.filter_w;
  }
}

TEST(TfliteOps, MaxPoolWithArgmaxAndUnpoolRoundTrip) {
  // 2x2 windows, stride 2 on a 4x4 single-channel image with hand-picked maxima.
  const auto x = torch::tensor({1.f, 5.f, 2.f, 0.f,  //
                                3.f, 4.f, 9.f, 1.f,  //
                                7.f, 0.f, 6.f, 6.f,  //
                                2.f, 8.f, 1.f, 0.f})
                     .reshape({1, 1, 4, 4});
  const ops::PoolParams p{Padding::Same, 2, 2, 2, 2, Activation::None};
  const auto r = ops::max_pool_with_argmax(x, p);
  EXPECT_LT(max_diff(r.values, torch::tensor({5.f, 9.f, 8.f, 6.f}).reshape({1, 1, 2, 2})), 1e-7);
  // Window-local index ky * 2 + kx (+0.1 as MediaPipe stores it); ties go to the first maximum.
  EXPECT_LT(max_diff(r.indices, torch::tensor({1.1f, 2.1f, 3.1f, 0.1f}).reshape({1, 1, 2, 2})), 1e-6);
  const auto back = ops::max_unpool(r.values, r.indices, p);
  const auto expected = torch::tensor({0.f, 5.f, 0.f, 0.f,  //
                                       0.f, 0.f, 9.f, 0.f,  //
                                       0.f, 0.f, 6.f, 0.f,  //
                                       0.f, 8.f, 0.f, 0.f})
                            .reshape({1, 1, 4, 4});
  EXPECT_LT(max_diff(back, expected), 1e-7);

  // Random batched round trip: unpool(pool(x)) keeps exactly the window maxima, zero elsewhere.
  torch::manual_seed(4);
  const auto big = torch::randn({3, 5, 8, 6});
  const auto pooled = ops::max_pool_with_argmax(big, p);
  const auto restored = ops::max_unpool(pooled.values, pooled.indices, p);
  ASSERT_EQ(restored.sizes(), big.sizes());
  EXPECT_EQ(((restored != 0).to(torch::kFloat).sum()).item<double>(), static_cast<double>(pooled.values.numel()));
  const auto maxima = torch::max_pool2d(big, {2, 2}, {2, 2});
  const auto kept = torch::where(restored != 0, restored, torch::full_like(restored, -INFINITY));
  EXPECT_LT(max_diff(torch::max_pool2d(kept, {2, 2}, {2, 2}), maxima), 1e-7);
  EXPECT_LT(max_diff(restored, torch::where(restored != 0, big, torch::zeros_like(big))), 1e-7);

  // Odd size with SAME: the last window is clamped at the far edge.
  const auto odd = torch::randn({1, 2, 5, 5});
  const auto odd_pool = ops::max_pool_with_argmax(odd, p);
  EXPECT_LT(max_diff(to_nhwc(odd_pool.values), naive_pool(to_nhwc(odd), p, false)), 1e-6);
}

// Naive MediaPipe Convolution2DTransposeBias on NHWC input with [O,H,W,I] weights.
torch::Tensor naive_transpose_conv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias,
                                   Padding padding, int64_t sh, int64_t sw) {
  const int64_t n = x.size(0), h = x.size(1), wd = x.size(2), c = x.size(3);
  const int64_t oc = w.size(0), kh = w.size(1), kw = w.size(2);
  int64_t pad_h = 0, pad_w = 0;
  if (padding == Padding::Same) {
    pad_h = std::max<int64_t>(0, kh - (h - 1) % sh - 1);
    pad_w = std::max<int64_t>(0, kw - (wd - 1) % sw - 1);
  }
  const int64_t oh = sh * (h - 1) + kh - pad_h, ow = sw * (wd - 1) + kw - pad_w;
  auto out = bias.reshape({1, 1, 1, oc}).repeat({n, oh, ow, 1}).contiguous();
  auto xa = x.accessor<float, 4>();
  auto wa = w.accessor<float, 4>();
  auto o = out.accessor<float, 4>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t iy = 0; iy < h; ++iy)
      for (int64_t ix = 0; ix < wd; ++ix)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx)
              for (int64_t f = 0; f < oc; ++f) {
                const int64_t y = iy * sh - pad_h / 2 + ky, xx = ix * sw - pad_w / 2 + kx;
                if (y >= 0 && y < oh && xx >= 0 && xx < ow) o[b][y][xx][f] += xa[b][iy][ix][ci] * wa[f][ky][kx][ci];
              }
  return out;
}

TEST(TfliteOps, TransposeConvWithBiasMatchesNaive) {
  torch::manual_seed(5);
  struct Case {
    int64_t h, w, k, s;
    Padding padding;
  };
  for (const Case& k : std::vector<Case>{{4, 5, 3, 2, Padding::Same},
                                         {4, 4, 2, 2, Padding::Same},
                                         {3, 5, 4, 2, Padding::Same},
                                         {5, 3, 3, 1, Padding::Same},
                                         {4, 4, 3, 2, Padding::Valid}}) {
    const auto x = torch::randn({2, k.h, k.w, 3});
    const auto w = torch::randn({4, k.k, k.k, 3});
    const auto bias = torch::randn({4});
    const auto ours =
        to_nhwc(ops::transpose_conv_bias(to_nchw(x), ops::transpose_conv_weight(w), bias, k.padding, k.s, k.s));
    const auto ref = naive_transpose_conv(x, w, bias, k.padding, k.s, k.s);
    EXPECT_LT(max_diff(ours, ref), 1e-4) << "in " << k.h << "x" << k.w << " k" << k.k << " s" << k.s;
  }
  // The hair model's decoder step: 16x16, k3, s2, SAME -> 32x32.
  const auto up = ops::transpose_conv_bias(torch::zeros({1, 8, 16, 16}), torch::zeros({8, 8, 3, 3}), torch::ones({8}),
                                           Padding::Same, 2, 2);
  EXPECT_EQ(up.sizes(), (std::vector<int64_t>{1, 8, 32, 32}));
  EXPECT_LT(max_diff(up, torch::ones_like(up)), 1e-7);
}

// Naive TFLite RESIZE_BILINEAR (reference_ops::ResizeBilinear).
torch::Tensor naive_resize(const torch::Tensor& x, int64_t oh, int64_t ow, bool align, bool half) {
  const int64_t n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  const auto scale = [align](int64_t in, int64_t out) {
    return align && out > 1 ? static_cast<double>(in - 1) / (out - 1) : static_cast<double>(in) / out;
  };
  const double sy = scale(h, oh), sx = scale(w, ow);
  auto out = torch::zeros({n, oh, ow, c});
  auto xa = x.accessor<float, 4>();
  auto o = out.accessor<float, 4>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xx = 0; xx < ow; ++xx)
        for (int64_t ch = 0; ch < c; ++ch) {
          const double in_y = half ? (y + 0.5) * sy - 0.5 : y * sy;
          const double in_x = half ? (xx + 0.5) * sx - 0.5 : xx * sx;
          const int64_t y0 = std::max<int64_t>(static_cast<int64_t>(std::floor(in_y)), 0);
          const int64_t x0 = std::max<int64_t>(static_cast<int64_t>(std::floor(in_x)), 0);
          const int64_t y1 = half ? std::min<int64_t>(static_cast<int64_t>(std::ceil(in_y)), h - 1)
                                  : std::min<int64_t>(y0 + 1, h - 1);
          const int64_t x1 = half ? std::min<int64_t>(static_cast<int64_t>(std::ceil(in_x)), w - 1)
                                  : std::min<int64_t>(x0 + 1, w - 1);
          const double dy = in_y - y0, dx = in_x - x0;
          o[b][y][xx][ch] = static_cast<float>(
              xa[b][y0][x0][ch] * (1 - dy) * (1 - dx) + xa[b][y1][x0][ch] * dy * (1 - dx) +
              xa[b][y0][x1][ch] * (1 - dy) * dx + xa[b][y1][x1][ch] * dy * dx);
        }
  return out;
}

TEST(TfliteOps, ResizeBilinearAllConventions) {
  torch::manual_seed(6);
  const auto x = torch::randn({2, 5, 7, 3});
  for (auto [align, half] : std::vector<std::pair<bool, bool>>{{false, false}, {true, false}, {false, true}}) {
    for (auto [oh, ow] : std::vector<std::pair<int64_t, int64_t>>{{10, 14}, {8, 9}, {3, 4}}) {
      const auto ours = to_nhwc(ops::resize_bilinear(to_nchw(x), oh, ow, align, half));
      EXPECT_LT(max_diff(ours, naive_resize(x, oh, ow, align, half)), 1e-5)
          << "align " << align << " half " << half << " to " << oh << "x" << ow;
    }
  }
}

TEST(TfliteOps, StridedSliceMasks) {
  const auto x = torch::arange(2 * 3 * 4).reshape({2, 3, 4}).to(torch::kFloat);
  being::tflite::BuiltinOptions masks;
  // [0:2, 1:3, ::2]
  auto y = ops::strided_slice(x, {0, 1, 0}, {2, 3, 4}, {1, 1, 2}, masks);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(y[1][1][1].item<float>(), 1 * 12 + 2 * 4 + 2);
  // begin/end masks ignore the given bounds; negative indices count from the end.
  masks.begin_mask = 0b010;
  masks.end_mask = 0b100;
  y = ops::strided_slice(x, {-1, 2, -3}, {2, -1, 0}, {1, 1, 1}, masks);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(y[0][0][0].item<float>(), 12 + 0 + 1);
  // shrink_axis_mask drops dimensions 0 and 2 (as the blendshape model's last op drops its batch).
  masks = {};
  masks.shrink_axis_mask = 0b101;
  y = ops::strided_slice(x, {1, 0, 3}, {2, 3, 4}, {1, 1, 1}, masks);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(y[2].item<float>(), 12 + 8 + 3);
  masks.ellipsis_mask = 1;
  EXPECT_THROW(ops::strided_slice(x, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}, masks), std::invalid_argument);
}

TEST(TfliteOps, DequantizeFp16Bits) {
  // 1.0, -2.0, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), -0.
  const std::vector<uint16_t> bits = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000};
  const auto f = ops::dequantize_fp16(bits.data(), {2, 3});
  EXPECT_EQ(f.scalar_type(), torch::kFloat);
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{2, 3}));
  const std::vector<float> expected = {1.0f, -2.0f, 0.5f, 65504.0f, 5.9604645e-8f, -0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f.view({-1})[i].item<float>(), expected[i]) << i;
}

}  // namespace
