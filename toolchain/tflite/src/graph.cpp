#include "being/tflite/graph.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // NoGradGuard: <ATen/ATen.h> brings it in LibTorch 1.13 but not in 2.x

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "being/tflite/ops.h"

namespace being::tflite {

namespace {

std::string op_label(const Operator& op) {
  return op.builtin_code == builtin::Custom ? "CUSTOM:" + op.custom_code : builtin_name(op.builtin_code);
}

std::string shape_text(const std::vector<int32_t>& shape) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << "]";
  return s.str();
}

// A runtime value. Rank-4 activations produced by spatial ops stay in torch's NCHW layout
// (nchw = true) so that chains of convolutions need no permutes; everything else is in the model's
// own layout. Layout-sensitive ops convert at their input.
struct Value {
  at::Tensor t;
  bool nchw = false;
};

at::Tensor model_layout(const Value& v) { return v.nchw ? v.t.permute({0, 2, 3, 1}) : v.t; }

// The value in NCHW, broadcasting lower-rank model-layout operands the way NHWC broadcasting would.
at::Tensor as_nchw(const Value& v) {
  if (v.nchw) return v.t;
  at::Tensor t = v.t;
  if (t.dim() > 4) throw ExecutionError("cannot combine a rank-" + std::to_string(t.dim()) + " tensor with an image");
  while (t.dim() < 4) t = t.unsqueeze(0);
  return t.permute({0, 3, 1, 2});
}

// NHWC axis -> NCHW axis.
int64_t nchw_axis(int64_t nhwc) {
  static const int64_t map[4] = {0, 2, 3, 1};
  return map[nhwc];
}

enum class Kind {
  Conv, DepthwiseConv, TransposeConvBias, MaxPool, AveragePool, MaxPoolArgmax, MaxUnpool,
  Add, Sub, Mul, Div, SquaredDifference, Maximum, Minimum,
  Relu, Relu6, Logistic, Tanh, HardSwish, Sqrt, Rsqrt, Neg, Prelu, Dequantize,
  Pad, Reshape, Concat, Mean, Sum, Transpose, StridedSlice, ResizeBilinear,
};

struct Step {
  std::size_t op_index = 0;
  Kind kind = Kind::Add;
  at::Tensor weight, bias;  // converted to torch layout, on the device
  at::Tensor pointwise;     // [O,I] for 1x1 stride-1 ungrouped convolutions, else undefined
  ops::ConvParams conv;
  ops::PoolParams pool;
  Activation act = Activation::None;
  std::vector<int64_t> ints;         // pads / perm / axes / target shape / resize size
  std::vector<int64_t> begin, end, strides;
  int64_t axis = 0;
};

}  // namespace

struct Graph::Impl {
  std::string name;
  c10::Device device{c10::kCPU};
  SubGraph graph;
  std::vector<at::Tensor> constants;  // per tensor: float/int constant on the device, or undefined
  std::vector<Step> steps;
  bool one_pass = true;

  [[noreturn]] void fail(std::size_t op_index, const std::string& what) const {
    throw ExecutionError(name + ": operator " + std::to_string(op_index) + " (" +
                         op_label(graph.operators[op_index]) + "): " + what);
  }

  void build(const Model& model);
  std::vector<int64_t> int_constant(const std::vector<at::Tensor>& host, int32_t tensor, std::size_t k) const;
  std::vector<at::Tensor> run_once(const std::vector<at::Tensor>& inputs) const;
  void execute(const Step& s, std::vector<std::optional<Value>>& values) const;
};

namespace {

at::Tensor host_constant(const Model& model, const Tensor& t, const std::string& where) {
  const uint8_t* data = model.buffer_data(t);
  if (!data) return {};
  std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
  switch (t.type) {
    case TensorType::Float32:
      return at::from_blob(const_cast<uint8_t*>(data), shape, at::kFloat).clone();
    case TensorType::Float16:
      return ops::dequantize_fp16(reinterpret_cast<const uint16_t*>(data), shape);
    case TensorType::Int32:
      return at::from_blob(const_cast<uint8_t*>(data), shape, at::kInt).to(at::kLong);
    case TensorType::Int64:
      return at::from_blob(const_cast<uint8_t*>(data), shape, at::kLong).clone();
    default:
      throw ExecutionError(where + ": constant tensor '" + t.name + "' has unsupported type " +
                           tensor_type_name(t.type));
  }
}

}  // namespace

