// The executor op by op on small hand-built TFLite graphs: builtin options are read, NHWC
// semantics hold at the graph boundary although convolutions run in NCHW inside, fp16 weights are
// folded, batches work, and unsupported operators are named in the error.
#include <torch/torch.h>

#include <functional>

#include "being/tflite/graph.h"
#include "being/tflite/ops.h"
#include "being_test.h"
#include "tflite_builder.h"

namespace {

namespace tb = being::test::tflite_builder;
namespace ops = being::tflite::ops;
namespace builtin = being::tflite::builtin;
using being::tflite::Activation;
using being::tflite::ExecutionError;
using being::tflite::Graph;
using being::tflite::Model;
using being::tflite::Padding;
using being::tflite::TensorType;

std::vector<float> values_of(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<int32_t> dims(const torch::Tensor& t) { return std::vector<int32_t>(t.sizes().begin(), t.sizes().end()); }

tb::TensorSpec activation(std::vector<int32_t> shape) { return {std::move(shape), TensorType::Float32, {}}; }
tb::TensorSpec weights(const torch::Tensor& t) { return tb::constant(dims(t), values_of(t)); }
tb::TensorSpec ints(const std::vector<int32_t>& v, std::vector<int32_t> shape = {}) {
  if (shape.empty()) shape = {static_cast<int32_t>(v.size())};
  return tb::constant(std::move(shape), v, TensorType::Int32);
}

Graph graph_of(const std::vector<tb::TensorSpec>& tensors, const std::vector<tb::OpSpec>& op_specs,
               const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs) {
  return Graph(Model::parse(tb::build_model(tensors, op_specs, inputs, outputs), "test.tflite"), torch::kCPU);
}

torch::Tensor nchw(const torch::Tensor& t) { return t.permute({0, 3, 1, 2}); }
torch::Tensor nhwc(const torch::Tensor& t) { return t.permute({0, 2, 3, 1}); }

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

tb::NodePtr conv_options(Padding padding, int32_t sw, int32_t sh, Activation act) {
  return tb::table({tb::scalar<int8_t>(0, static_cast<int8_t>(padding)), tb::scalar<int32_t>(1, sw),
                    tb::scalar<int32_t>(2, sh), tb::scalar<int8_t>(3, static_cast<int8_t>(act))});
}

TEST(TfliteGraph, Conv2dReadsItsOptionsAndRunsBatched) {
  torch::manual_seed(1);
  const auto w = torch::randn({5, 3, 3, 2}), b = torch::randn({5});
  // 7x9 input, stride (w 2, h 1), SAME, fused RELU6.
  const Graph g = graph_of({activation({1, 7, 9, 2}), weights(w), weights(b), activation({1, 7, 5, 5})},
                           {{builtin::Conv2D, "", {0, 1, 2}, {3}, conv_options(Padding::Same, 2, 1, Activation::Relu6), {}}},
                           {0}, {3});
  EXPECT_TRUE(g.batches_in_one_pass());
  const auto x = torch::randn({3, 7, 9, 2}) * 3;
  const auto out = g.run({x})[0];
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 7, 5, 5}));
  const auto ref = nhwc(ops::conv2d(nchw(x), ops::conv_weight(w), b,
                                    {Padding::Same, 1, 2, 1, 1, 1, Activation::Relu6}));
  EXPECT_LT(max_diff(out, ref), 1e-5);
  EXPECT_LE(out.max().item<double>(), 6.0);
}

