#include "being/audio_model/encoder_net.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace being::audio_model {
namespace {

using asset::LayerType;

std::string key(std::size_t layer, const std::string& name) { return "layers." + std::to_string(layer) + "." + name; }

// PyTorch's default initialisation of Linear / Conv1d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// weight and bias (kaiming_uniform with a = sqrt(5) gives that bound for the weight).
torch::Tensor uniform(std::vector<int64_t> shape, double bound) {
  return torch::empty(shape, torch::kFloat32).uniform_(-bound, bound);
}

}  // namespace

EncoderNet::EncoderNet(const asset::Network& layout, torch::Tensor code_mean, torch::Tensor code_scale, double dropout)
    : layout_(layout), dropout_(dropout) {
  if (!(dropout >= 0.0 && dropout < 1.0)) throw std::invalid_argument("EncoderNet: dropout must be in [0, 1)");
  layout_.tensors.clear();
  for (std::size_t i = 0; i < layout_.layers.size(); ++i) {
    const asset::Layer& l = layout_.layers[i];
    switch (l.type) {
      case LayerType::linear: {
        const double bound = 1.0 / std::sqrt(static_cast<double>(l.in));
        params_[key(i, "weight")] = uniform({l.out, l.in}, bound);
        params_[key(i, "bias")] = uniform({l.out}, bound);
        break;
      }
      case LayerType::conv1d: {
        const double bound = 1.0 / std::sqrt(static_cast<double>(l.in * l.kernel));
        params_[key(i, "weight")] = uniform({l.out, l.in, l.kernel}, bound);
        params_[key(i, "bias")] = uniform({l.out}, bound);
        break;
      }
      case LayerType::layer_norm:
        params_[key(i, "weight")] = torch::ones({l.dim});
        params_[key(i, "bias")] = torch::zeros({l.dim});
        break;
      case LayerType::self_attention:
        // nn.MultiheadAttention: xavier_uniform in_proj, zero biases, Linear-default out_proj weight.
        params_[key(i, "in_proj.weight")] = uniform({3 * l.dim, l.dim}, std::sqrt(6.0 / (4.0 * l.dim)));
        params_[key(i, "in_proj.bias")] = torch::zeros({3 * l.dim});
        params_[key(i, "out_proj.weight")] = uniform({l.dim, l.dim}, 1.0 / std::sqrt(static_cast<double>(l.dim)));
        params_[key(i, "out_proj.bias")] = torch::zeros({l.dim});
        break;
      default: break;
    }
  }
  for (auto& [name, tensor] : params_) {
    std::string module_name = name;  // register_parameter rejects dots
    for (char& c : module_name)
      if (c == '.') c = '_';
    tensor = register_parameter(module_name, tensor);
  }
  if (layout_.layers.empty() || layout_.layers.back().type != LayerType::linear)
    throw std::invalid_argument("EncoderNet: the last layer must be linear (the code standardisation is folded into it)");
  if (code_mean.numel() != layout_.output_dim || code_scale.numel() != layout_.output_dim)
    throw std::invalid_argument("EncoderNet: code mean/scale need " + std::to_string(layout_.output_dim) + " values");
  code_mean_ = register_buffer("code_mean", code_mean.to(torch::kFloat32).reshape({layout_.output_dim}));
  code_scale_ = register_buffer("code_scale", code_scale.to(torch::kFloat32).reshape({layout_.output_dim}));
}

torch::Tensor EncoderNet::param(std::size_t layer, const std::string& name) const { return params_.at(key(layer, name)); }

