// libFuzzer target for the .tflite reader: any input must parse or throw ModelFormatError, and a
// parsed model's buffers and custom options must be readable within bounds.
#include <cstdint>
#include <vector>

#include "being/tflite/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using being::tflite::ModelFormatError;
  try {
    const auto model = being::tflite::Model::parse(std::vector<uint8_t>(data, data + size), "fuzz.tflite");
    for (const auto& graph : model.subgraphs()) {
      for (const auto& op : graph.operators) {
        if (op.builtin_code != being::tflite::builtin::Custom) continue;
        try {
          (void)model.custom_pool_options(op);
        } catch (const ModelFormatError&) {
        }
      }
      for (const auto& tensor : graph.tensors) {
        const uint8_t* bytes = model.buffer_data(tensor);
        const std::size_t n = model.buffer_size(tensor);
        volatile uint8_t sink = 0;
        if (n > 0) sink = static_cast<uint8_t>(bytes[0] ^ bytes[n - 1]);
        (void)sink;
      }
    }
  } catch (const ModelFormatError&) {
  }
  return 0;
}