TEST(TfliteGraph, DepthwiseFp16WeightsBehindDequantizeAreFolded) {
  torch::manual_seed(2);
  const auto w = torch::randn({1, 3, 3, 6});  // 3 channels x multiplier 2
  const auto w16 = w.to(torch::kHalf);
  std::vector<uint16_t> bits(static_cast<std::size_t>(w16.numel()));
  std::memcpy(bits.data(), w16.contiguous().data_ptr(), bits.size() * 2);
  const auto dw_options = tb::table({tb::scalar<int8_t>(0, 0), tb::scalar<int32_t>(1, 2), tb::scalar<int32_t>(2, 2),
                                     tb::scalar<int32_t>(3, 2)});
  const Graph g = graph_of({activation({1, 8, 8, 3}), tb::constant(dims(w), bits, TensorType::Float16),
                            activation({1, 3, 3, 6}), activation({1, 4, 4, 6})},
                           {{builtin::Dequantize, "", {1}, {2}, nullptr, {}},
                            {builtin::DepthwiseConv2D, "", {0, 2, -1}, {3}, dw_options, {}}},
                           {0}, {3});
  const auto x = torch::randn({2, 8, 8, 3});
  const auto out = g.run({x})[0];
  // The reference uses the fp16-rounded weights, no bias (input -1 = omitted).
  const auto ref = nhwc(ops::conv2d(nchw(x), ops::depthwise_weight(w16.to(torch::kFloat)), {},
                                    {Padding::Same, 2, 2, 1, 1, 3, Activation::None}));
  EXPECT_LT(max_diff(out, ref), 1e-5);
  EXPECT_GT(max_diff(out, nhwc(ops::conv2d(nchw(x), ops::depthwise_weight(w), {},
                                           {Padding::Same, 2, 2, 1, 1, 3, Activation::None}))),
            1e-6);  // fp16 rounding is visible: the weights really went through half precision
}

// A 1x1 identity convolution puts the tensor into the executor's internal NCHW layout, so the ops
// after it see a converted value; their results must still follow NHWC semantics.
struct AfterConv {
  std::vector<tb::TensorSpec> tensors;
  std::vector<tb::OpSpec> ops;
};
AfterConv identity_conv(int32_t c) {
  const auto eye = torch::eye(c).reshape({c, 1, 1, c});
  return {{activation({1, 4, 5, c}), weights(eye), activation({1, 4, 5, c})},
          {{builtin::Conv2D, "", {0, 1, -1}, {2}, conv_options(Padding::Valid, 1, 1, Activation::None), {}}}};
}

TEST(TfliteGraph, PadConcatAddAfterConvKeepNhwcSemantics) {
  auto net = identity_conv(3);
  // PAD channels by (1, 2) and rows by (0, 1), as the detector pads channels before residual adds.
  net.tensors.push_back(ints({0, 0, 0, 1, 0, 0, 1, 2}, {4, 2}));  // 3
  net.tensors.push_back(activation({1, 5, 5, 6}));                // 4
  net.ops.push_back({builtin::Pad, "", {2, 3}, {4}, nullptr, {}});
  // ADD a per-channel constant [6] (broadcast over N, H, W).
  net.tensors.push_back(tb::constant<float>({6}, {1, 2, 3, 4, 5, 6}));  // 5
  net.tensors.push_back(activation({1, 5, 5, 6}));                     // 6
  net.ops.push_back({builtin::Add, "", {4, 5}, {6}, tb::table({tb::scalar<int8_t>(0, 0)}), {}});
  // CONCATENATION along the last axis (-1) with the padded tensor.
  net.tensors.push_back(activation({1, 5, 5, 12}));  // 7
  net.ops.push_back({builtin::Concatenation, "", {6, 4}, {7}, tb::table({tb::scalar<int32_t>(0, -1)}), {}});
  const Graph g = graph_of(net.tensors, net.ops, {0}, {7});
  const auto x = torch::randn({2, 4, 5, 3});
  const auto padded = torch::constant_pad_nd(x, {1, 2, 0, 0, 0, 1});
  const auto added = padded + torch::arange(1, 7).to(torch::kFloat);
  EXPECT_LT(max_diff(g.run({x})[0], torch::cat({added, padded}, 3)), 1e-6);
}

