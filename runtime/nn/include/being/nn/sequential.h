// CPU inference of the networks stored in an .avatar (audio encoder, deformation net), without
// LibTorch. Semantics match PyTorch's modules with the same weights (tests/nn compares them):
//
//   the input is a sequence of T rows of input_dim features (row-major [T, features]);
//   linear, layer_norm (eps 1e-5) and activations act on each row; gelu is the exact (erf) form;
//   conv1d runs over the rows (time) with features as channels, zero padding on both sides;
//   self_attention is PyTorch's nn.MultiheadAttention(dim, heads) with query = key = value = the
//   sequence, every row attending to every row.
#pragma once

#include "being/asset/avatar.h"

#include <cstdint>
#include <vector>

namespace being::nn {

class Sequential {
 public:
  // Takes the network's layers and widens its weights to float32 once. The network must have
  // passed the asset validation (being::asset::validate): shapes are trusted here.
  explicit Sequential(const being::asset::Network& network);

  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return output_dim_; }
  // Rows out for `rows` rows in (conv1d layers change it).
  int64_t output_rows(int64_t rows) const;

  // in: rows * input_dim floats. Returns output_rows(rows) * output_dim floats.
  std::vector<float> forward(const float* in, int64_t rows) const;

 private:
  struct Step {
    being::asset::Layer layer;
    std::vector<float> weight, bias;          // linear/conv1d/layer_norm, or attention in_proj
    std::vector<float> out_weight, out_bias;  // attention out_proj
  };
  int64_t input_dim_ = 0, output_dim_ = 0;
  std::vector<Step> steps_;
};

}  // namespace being::nn