std::vector<int64_t> Graph::Impl::int_constant(const std::vector<at::Tensor>& host, int32_t tensor,
                                               std::size_t k) const {
  if (tensor < 0 || !host[tensor].defined()) fail(k, "expects a constant integer tensor as input");
  const at::Tensor t = host[tensor].to(at::kLong).contiguous();
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

void Graph::Impl::build(const Model& model) {
  std::vector<at::Tensor> host(graph.tensors.size());
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    host[i] = host_constant(model, graph.tensors[i], name + ": tensor " + std::to_string(i));
  }
  const auto input = [&](const Operator& op, std::size_t i) -> int32_t {
    return i < op.inputs.size() ? op.inputs[i] : -1;
  };
  const auto static_shape = [&](int32_t tensor) -> const std::vector<int32_t>& { return graph.tensors[tensor].shape; };
  const auto need_inputs = [&](std::size_t k, std::size_t n) {
    const Operator& op = graph.operators[k];
    if (op.inputs.size() < n || op.outputs.empty()) fail(k, "expects " + std::to_string(n) + " inputs");
    for (std::size_t i = 0; i < n; ++i) {
      if (op.inputs[i] < 0) fail(k, "input " + std::to_string(i) + " is missing");
    }
  };
  // Tensors whose first dimension is not a batch of one mean the graph mixes the batch with other
  // dimensions somewhere; such graphs run sample by sample.
  const auto batch_unsafe = [&](int32_t tensor) {
    const auto& shape = static_shape(tensor);
    return shape.empty() || shape[0] != 1;
  };

  for (std::size_t k = 0; k < graph.operators.size(); ++k) {
    const Operator& op = graph.operators[k];
    const BuiltinOptions& o = op.options;
    Step s;
    s.op_index = k;
    const auto weight = [&](int32_t tensor, const char* what) {
      if (tensor < 0 || !host[tensor].defined()) fail(k, std::string(what) + " must be a constant");
      return host[tensor];
    };
    const auto optional_bias = [&](int32_t tensor) {
      return tensor < 0 ? at::Tensor() : weight(tensor, "bias").to(device);
    };
    switch (op.builtin_code) {
      case builtin::Dequantize: {
        need_inputs(k, 1);
        if (host[op.inputs[0]].defined()) {
          host[op.outputs[0]] = host[op.inputs[0]].to(at::kFloat);  // folded: fp16 weights become float32
          continue;
        }
        s.kind = Kind::Dequantize;
        break;
      }
      case builtin::Conv2D:
      case builtin::DepthwiseConv2D: {
        need_inputs(k, 2);
        const bool depthwise = op.builtin_code == builtin::DepthwiseConv2D;
        const at::Tensor w = weight(op.inputs[1], "weights");
        const auto& in_shape = static_shape(op.inputs[0]);
        if (w.dim() != 4 || in_shape.size() != 4) fail(k, "expects a rank-4 input and rank-4 weights");
        const int64_t in_channels = in_shape[3];
        s.kind = depthwise ? Kind::DepthwiseConv : Kind::Conv;
        s.weight = (depthwise ? ops::depthwise_weight(w) : ops::conv_weight(w)).to(device);
        s.bias = optional_bias(input(op, 2));
        s.conv = {o.padding, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, 1, o.activation};
        if (depthwise) {
          if (w.size(3) != in_channels * o.depth_multiplier) {
            fail(k, "weights have " + std::to_string(w.size(3)) + " channels, input " + std::to_string(in_channels) +
                        " x depth multiplier " + std::to_string(o.depth_multiplier));
          }
          s.conv.groups = in_channels;
        } else {
          if (w.size(3) == 0 || in_channels % w.size(3) != 0) fail(k, "input channels do not match the weights");
          s.conv.groups = in_channels / w.size(3);
          if (w.size(1) == 1 && w.size(2) == 1 && s.conv.groups == 1 && o.stride_h == 1 && o.stride_w == 1) {
            s.pointwise = s.weight.reshape({w.size(0), w.size(3)});
          }
        }
        break;
      }
      case builtin::MaxPool2D:
      case builtin::AveragePool2D:
        need_inputs(k, 1);
        s.kind = op.builtin_code == builtin::MaxPool2D ? Kind::MaxPool : Kind::AveragePool;
        s.pool = {o.padding, o.filter_h, o.filter_w, o.stride_h, o.stride_w, o.activation};
        break;
      case builtin::Custom: {
        if (op.custom_code == "Convolution2DTransposeBias") {
          need_inputs(k, 3);
          const CustomPoolOptions c = model.custom_pool_options(op);
          s.kind = Kind::TransposeConvBias;
          s.weight = ops::transpose_conv_weight(weight(op.inputs[1], "weights")).to(device);
          s.bias = optional_bias(op.inputs[2]);
          s.pool = {c.padding, 1, 1, c.stride_h, c.stride_w, Activation::None};
        } else if (op.custom_code == "MaxPoolingWithArgmax2D" || op.custom_code == "MaxUnpooling2D") {
          const bool unpool = op.custom_code == "MaxUnpooling2D";
          need_inputs(k, unpool ? 2 : 1);
          if (!unpool && op.outputs.size() != 2) fail(k, "expects two outputs (values, indices)");
          const CustomPoolOptions c = model.custom_pool_options(op);
          s.kind = unpool ? Kind::MaxUnpool : Kind::MaxPoolArgmax;
          s.pool = {c.padding, c.filter_h, c.filter_w, c.stride_h, c.stride_w, c.activation};
          if (unpool && (c.stride_h < c.filter_h || c.stride_w < c.filter_w)) {
            fail(k, "overlapping unpooling windows are not supported");
          }
        } else {
          fail(k, "custom operator '" + op.custom_code + "' is not supported by this executor");
        }
        break;
      }
      case builtin::Add: s.kind = Kind::Add; break;
      case builtin::Sub: s.kind = Kind::Sub; break;
      case builtin::Mul: s.kind = Kind::Mul; break;
      case builtin::Div: s.kind = Kind::Div; break;
      case builtin::SquaredDifference: s.kind = Kind::SquaredDifference; break;
      case builtin::Maximum: s.kind = Kind::Maximum; break;
      case builtin::Minimum: s.kind = Kind::Minimum; break;
      case builtin::Relu: s.kind = Kind::Relu; break;
      case builtin::Relu6: s.kind = Kind::Relu6; break;
      case builtin::Logistic: s.kind = Kind::Logistic; break;
      case builtin::Tanh: s.kind = Kind::Tanh; break;
      case builtin::HardSwish: s.kind = Kind::HardSwish; break;
      case builtin::Sqrt: s.kind = Kind::Sqrt; break;
      case builtin::Rsqrt: s.kind = Kind::Rsqrt; break;
      case builtin::Neg: s.kind = Kind::Neg; break;
      case builtin::Prelu: s.kind = Kind::Prelu; break;
      case builtin::Pad: {
        need_inputs(k, 2);
        s.kind = Kind::Pad;
        s.ints = int_constant(host, op.inputs[1], k);
        const std::size_t rank = static_shape(op.inputs[0]).size();
        if (s.ints.size() != 2 * rank) fail(k, "paddings must be [rank, 2]");
        for (int64_t p : s.ints) {
          if (p < 0) fail(k, "negative padding");
        }
        if (rank > 0 && (s.ints[0] != 0 || s.ints[1] != 0)) one_pass = false;
        break;
      }
      case builtin::Reshape: {
        need_inputs(k, 1);
        s.kind = Kind::Reshape;
        const auto& in = static_shape(op.inputs[0]);
        const auto& out = static_shape(op.outputs[0]);
        s.ints.assign(out.begin(), out.end());
        if (in.empty() || out.empty() || in[0] != 1 || out[0] != 1) one_pass = false;
        break;
      }
      case builtin::Concatenation: {
        need_inputs(k, 1);
        s.kind = Kind::Concat;
        const int64_t rank = static_cast<int64_t>(static_shape(op.inputs[0]).size());
        s.axis = o.axis < 0 ? o.axis + rank : o.axis;
        if (s.axis < 0 || s.axis >= rank) fail(k, "axis out of range");
        if (s.axis == 0) one_pass = false;
        s.act = o.activation;
        break;
      }
      case builtin::Mean:
      case builtin::Sum: {
        need_inputs(k, 2);
        s.kind = op.builtin_code == builtin::Mean ? Kind::Mean : Kind::Sum;
        const int64_t rank = static_cast<int64_t>(static_shape(op.inputs[0]).size());
        std::set<int64_t> axes;
        for (int64_t a : int_constant(host, op.inputs[1], k)) {
          const int64_t axis = a < 0 ? a + rank : a;
          if (axis < 0 || axis >= rank) fail(k, "reduction axis out of range");
          axes.insert(axis);
        }
        s.ints.assign(axes.begin(), axes.end());
        if (axes.count(0)) one_pass = false;
        break;
      }
      case builtin::Transpose: {
        need_inputs(k, 2);
        s.kind = Kind::Transpose;
        s.ints = int_constant(host, op.inputs[1], k);
        std::vector<int64_t> sorted = s.ints;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < sorted.size(); ++i) {
          if (sorted[i] != static_cast<int64_t>(i)) fail(k, "permutation is not a permutation");
        }
        if (sorted.size() != static_shape(op.inputs[0]).size()) fail(k, "permutation rank mismatch");
        if (s.ints.empty() || s.ints[0] != 0) one_pass = false;
        break;
      }
      case builtin::StridedSlice: {
        need_inputs(k, 4);
        s.kind = Kind::StridedSlice;
        s.begin = int_constant(host, op.inputs[1], k);
        s.end = int_constant(host, op.inputs[2], k);
        s.strides = int_constant(host, op.inputs[3], k);
        if (o.ellipsis_mask || o.new_axis_mask) fail(k, "ellipsis and new-axis masks are not supported");
        const std::size_t rank = static_shape(op.inputs[0]).size();
        if (s.begin.size() != rank || s.end.size() != rank || s.strides.size() != rank) {
          fail(k, "begin/end/strides must have one entry per dimension");
        }
        for (int64_t st : s.strides) {
          if (st <= 0) fail(k, "non-positive strides are not supported");
        }
        const bool whole_batch = (o.begin_mask & 1 || s.begin[0] == 0) && (o.end_mask & 1) &&
                                 s.strides[0] == 1 && !(o.shrink_axis_mask & 1);
        if (!whole_batch) one_pass = false;
        break;
      }
      case builtin::ResizeBilinear: {
        need_inputs(k, 2);
        s.kind = Kind::ResizeBilinear;
        s.ints = int_constant(host, op.inputs[1], k);
        if (s.ints.size() != 2 || s.ints[0] <= 0 || s.ints[1] <= 0) fail(k, "size must be 2 positive values");
        break;
      }
      default:
        fail(k, "this operator is not supported by the executor (see docs/tflite.md for the supported set)");
    }
    if (s.kind == Kind::Add || s.kind == Kind::Sub || s.kind == Kind::Mul || s.kind == Kind::Div) {
      need_inputs(k, 2);
      s.act = o.activation;
    }
    if (s.kind == Kind::SquaredDifference || s.kind == Kind::Maximum || s.kind == Kind::Minimum ||
        s.kind == Kind::Prelu) {
      need_inputs(k, 2);
    }
    need_inputs(k, 1);
    for (int32_t out : op.outputs) {
      if (batch_unsafe(out)) one_pass = false;
    }
    steps.push_back(std::move(s));
  }

  constants.resize(graph.tensors.size());
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (host[i].defined()) constants[i] = host[i].to(device);
  }
  for (int32_t i : graph.inputs) {
    if (constants[i].defined()) throw ExecutionError(name + ": graph input " + std::to_string(i) + " is a constant");
    if (batch_unsafe(i)) one_pass = false;
  }
}