TEST(TfliteGraph, ReshapeMeanSumTransposeSliceAfterConv) {
  auto net = identity_conv(2);
  // RESHAPE [1,4,5,2] -> [1,20,2] (row-major NHWC order, batch substituted).
  net.tensors.push_back(activation({1, 20, 2}));  // 3
  net.ops.push_back({builtin::Reshape, "", {2}, {3}, nullptr, {}});
  // MEAN over axis 1 keep_dims -> [1,1,2]
  net.tensors.push_back(ints({1}));              // 4
  net.tensors.push_back(activation({1, 1, 2}));  // 5
  net.ops.push_back({builtin::Mean, "", {3, 4}, {5}, tb::table({tb::scalar<uint8_t>(0, 1)}), {}});
  // SUM over axis -1 without keep_dims on the conv output -> [1,4,5]
  net.tensors.push_back(ints({-1}));             // 6
  net.tensors.push_back(activation({1, 4, 5}));  // 7
  net.ops.push_back({builtin::Sum, "", {2, 6}, {7}, tb::table({tb::scalar<uint8_t>(0, 0)}), {}});
  // TRANSPOSE the conv output with perm [0,3,1,2] -> [1,2,4,5]
  net.tensors.push_back(ints({0, 3, 1, 2}));        // 8
  net.tensors.push_back(activation({1, 2, 4, 5}));  // 9
  net.ops.push_back({builtin::Transpose, "", {2, 8}, {9}, nullptr, {}});
  // STRIDED_SLICE rows 1:4:2, all columns (end mask), channel 1 shrunk -> [1,2,5]
  net.tensors.push_back(ints({0, 1, 0, 1}));        // 10 begin
  net.tensors.push_back(ints({1, 4, 0, 2}));        // 11 end
  net.tensors.push_back(ints({1, 2, 1, 1}));        // 12 strides
  net.tensors.push_back(activation({1, 2, 5}));     // 13
  net.ops.push_back({builtin::StridedSlice, "", {2, 10, 11, 12}, {13},
                     tb::table({tb::scalar<int32_t>(0, 0), tb::scalar<int32_t>(1, 0b0100), tb::scalar<int32_t>(2, 0),
                                tb::scalar<int32_t>(3, 0), tb::scalar<int32_t>(4, 0b1000)}),
                     {}});
  const Graph g = graph_of(net.tensors, net.ops, {0}, {3, 5, 7, 9, 13});
  EXPECT_FALSE(g.batches_in_one_pass());  // the slice takes batch 0:1 without an end mask
  const auto x = torch::randn({1, 4, 5, 2});
  const auto out = g.run({x});
  EXPECT_LT(max_diff(out[0], x.reshape({1, 20, 2})), 1e-6);
  EXPECT_LT(max_diff(out[1], x.reshape({1, 20, 2}).mean(1, true)), 1e-6);
  EXPECT_LT(max_diff(out[2], x.sum(-1)), 1e-6);
  EXPECT_LT(max_diff(out[3], x.permute({0, 3, 1, 2})), 1e-6);
  EXPECT_LT(max_diff(out[4], x.slice(1, 1, 4, 2).select(3, 1)), 1e-6);
}

TEST(TfliteGraph, ElementwiseUnaryOps) {
  const std::vector<std::pair<int32_t, std::function<torch::Tensor(const torch::Tensor&)>>> cases = {
      {builtin::Relu, [](const torch::Tensor& x) { return x.relu(); }},
      {builtin::Relu6, [](const torch::Tensor& x) { return x.clamp(0, 6); }},
      {builtin::Logistic, [](const torch::Tensor& x) { return x.sigmoid(); }},
      {builtin::Tanh, [](const torch::Tensor& x) { return x.tanh(); }},
      {builtin::HardSwish, [](const torch::Tensor& x) { return x * (x + 3).clamp(0, 6) / 6; }},
      {builtin::Neg, [](const torch::Tensor& x) { return -x; }},
      {builtin::Sqrt, [](const torch::Tensor& x) { return x.abs().sqrt(); }},
      {builtin::Rsqrt, [](const torch::Tensor& x) { return x.abs().rsqrt(); }},
  };
  const auto x = torch::linspace(-7, 7, 2 * 3 * 4 * 5).reshape({2, 3, 4, 5});
  for (const auto& [code, ref] : cases) {
    const bool positive = code == builtin::Sqrt || code == builtin::Rsqrt;
    const Graph g = graph_of({activation({1, 3, 4, 5}), activation({1, 3, 4, 5})}, {{code, "", {0}, {1}, nullptr, {}}},
                             {0}, {1});
    const auto in = positive ? x.abs() + 0.5 : x;
    EXPECT_LT(max_diff(g.run({in})[0], ref(in)), 1e-5) << being::tflite::builtin_name(code);
  }
}

