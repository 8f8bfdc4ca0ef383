// Prints a .tflite model's inputs, outputs and operators (with tensor shapes), for documenting
// which ops a model uses and for debugging the executor.
#include <iostream>

#include "being/tflite/model.h"

namespace {

std::string shape_string(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string op_name(const being::tflite::Operator& op) {
  return op.builtin_code == being::tflite::builtin::Custom ? "CUSTOM:" + op.custom_code
                                                           : being::tflite::builtin_name(op.builtin_code);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: being_tflite_dump MODEL.tflite [--ops]\n";
    return 2;
  }
  try {
    const auto model = being::tflite::Model::load(argv[1]);
    const auto& g = model.main_graph();
    const bool verbose = argc > 2 && std::string(argv[2]) == "--ops";
    for (int32_t i : g.inputs) std::cout << "input  " << g.tensors[i].name << " " << shape_string(g.tensors[i].shape) << "\n";
    for (int32_t i : g.outputs) std::cout << "output " << g.tensors[i].name << " " << shape_string(g.tensors[i].shape) << "\n";
    std::cout << g.operators.size() << " operators:";
    for (const auto& name : model.operator_names()) std::cout << " " << name;
    std::cout << "\n";
    if (verbose) {
      for (std::size_t k = 0; k < g.operators.size(); ++k) {
        const auto& op = g.operators[k];
        std::cout << k << " " << op_name(op);
        for (int32_t i : op.inputs) {
          std::cout << " " << (i < 0 ? std::string("-") : shape_string(g.tensors[i].shape) + being::tflite::tensor_type_name(g.tensors[i].type).substr(0, 1) + (g.tensors[i].buffer && model.buffer_size(g.tensors[i]) ? "c" : ""));
        }
        std::cout << " ->";
        for (int32_t i : op.outputs) std::cout << " " << shape_string(g.tensors[i].shape);
        if (!op.custom_options.empty()) std::cout << " custom_options=" << op.custom_options.size() << "B";
        std::cout << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