void Graph::Impl::execute(const Step& s, std::vector<std::optional<Value>>& values) const {
  const Operator& op = graph.operators[s.op_index];
  const auto in = [&](std::size_t i) -> const Value& {
    const auto& v = values[op.inputs[i]];
    if (!v) fail(s.op_index, "input tensor " + std::to_string(op.inputs[i]) + " has no value");
    return *v;
  };
  // Every result must have the shape the model declares (up to the batch): catches both a malformed
  // model and a semantic slip in an op before it spreads through the graph.
  const auto set = [&](std::size_t i, at::Tensor t, bool nchw) {
    const auto& declared = graph.tensors[op.outputs[i]].shape;
    bool ok = t.dim() == static_cast<int64_t>(declared.size());
    for (int64_t d = 1; ok && d < t.dim(); ++d) {
      const int64_t actual = nchw ? t.size(d == 3 ? 1 : d + 1) : t.size(d);
      ok = actual == declared[d];
    }
    if (!ok) {
      const at::Tensor shown = nchw ? t.permute({0, 2, 3, 1}) : t;
      std::vector<int32_t> got(shown.sizes().begin(), shown.sizes().end());
      fail(s.op_index, "output " + std::to_string(i) + " has shape " + shape_text(got) + ", the model declares " +
                           shape_text(declared));
    }
    values[op.outputs[i]] = Value{std::move(t), nchw};
  };
  const auto binary = [&](auto fn) {
    const Value& a = in(0);
    const Value& b = in(1);
    if (a.nchw || b.nchw) {
      set(0, ops::activation(fn(as_nchw(a), as_nchw(b)), s.act), true);
    } else {
      set(0, ops::activation(fn(a.t, b.t), s.act), false);
    }
  };
  const auto unary = [&](auto fn) { set(0, fn(in(0).t), in(0).nchw); };
  const auto spatial = [&](const Value& v) {
    if (v.t.dim() != 4) fail(s.op_index, "expects a rank-4 input, got rank " + std::to_string(v.t.dim()));
    return as_nchw(v);
  };

  switch (s.kind) {
    case Kind::Conv:
      // A pointwise convolution on a value still in the model's layout is a matrix product over the
      // channels: no permutes (the blendshape model runs all its convolutions this way).
      if (s.pointwise.defined() && !in(0).nchw) {
        set(0, ops::activation(at::linear(in(0).t, s.pointwise, s.bias), s.conv.activation), false);
      } else {
        set(0, ops::conv2d(spatial(in(0)), s.weight, s.bias, s.conv), true);
      }
      break;
    case Kind::DepthwiseConv: set(0, ops::conv2d(spatial(in(0)), s.weight, s.bias, s.conv), true); break;
    case Kind::TransposeConvBias:
      set(0, ops::transpose_conv_bias(spatial(in(0)), s.weight, s.bias, s.pool.padding, s.pool.stride_h,
                                      s.pool.stride_w), true);
      break;
    case Kind::MaxPool: set(0, ops::max_pool(spatial(in(0)), s.pool), true); break;
    case Kind::AveragePool: set(0, ops::average_pool(spatial(in(0)), s.pool), true); break;
    case Kind::MaxPoolArgmax: {
      ops::PoolWithArgmax r = ops::max_pool_with_argmax(spatial(in(0)), s.pool);
      set(0, std::move(r.values), true);
      set(1, std::move(r.indices), true);
      break;
    }
    case Kind::MaxUnpool: set(0, ops::max_unpool(spatial(in(0)), spatial(in(1)), s.pool), true); break;
    case Kind::Add: binary([](const at::Tensor& a, const at::Tensor& b) { return a + b; }); break;
    case Kind::Sub: binary([](const at::Tensor& a, const at::Tensor& b) { return a - b; }); break;
    case Kind::Mul: binary([](const at::Tensor& a, const at::Tensor& b) { return a * b; }); break;
    case Kind::Div: binary([](const at::Tensor& a, const at::Tensor& b) { return a / b; }); break;
    case Kind::SquaredDifference:
      binary([](const at::Tensor& a, const at::Tensor& b) { return (a - b) * (a - b); });
      break;
    case Kind::Maximum: binary([](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }); break;
    case Kind::Minimum: binary([](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }); break;
    case Kind::Prelu: binary([](const at::Tensor& x, const at::Tensor& alpha) { return ops::prelu(x, alpha); }); break;
    case Kind::Relu: unary([](const at::Tensor& x) { return at::relu(x); }); break;
    case Kind::Relu6: unary([](const at::Tensor& x) { return at::clamp(x, 0.0, 6.0); }); break;
    case Kind::Logistic: unary([](const at::Tensor& x) { return at::sigmoid(x); }); break;
    case Kind::Tanh: unary([](const at::Tensor& x) { return at::tanh(x); }); break;
    case Kind::HardSwish: unary([](const at::Tensor& x) { return ops::hard_swish(x); }); break;
    case Kind::Sqrt: unary([](const at::Tensor& x) { return at::sqrt(x); }); break;
    case Kind::Rsqrt: unary([](const at::Tensor& x) { return at::rsqrt(x); }); break;
    case Kind::Neg: unary([](const at::Tensor& x) { return at::neg(x); }); break;
    case Kind::Dequantize: unary([](const at::Tensor& x) { return x.to(at::kFloat); }); break;
    case Kind::Pad: {
      const Value& v = in(0);
      const int64_t rank = v.t.dim();
      if (static_cast<int64_t>(s.ints.size()) != 2 * rank) fail(s.op_index, "paddings do not match the input rank");
      std::vector<int64_t> pads;  // torch order: last dimension first
      for (int64_t d = rank - 1; d >= 0; --d) {
        const int64_t src = v.nchw ? (d == 1 ? 3 : d == 0 ? 0 : d - 1) : d;
        pads.push_back(s.ints[2 * src]);
        pads.push_back(s.ints[2 * src + 1]);
      }
      set(0, at::constant_pad_nd(v.t, pads, 0.0), v.nchw);
      break;
    }
    case Kind::Reshape: {
      const at::Tensor x = model_layout(in(0));
      std::vector<int64_t> shape = s.ints;
      const auto& in_static = graph.tensors[op.inputs[0]].shape;
      if (!shape.empty() && !in_static.empty() && in_static[0] == 1 && shape[0] == 1) shape[0] = x.size(0);
      int64_t count = 1;
      for (int64_t d : shape) count *= d;
      if (count != x.numel()) fail(s.op_index, "cannot reshape " + std::to_string(x.numel()) + " elements");
      set(0, x.reshape(shape), false);
      break;
    }
    case Kind::Concat: {
      bool any_nchw = false, all_rank4 = true;
      for (std::size_t i = 0; i < op.inputs.size(); ++i) {
        any_nchw = any_nchw || in(i).nchw;
        all_rank4 = all_rank4 && in(i).t.dim() == 4;
      }
      std::vector<at::Tensor> parts;
      const bool nchw = any_nchw && all_rank4;
      for (std::size_t i = 0; i < op.inputs.size(); ++i) parts.push_back(nchw ? as_nchw(in(i)) : model_layout(in(i)));
      set(0, ops::activation(at::cat(parts, nchw ? nchw_axis(s.axis) : s.axis), s.act), nchw);
      break;
    }
    case Kind::Mean:
    case Kind::Sum: {
      const at::Tensor x = model_layout(in(0));
      const bool keep = op.options.keep_dims;
      set(0, s.kind == Kind::Mean ? at::mean(x, at::IntArrayRef(s.ints), keep) : at::sum(x, at::IntArrayRef(s.ints), keep), false);
      break;
    }
    case Kind::Transpose: set(0, model_layout(in(0)).permute(s.ints), false); break;
    case Kind::StridedSlice:
      set(0, ops::strided_slice(model_layout(in(0)), s.begin, s.end, s.strides, op.options), false);
      break;
    case Kind::ResizeBilinear:
      set(0, ops::resize_bilinear(spatial(in(0)), s.ints[0], s.ints[1], op.options.align_corners,
                                  op.options.half_pixel_centers), true);
      break;
  }
}