TEST(TfliteGraph, BinaryOpsBroadcastAndFuseActivations) {
  const auto a = torch::randn({2, 3, 4, 2}), bconst = torch::tensor({0.5f, -2.0f});
  const std::vector<std::pair<int32_t, std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>>> cases = {
      {builtin::Add, [](const torch::Tensor& x, const torch::Tensor& y) { return (x + y).relu(); }},
      {builtin::Sub, [](const torch::Tensor& x, const torch::Tensor& y) { return (x - y).relu(); }},
      {builtin::Mul, [](const torch::Tensor& x, const torch::Tensor& y) { return (x * y).relu(); }},
      {builtin::Div, [](const torch::Tensor& x, const torch::Tensor& y) { return (x / y).relu(); }},
      {builtin::SquaredDifference, [](const torch::Tensor& x, const torch::Tensor& y) { return (x - y).square(); }},
      {builtin::Maximum, [](const torch::Tensor& x, const torch::Tensor& y) { return torch::maximum(x, y); }},
      {builtin::Minimum, [](const torch::Tensor& x, const torch::Tensor& y) { return torch::minimum(x, y); }},
      {builtin::Prelu, [](const torch::Tensor& x, const torch::Tensor& y) { return torch::where(x >= 0, x, x * y); }},
  };
  for (const auto& [code, ref] : cases) {
    const bool fused = code == builtin::Add || code == builtin::Sub || code == builtin::Mul || code == builtin::Div;
    const auto options = fused ? tb::table({tb::scalar<int8_t>(0, static_cast<int8_t>(Activation::Relu))}) : nullptr;
    const Graph g = graph_of({activation({1, 3, 4, 2}), weights(bconst), activation({1, 3, 4, 2})},
                             {{code, "", {0, 1}, {2}, options, {}}}, {0}, {2});
    EXPECT_LT(max_diff(g.run({a})[0], ref(a, bconst)), 1e-5) << being::tflite::builtin_name(code);
  }
}

TEST(TfliteGraph, PoolingAndResizeOptions) {
  const auto x = torch::randn({2, 7, 6, 3});
  const auto pool_options = tb::table({tb::scalar<int8_t>(0, 0), tb::scalar<int32_t>(1, 2), tb::scalar<int32_t>(2, 2),
                                       tb::scalar<int32_t>(3, 3), tb::scalar<int32_t>(4, 3)});
  for (int32_t code : {builtin::MaxPool2D, builtin::AveragePool2D}) {
    const Graph g = graph_of({activation({1, 7, 6, 3}), activation({1, 4, 3, 3})},
                             {{code, "", {0}, {1}, pool_options, {}}}, {0}, {1});
    const ops::PoolParams p{Padding::Same, 3, 3, 2, 2, Activation::None};
    const auto ref = nhwc(code == builtin::MaxPool2D ? ops::max_pool(nchw(x), p) : ops::average_pool(nchw(x), p));
    EXPECT_LT(max_diff(g.run({x})[0], ref), 1e-6) << being::tflite::builtin_name(code);
  }
  const auto resize_options = tb::table({tb::scalar<uint8_t>(2, 0), tb::scalar<uint8_t>(3, 1)});
  const Graph g = graph_of({activation({1, 7, 6, 3}), ints({14, 12}), activation({1, 14, 12, 3})},
                           {{builtin::ResizeBilinear, "", {0, 1}, {2}, resize_options, {}}}, {0}, {2});
  EXPECT_LT(max_diff(g.run({x})[0], nhwc(ops::resize_bilinear(nchw(x), 14, 12, false, true))), 1e-6);
}