torch::Tensor EncoderNet::forward(torch::Tensor x) {
  for (std::size_t i = 0; i < layout_.layers.size(); ++i) {
    const asset::Layer& l = layout_.layers[i];
    switch (l.type) {
      case LayerType::linear: x = torch::linear(x, param(i, "weight"), param(i, "bias")); break;
      case LayerType::conv1d:
        // Sequential runs conv1d over rows (time) with features as channels: [B, T, C] <-> [B, C, T].
        x = torch::conv1d(x.transpose(1, 2), param(i, "weight"), param(i, "bias"), {l.stride}, {l.padding}, {l.dilation})
                .transpose(1, 2);
        break;
      case LayerType::layer_norm: x = torch::layer_norm(x, {l.dim}, param(i, "weight"), param(i, "bias"), 1e-5); break;
      case LayerType::self_attention: {
        const int64_t batch = x.size(0), rows = x.size(1), head_dim = l.dim / l.heads;
        const auto qkv = torch::linear(x, param(i, "in_proj.weight"), param(i, "in_proj.bias")).chunk(3, -1);
        const auto heads = [&](const torch::Tensor& t) { return t.reshape({batch, rows, l.heads, head_dim}).transpose(1, 2); };
        const auto q = heads(qkv[0]) * (1.0 / std::sqrt(static_cast<double>(head_dim)));
        const auto attention = torch::softmax(torch::matmul(q, heads(qkv[1]).transpose(-2, -1)), -1);
        const auto context = torch::matmul(attention, heads(qkv[2])).transpose(1, 2).reshape({batch, rows, l.dim});
        x = torch::linear(context, param(i, "out_proj.weight"), param(i, "out_proj.bias"));
        break;
      }
      case LayerType::relu: x = torch::relu(x); break;
      // The exact (erf) GELU written out: LibTorch 1.13's torch::gelu gave garbage gradients behind
      // the attention layer here (run-to-run different, up to 1e12).
      case LayerType::gelu: x = 0.5 * x * (1.0 + torch::erf(x * M_SQRT1_2)); break;
      case LayerType::silu: x = torch::silu(x); break;
      case LayerType::tanh: x = torch::tanh(x); break;
      case LayerType::sigmoid: x = torch::sigmoid(x); break;
    }
    const bool activation = l.type != LayerType::linear && l.type != LayerType::conv1d && l.type != LayerType::layer_norm &&
                            l.type != LayerType::self_attention;
    if (activation && dropout_ > 0.0 && is_training()) x = torch::dropout(x, dropout_, true);
  }
  return x.mean(1);
}

torch::Tensor EncoderNet::codes(torch::Tensor windows) { return forward(windows) * code_scale_ + code_mean_; }

asset::Network EncoderNet::export_network() const {
  c10::NoGradGuard no_grad;
  asset::Network network = layout_;
  const std::size_t last = layout_.layers.size() - 1;
  std::map<std::string, torch::Tensor> values;
  for (const auto& [name, tensor] : params_) values[name] = tensor.detach().to(torch::kCPU);
  // Averaging rows commutes with the affine de-standardisation: fold it into the last linear layer.
  const auto scale = code_scale_.to(torch::kCPU), mean = code_mean_.to(torch::kCPU);
  values[key(last, "weight")] = values[key(last, "weight")] * scale.unsqueeze(1);
  values[key(last, "bias")] = values[key(last, "bias")] * scale + mean;
  for (const auto& spec : asset::expected_tensors(network)) {
    const torch::Tensor t = values.at(spec.name).to(torch::kFloat32).contiguous();
    asset::Tensor out;
    out.name = spec.name;
    out.shape = t.sizes().vec();
    out.data.resize(static_cast<std::size_t>(t.numel()) * sizeof(float));
    std::memcpy(out.data.data(), t.data_ptr<float>(), out.data.size());
    network.tensors.push_back(std::move(out));
  }
  return network;
}

MelWindows::MelWindows(const torch::Tensor& mel, const animate::MelWindow& window, int fps, int64_t frames) {
  const int64_t total = mel.size(0);
  std::vector<int64_t> first(static_cast<std::size_t>(frames));
  int64_t lowest = 0, highest = total;
  for (int64_t i = 0; i < frames; ++i) {
    first[i] = window.first(i, fps);
    lowest = std::min(lowest, first[i]);
    highest = std::max(highest, first[i] + window.rows);
  }
  const int64_t before = -lowest, after = highest - total;
  const auto options = mel.options();
  padded_ = torch::cat({torch::zeros({before, mel.size(1)}, options), mel, torch::zeros({after, mel.size(1)}, options)});
  starts_ = (torch::tensor(first, torch::kInt64) + before).to(mel.device());
  offsets_ = torch::arange(window.rows, torch::TensorOptions().dtype(torch::kInt64).device(mel.device()));
}

torch::Tensor MelWindows::gather(const torch::Tensor& frames) const {
  const auto rows = (starts_.index_select(0, frames).unsqueeze(1) + offsets_.unsqueeze(0));  // [B, rows]
  return padded_.index_select(0, rows.reshape({-1})).reshape({frames.size(0), offsets_.size(0), padded_.size(1)});
}

}  // namespace being::audio_model
