// Executes the main subgraph of a TFLite model with LibTorch ops, on any torch device.
//
// Weights are converted once at construction: fp16 constants behind DEQUANTIZE are folded to
// float32, convolution weights are moved into torch's layouts, everything is copied to the device.
// Inputs and outputs use the model's own layout (NHWC for images) and may carry any batch size in
// their first dimension. Graphs whose operators mix the batch dimension with others (the blendshape
// model drops it) run one sample at a time and stack the results along a new first dimension.
// An operator this executor does not implement is an error at construction, naming it and the model.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/tflite/model.h"

namespace being::tflite {

// The model uses an operator or an operator variant this executor does not implement, or run()
// was given inputs that do not fit the model.
class ExecutionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Graph {
 public:
  Graph(const Model& model, const c10::Device& device);
  static Graph load(const std::filesystem::path& file, const c10::Device& device);
  ~Graph();
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;

  // Runs the graph. Each input is float32 with the model's input shape except for dimension 0,
  // the batch (same for every input). Outputs are float32 on the graph's device.
  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs) const;

  const std::string& model_name() const;
  const c10::Device& device() const;
  std::size_t input_count() const;
  std::size_t output_count() const;
  const std::vector<int32_t>& input_shape(std::size_t i) const;
  const std::vector<int32_t>& output_shape(std::size_t i) const;
  const std::string& output_name(std::size_t i) const;
  // True when a batch runs as one pass; false when samples run one after another (see above).
  bool batches_in_one_pass() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::tflite
