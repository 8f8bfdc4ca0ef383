// The LibTorch side of the audio encoder: a network of the runtime's layer types with the exact
// semantics of being::nn::Sequential (so the exported weights give the same numbers there), and the
// mel windows the runtime reads for each video frame. Includes LibTorch: only the trainer and the
// parity test use it.
#pragma once

#include "being/animate/expression.h"
#include "being/asset/avatar.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace being::audio_model {

class EncoderNet : public torch::nn::Module {
 public:
  // `layout`: layers and dims (its tensors are ignored); weights initialised as PyTorch's modules
  // do. Codes = code_mean + code_scale * (the network's output rows averaged): the standardisation
  // of the targets, folded into the last (linear) layer on export. `dropout`: probability after
  // every activation while training (none in eval mode, which the runtime's network matches).
  EncoderNet(const asset::Network& layout, torch::Tensor code_mean, torch::Tensor code_scale, double dropout = 0.0);

  // windows [B, rows, input_dim] -> standardised codes [B, output_dim] (rows averaged).
  torch::Tensor forward(torch::Tensor windows);
  // -> codes [B, output_dim] in the dataset's units.
  torch::Tensor codes(torch::Tensor windows);

  // float32 network with the standardisation folded in, tensors named as asset::expected_tensors.
  asset::Network export_network() const;

 private:
  torch::Tensor param(std::size_t layer, const std::string& name) const;

  asset::Network layout_;
  std::map<std::string, torch::Tensor> params_;  // "layers.<i>.<name>"
  torch::Tensor code_mean_, code_scale_;
  double dropout_ = 0.0;
};

// The normalised log-mel of one recording and the window of every video frame, as the runtime cuts
// it (being::animate::MelWindow; rows outside the signal are zeros).
class MelWindows {
 public:
  // mel: [T, bins] normalised, on the device the windows are wanted on; windows of video frames
  // 0 .. frames-1 at `fps`.
  MelWindows(const torch::Tensor& mel, const animate::MelWindow& window, int fps, int64_t frames);
  // frames: int64 [B] on the mel's device -> [B, rows, bins].
  torch::Tensor gather(const torch::Tensor& frames) const;
  int64_t frames() const { return starts_.size(0); }

 private:
  torch::Tensor padded_;  // zero rows, the mel, zero rows: every window lies inside
  torch::Tensor starts_;  // [frames] first row of each frame's window in padded_
  torch::Tensor offsets_;  // [rows] 0 .. rows-1
};

}  // namespace being::audio_model
