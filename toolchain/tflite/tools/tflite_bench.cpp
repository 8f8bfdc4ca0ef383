// Times Graph::run on random inputs of a model's input shapes: being_tflite_bench MODEL.tflite
// [--batch N] [--iterations K] [--threads T] [--device cpu|cuda]. Prints the median wall time.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>

#include "being/tflite/graph.h"

int main(int argc, char** argv) {
  CLI::App app{"Time the TFLite graph executor on one model"};
  std::string model;
  int batch = 1, iterations = 20, threads = 0;
  std::string device = "cpu";
  app.add_option("model", model, "the .tflite file")->required();
  app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
  app.add_option("--iterations", iterations, "timed runs (after 2 warm-up runs)")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "intra-op threads (0: LibTorch default)");
  app.add_option("--device", device, "cpu or cuda");
  CLI11_PARSE(app, argc, argv);
  try {
    if (threads > 0) at::set_num_threads(threads);
    const being::tflite::Graph graph = being::tflite::Graph::load(model, c10::Device(device));
    std::vector<at::Tensor> inputs;
    for (std::size_t i = 0; i < graph.input_count(); ++i) {
      std::vector<int64_t> shape(graph.input_shape(i).begin(), graph.input_shape(i).end());
      shape[0] = batch;
      inputs.push_back(at::rand(shape).to(graph.device()));
    }
    const auto sync = [&](const std::vector<at::Tensor>& out) { (void)out.front().sum().item<double>(); };
    for (int i = 0; i < 2; ++i) sync(graph.run(inputs));
    std::vector<double> ms;
    for (int i = 0; i < iterations; ++i) {
      const auto start = std::chrono::steady_clock::now();
      sync(graph.run(inputs));
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::cout << graph.model_name() << " batch " << batch << " on " << device << " (" << at::get_num_threads()
              << " threads): median " << median << " ms per run, " << median / batch << " ms per sample\n";
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
