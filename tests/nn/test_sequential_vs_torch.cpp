#include "being/nn/sequential.h"

#include "being_test.h"

#include <torch/torch.h>

#include <cstring>
#include <random>

using namespace being;
using asset::Layer;
using asset::LayerType;

namespace {

Layer layer(LayerType type, int64_t in = 0, int64_t out = 0) {
  Layer l;
  l.type = type;
  l.in = in;
  l.out = out;
  return l;
}

// Random float32 weights for every tensor the layers need.
void fill_weights(asset::Network& net, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0f, 0.3f);
  for (const auto& spec : asset::expected_tensors(net)) {
    asset::Tensor t;
    t.name = spec.name;
    t.shape = spec.shape;
    int64_t count = 1;
    for (int64_t d : spec.shape) count *= d;
    std::vector<float> v(count);
    for (auto& x : v) x = n(rng);
    t.data.resize(count * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
    net.tensors.push_back(t);
  }
}

torch::Tensor weight(const asset::Network& net, const std::string& name) {
  for (const auto& t : net.tensors) {
    if (t.name != name) continue;
    auto values = asset::tensor_values(t);
    return torch::from_blob(values.data(), t.shape, torch::kFloat32).clone();
  }
  throw std::runtime_error("no tensor " + name);
}

// The same network as PyTorch modules; x is [rows, features].
torch::Tensor torch_forward(const asset::Network& net, torch::Tensor x) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const std::string p = "layers." + std::to_string(i) + ".";
    switch (l.type) {
      case LayerType::linear: x = torch::nn::functional::linear(x, weight(net, p + "weight"), weight(net, p + "bias")); break;
      case LayerType::conv1d: {
        torch::nn::Conv1d conv(torch::nn::Conv1dOptions(l.in, l.out, l.kernel).stride(l.stride).dilation(l.dilation).padding(l.padding));
        conv->weight.set_data(weight(net, p + "weight"));
        conv->bias.set_data(weight(net, p + "bias"));
        x = conv->forward(x.t().unsqueeze(0)).squeeze(0).t();
        break;
      }
      case LayerType::layer_norm: {
        torch::nn::LayerNorm norm(torch::nn::LayerNormOptions({l.dim}).eps(1e-5));
        norm->weight.set_data(weight(net, p + "weight"));
        norm->bias.set_data(weight(net, p + "bias"));
        x = norm->forward(x);
        break;
      }
      case LayerType::self_attention: {
        torch::nn::MultiheadAttention attention(torch::nn::MultiheadAttentionOptions(l.dim, l.heads));
        attention->in_proj_weight.set_data(weight(net, p + "in_proj.weight"));
        attention->in_proj_bias.set_data(weight(net, p + "in_proj.bias"));
        attention->out_proj->weight.set_data(weight(net, p + "out_proj.weight"));
        attention->out_proj->bias.set_data(weight(net, p + "out_proj.bias"));
        auto seq = x.unsqueeze(1);  // [T, batch 1, E]
        x = std::get<0>(attention->forward(seq, seq, seq)).squeeze(1);
        break;
      }
      case LayerType::relu: x = torch::relu(x); break;
      case LayerType::gelu: x = torch::gelu(x); break;
      case LayerType::silu: x = torch::silu(x); break;
      case LayerType::tanh: x = torch::tanh(x); break;
      case LayerType::sigmoid: x = torch::sigmoid(x); break;
    }
  }
  return x.contiguous();
}

void expect_same_as_torch(const asset::Network& net, int64_t rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> input(rows * net.input_dim);
  for (auto& v : input) v = n(rng);
  nn::Sequential ours(net);
  const auto out = ours.forward(input.data(), rows);
  const auto reference = torch_forward(net, torch::from_blob(input.data(), {rows, net.input_dim}).clone());
  ASSERT_EQ(reference.size(0), ours.output_rows(rows));
  ASSERT_EQ(static_cast<int64_t>(out.size()), reference.numel());
  const float* ref = reference.data_ptr<float>();
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 1e-5f * (1.0f + std::abs(ref[i]))) << "element " << i;
}

}  // namespace

TEST(Sequential, DeformationMlpMatchesTorch) {
  asset::Network net;
  net.name = "deformation";
  net.input_dim = 12;
  net.output_dim = 3;
  net.layers = {layer(LayerType::linear, 12, 32), layer(LayerType::silu), layer(LayerType::linear, 32, 32),
                layer(LayerType::relu), layer(LayerType::linear, 32, 16), layer(LayerType::gelu),
                layer(LayerType::linear, 16, 3), layer(LayerType::tanh)};
  fill_weights(net, 1);
  expect_same_as_torch(net, 257, 2);  // rows = Gaussians, each independent
}

TEST(Sequential, AudioEncoderWithConvNormAndAttentionMatchesTorch) {
  asset::Network net;
  net.name = "audio_encoder";
  net.input_dim = 20;
  net.output_dim = 6;
  Layer conv = layer(LayerType::conv1d, 20, 16);
  conv.kernel = 3;
  conv.padding = 1;
  Layer strided = layer(LayerType::conv1d, 16, 16);
  strided.kernel = 5;
  strided.stride = 2;
  strided.dilation = 2;
  strided.padding = 3;
  Layer norm = layer(LayerType::layer_norm);
  norm.dim = 16;
  Layer attention = layer(LayerType::self_attention);
  attention.dim = 16;
  attention.heads = 4;
  net.layers = {conv, layer(LayerType::gelu), strided, norm, attention, layer(LayerType::linear, 16, 6), layer(LayerType::sigmoid)};
  fill_weights(net, 3);
  for (int64_t rows : {3, 7, 40}) expect_same_as_torch(net, rows, 4 + static_cast<unsigned>(rows));
  const float one_row[20] = {};
  EXPECT_THROW(nn::Sequential(net).forward(one_row, 1), std::invalid_argument);  // shorter than the strided conv's span
}

TEST(Sequential, Float16WeightsAreWidened) {
  asset::Network net;
  net.name = "half";
  net.input_dim = 2;
  net.output_dim = 1;
  net.layers = {layer(LayerType::linear, 2, 1)};
  asset::Tensor w{"layers.0.weight", asset::DType::float16, {1, 2}, {0x00, 0x3c, 0x00, 0xc0}};  // 1.0, -2.0
  asset::Tensor b{"layers.0.bias", asset::DType::float16, {1}, {0x00, 0x38}};                    // 0.5
  net.tensors = {w, b};
  const float x[2] = {3.0f, 1.0f};
  EXPECT_FLOAT_EQ(nn::Sequential(net).forward(x, 1)[0], 3.0f - 2.0f + 0.5f);
}
