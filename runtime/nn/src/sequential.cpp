#include "being/nn/sequential.h"

#include <Eigen/Dense>

#include <cmath>
#include <stdexcept>

namespace being::nn {
namespace {

using asset::LayerType;
// Row-major views: a sequence is [rows, features], PyTorch weights are [out, in].
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using ConstVectorMap = Eigen::Map<const Eigen::RowVectorXf>;

std::vector<float> values_of(const asset::Network& network, const std::string& name) {
  for (const auto& t : network.tensors)
    if (t.name == name) return asset::tensor_values(t);
  throw std::invalid_argument("network " + network.name + " has no tensor " + name + " (validate the asset first)");
}

int64_t conv_rows(const asset::Layer& l, int64_t rows) {
  const int64_t span = l.dilation * (l.kernel - 1) + 1;
  const int64_t padded = rows + 2 * l.padding;
  return padded < span ? 0 : (padded - span) / l.stride + 1;
}

// y = x W^T + b over rows.
Matrix linear(const Matrix& x, const std::vector<float>& w, const std::vector<float>& b, int64_t out, int64_t in) {
  Matrix y = x * ConstMatrixMap(w.data(), out, in).transpose();
  y.rowwise() += ConstVectorMap(b.data(), out);
  return y;
}

Matrix conv1d(const Matrix& x, const asset::Layer& l, const std::vector<float>& w, const std::vector<float>& b) {
  const int64_t rows_out = conv_rows(l, x.rows());
  if (rows_out == 0)
    throw std::invalid_argument("conv1d: " + std::to_string(x.rows()) + " rows in, but kernel " + std::to_string(l.kernel) +
                                " with dilation " + std::to_string(l.dilation) + " and padding " + std::to_string(l.padding) +
                                " needs at least " + std::to_string(l.dilation * (l.kernel - 1) + 1 - 2 * l.padding));
  Matrix y(rows_out, l.out);
  y.rowwise() = ConstVectorMap(b.data(), l.out);
  // weight [out, in, kernel]: one [out, in] slice per tap, applied to the shifted input rows.
  for (int64_t k = 0; k < l.kernel; ++k) {
    Matrix tap(l.out, l.in);
    for (int64_t o = 0; o < l.out; ++o)
      for (int64_t i = 0; i < l.in; ++i) tap(o, i) = w[(o * l.in + i) * l.kernel + k];
    for (int64_t t = 0; t < rows_out; ++t) {
      const int64_t source = t * l.stride - l.padding + k * l.dilation;
      if (source < 0 || source >= x.rows()) continue;
      y.row(t).noalias() += x.row(source) * tap.transpose();
    }
  }
  return y;
}

void layer_norm(Matrix& x, const std::vector<float>& w, const std::vector<float>& b) {
  constexpr float kEps = 1e-5f;
  for (int64_t r = 0; r < x.rows(); ++r) {
    auto row = x.row(r);
    const float mean = row.mean();
    const float var = (row.array() - mean).square().mean();
    row = ((row.array() - mean) / std::sqrt(var + kEps)).matrix();
    row.array() = row.array() * ConstVectorMap(w.data(), x.cols()).array() + ConstVectorMap(b.data(), x.cols()).array();
  }
}

Matrix self_attention(const Matrix& x, const asset::Layer& l, const std::vector<float>& in_w, const std::vector<float>& in_b,
                      const std::vector<float>& out_w, const std::vector<float>& out_b) {
  const int64_t dim = l.dim, heads = l.heads, head_dim = dim / heads;
  const Matrix qkv = linear(x, in_w, in_b, 3 * dim, dim);  // [rows, q | k | v]
  Matrix context(x.rows(), dim);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t h = 0; h < heads; ++h) {
    const Matrix q = qkv.middleCols(h * head_dim, head_dim) * scale;
    const Matrix k = qkv.middleCols(dim + h * head_dim, head_dim);
    const Matrix v = qkv.middleCols(2 * dim + h * head_dim, head_dim);
    Matrix scores = q * k.transpose();
    for (int64_t r = 0; r < scores.rows(); ++r) {
      auto row = scores.row(r);
      row.array() -= row.maxCoeff();
      row = row.array().exp().matrix();
      row /= row.sum();
    }
    context.middleCols(h * head_dim, head_dim) = scores * v;
  }
  return linear(context, out_w, out_b, dim, dim);
}

void activate(Matrix& x, LayerType type) {
  auto a = x.array();
  switch (type) {
    case LayerType::relu: a = a.max(0.0f); break;
    case LayerType::gelu: x = x.unaryExpr([](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); }); break;
    case LayerType::silu: a = a / (1.0f + (-a).exp()); break;
    case LayerType::tanh: a = a.tanh(); break;
    case LayerType::sigmoid: a = 1.0f / (1.0f + (-a).exp()); break;
    default: break;
  }
}

}  // namespace

Sequential::Sequential(const asset::Network& network) : input_dim_(network.input_dim), output_dim_(network.output_dim) {
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    Step step;
    step.layer = network.layers[i];
    const std::string prefix = "layers." + std::to_string(i) + ".";
    switch (step.layer.type) {
      case LayerType::linear:
      case LayerType::conv1d:
      case LayerType::layer_norm:
        step.weight = values_of(network, prefix + "weight");
        step.bias = values_of(network, prefix + "bias");
        break;
      case LayerType::self_attention:
        step.weight = values_of(network, prefix + "in_proj.weight");
        step.bias = values_of(network, prefix + "in_proj.bias");
        step.out_weight = values_of(network, prefix + "out_proj.weight");
        step.out_bias = values_of(network, prefix + "out_proj.bias");
        break;
      default: break;
    }
    steps_.push_back(std::move(step));
  }
}

int64_t Sequential::output_rows(int64_t rows) const {
  for (const Step& s : steps_)
    if (s.layer.type == LayerType::conv1d) rows = conv_rows(s.layer, rows);
  return rows;
}

std::vector<float> Sequential::forward(const float* in, int64_t rows) const {
  if (rows < 0) throw std::invalid_argument("Sequential::forward: negative row count");
  Matrix x = ConstMatrixMap(in, rows, input_dim_);
  for (const Step& s : steps_) {
    const auto& l = s.layer;
    switch (l.type) {
      case LayerType::linear: x = linear(x, s.weight, s.bias, l.out, l.in); break;
      case LayerType::conv1d: x = conv1d(x, l, s.weight, s.bias); break;
      case LayerType::layer_norm: layer_norm(x, s.weight, s.bias); break;
      case LayerType::self_attention: x = self_attention(x, l, s.weight, s.bias, s.out_weight, s.out_bias); break;
      default: activate(x, l.type); break;
    }
  }
  return std::vector<float>(x.data(), x.data() + x.size());
}

}  // namespace being::nn