std::vector<at::Tensor> Graph::Impl::run_once(const std::vector<at::Tensor>& inputs) const {
  std::vector<std::optional<Value>> values(graph.tensors.size());
  for (std::size_t i = 0; i < constants.size(); ++i) {
    if (constants[i].defined()) values[i] = Value{constants[i], false};
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) values[graph.inputs[i]] = Value{inputs[i], false};
  for (const Step& s : steps) execute(s, values);
  std::vector<at::Tensor> outputs;
  for (int32_t o : graph.outputs) {
    if (!values[o]) throw ExecutionError(name + ": output tensor " + std::to_string(o) + " was never computed");
    outputs.push_back(model_layout(*values[o]).contiguous());
  }
  return outputs;
}

Graph::Graph(const Model& model, const c10::Device& device) : impl_(std::make_unique<Impl>()) {
  impl_->name = model.name();
  impl_->device = device;
  impl_->graph = model.main_graph();
  impl_->build(model);
}

Graph Graph::load(const std::filesystem::path& file, const c10::Device& device) {
  return Graph(Model::load(file), device);
}

Graph::~Graph() = default;
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;

std::vector<at::Tensor> Graph::run(const std::vector<at::Tensor>& inputs) const {
  const Impl& g = *impl_;
  if (inputs.size() != g.graph.inputs.size()) {
    throw ExecutionError(g.name + ": expected " + std::to_string(g.graph.inputs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  }
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> prepared;
  int64_t batch = -1;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& shape = g.graph.tensors[g.graph.inputs[i]].shape;
    const at::Tensor& x = inputs[i];
    bool ok = x.defined() && x.dim() == static_cast<int64_t>(shape.size()) && x.dim() > 0;
    for (int64_t d = 1; ok && d < x.dim(); ++d) ok = x.size(d) == shape[d];
    if (ok && batch >= 0) ok = x.size(0) == batch;
    if (!ok) {
      throw ExecutionError(g.name + ": input " + std::to_string(i) + " must have shape " + shape_text(shape) +
                           " (any batch size in dimension 0, the same for every input)");
    }
    batch = x.size(0);
    prepared.push_back(x.to(g.device, at::kFloat));
  }
  if (g.one_pass || batch == 1) return g.run_once(prepared);

  std::vector<std::vector<at::Tensor>> per_output(g.graph.outputs.size());
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<at::Tensor> one;
    for (const at::Tensor& x : prepared) one.push_back(x.slice(0, b, b + 1));
    std::vector<at::Tensor> out = g.run_once(one);
    for (std::size_t o = 0; o < out.size(); ++o) per_output[o].push_back(out[o]);
  }
  std::vector<at::Tensor> outputs;
  for (std::size_t o = 0; o < per_output.size(); ++o) {
    const auto& shape = g.graph.tensors[g.graph.outputs[o]].shape;
    const bool leading_one = !shape.empty() && shape[0] == 1;
    outputs.push_back(leading_one ? at::cat(per_output[o], 0) : at::stack(per_output[o], 0));
  }
  return outputs;
}

const std::string& Graph::model_name() const { return impl_->name; }
const c10::Device& Graph::device() const { return impl_->device; }
std::size_t Graph::input_count() const { return impl_->graph.inputs.size(); }
std::size_t Graph::output_count() const { return impl_->graph.outputs.size(); }
const std::vector<int32_t>& Graph::input_shape(std::size_t i) const {
  return impl_->graph.tensors.at(impl_->graph.inputs.at(i)).shape;
}
const std::vector<int32_t>& Graph::output_shape(std::size_t i) const {
  return impl_->graph.tensors.at(impl_->graph.outputs.at(i)).shape;
}
const std::string& Graph::output_name(std::size_t i) const {
  return impl_->graph.tensors.at(impl_->graph.outputs.at(i)).name;
}
bool Graph::batches_in_one_pass() const { return impl_->one_pass; }

}  // namespace being::tflite