TEST(TfliteGraph, MediaPipeCustomOpsThroughTheGraph) {
  torch::manual_seed(3);
  // MaxPoolingWithArgmax2D -> MaxUnpooling2D, both with a raw TfLitePoolParams (SAME=1, 2x2, s2).
  const auto pool = tb::raw_params({1, 2, 2, 2, 2, 0, 0, 0});
  // Convolution2DTransposeBias with raw TfLiteTransposeConvParams (SAME=1, stride 2, 2): 3x3 with k 3
  // gives pad 2 and 5x5.
  const auto w = torch::randn({2, 3, 3, 4}), b = torch::randn({2});
  const Graph g = graph_of({activation({1, 6, 6, 4}), activation({1, 3, 3, 4}), activation({1, 3, 3, 4}),
                            activation({1, 6, 6, 4}), weights(w), weights(b), activation({1, 5, 5, 2})},
                           {{builtin::Custom, "MaxPoolingWithArgmax2D", {0}, {1, 2}, nullptr, pool},
                            {builtin::Custom, "MaxUnpooling2D", {1, 2}, {3}, nullptr, pool},
                            {builtin::Custom, "Convolution2DTransposeBias", {1, 4, 5}, {6}, nullptr,
                             tb::raw_params({1, 2, 2})}},
                           {0}, {3, 6});
  EXPECT_TRUE(g.batches_in_one_pass());
  const auto x = torch::randn({2, 6, 6, 4});
  const auto out = g.run({x});
  const ops::PoolParams p{Padding::Same, 2, 2, 2, 2, Activation::None};
  const auto pooled = ops::max_pool_with_argmax(nchw(x), p);
  EXPECT_LT(max_diff(out[0], nhwc(ops::max_unpool(pooled.values, pooled.indices, p))), 1e-6);
  EXPECT_LT(max_diff(out[1], nhwc(ops::transpose_conv_bias(pooled.values, ops::transpose_conv_weight(w), b,
                                                           Padding::Same, 2, 2))),
            1e-5);
  // Unpooling keeps each window's maximum in place.
  EXPECT_LT(max_diff(torch::where(out[0] != 0, x, torch::zeros_like(x)), out[0]), 1e-7);
}

TEST(TfliteGraph, UnsupportedOperatorsAreNamed) {
  const auto expect_error = [](const std::vector<tb::OpSpec>& op_specs, const std::string& needle) {
    try {
      graph_of({activation({1, 4}), activation({1, 4})}, op_specs, {0}, {1});
      ADD_FAILURE() << "no error for " << needle;
    } catch (const ExecutionError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("test.tflite"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  expect_error({{builtin::FullyConnected, "", {0}, {1}, nullptr, {}}}, "FULLY_CONNECTED");
  expect_error({{builtin::Custom, "Landmarks2TransformMatrix", {0}, {1}, nullptr, {}}},
               "custom operator 'Landmarks2TransformMatrix'");
  expect_error({{200, "", {0}, {1}, nullptr, {}}}, "BUILTIN_200");
}

TEST(TfliteGraph, BadInputsAreRejected) {
  const Graph g = graph_of({activation({1, 3, 4, 5}), activation({1, 3, 4, 5})},
                           {{builtin::Relu, "", {0}, {1}, nullptr, {}}}, {0}, {1});
  EXPECT_THROW(g.run({}), ExecutionError);
  EXPECT_THROW(g.run({torch::zeros({1, 3, 4, 6})}), ExecutionError);
  EXPECT_THROW(g.run({torch::zeros({3, 4, 5})}), ExecutionError);
  EXPECT_EQ(g.run({torch::zeros({4, 3, 4, 5}, torch::kDouble)})[0].sizes(), (std::vector<int64_t>{4, 3, 4, 5}));
}

}  // namespace
