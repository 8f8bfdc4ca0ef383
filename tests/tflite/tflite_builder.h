// A minimal writer of TFLite flatbuffers for tests: builds small graphs (one or a few operators) so
// that the executor's handling of options, layouts and batching can be checked op by op.
// Objects are laid out front to back; a reference field is patched once its target is written
// after it, so every uoffset is positive as the format requires.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "being/tflite/model.h"

namespace being::test::tflite_builder {

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct Field {
  int id = 0;
  std::vector<uint8_t> scalar;  // inline value (empty for a reference)
  NodePtr ref;
};

struct Node {
  enum class Kind { Table, Bytes, Tables } kind = Kind::Table;
  std::vector<Field> fields;      // Table
  std::vector<uint8_t> bytes;     // Bytes: a vector of scalars or a string, with its length prefix
  std::vector<NodePtr> children;  // Tables: a vector of tables
};

template <typename T>
Field scalar(int id, T value) {
  Field f;
  f.id = id;
  f.scalar.resize(sizeof(T));
  std::memcpy(f.scalar.data(), &value, sizeof(T));
  return f;
}

inline Field ref(int id, NodePtr node) {
  Field f;
  f.id = id;
  f.ref = std::move(node);
  return f;
}

inline NodePtr table(std::vector<Field> fields) {
  auto n = std::make_shared<Node>();
  n->fields = std::move(fields);
  return n;
}

template <typename T>
NodePtr vec(const std::vector<T>& values) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Kind::Bytes;
  const uint32_t count = static_cast<uint32_t>(values.size());
  n->bytes.resize(4 + values.size() * sizeof(T));
  std::memcpy(n->bytes.data(), &count, 4);
  if (!values.empty()) std::memcpy(n->bytes.data() + 4, values.data(), values.size() * sizeof(T));
  return n;
}

inline NodePtr str(const std::string& s) {
  auto n = vec(std::vector<uint8_t>(s.begin(), s.end()));
  n->bytes.push_back(0);
  return n;
}

inline NodePtr tables(std::vector<NodePtr> children) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Kind::Tables;
  n->children = std::move(children);
  return n;
}

class Writer {
 public:
  std::vector<uint8_t> finish(const NodePtr& root) {
    out_.assign(8, 0);
    std::memcpy(out_.data() + 4, "TFL3", 4);
    patch(0, write(root));
    return out_;
  }

 private:
  void align() {
    while (out_.size() % 4) out_.push_back(0);
  }
  void put32(uint32_t v) {
    const std::size_t p = out_.size();
    out_.resize(p + 4);
    std::memcpy(out_.data() + p, &v, 4);
  }
  void patch(std::size_t at, std::size_t target) {
    const uint32_t rel = static_cast<uint32_t>(target - at);
    std::memcpy(out_.data() + at, &rel, 4);
  }

  std::size_t write(const NodePtr& n) {
    align();
    if (n->kind == Node::Kind::Bytes) {
      const std::size_t pos = out_.size();
      out_.insert(out_.end(), n->bytes.begin(), n->bytes.end());
      return pos;
    }
    if (n->kind == Node::Kind::Tables) {
      const std::size_t pos = out_.size();
      put32(static_cast<uint32_t>(n->children.size()));
      std::vector<std::size_t> slots;
      for (std::size_t i = 0; i < n->children.size(); ++i) {
        slots.push_back(out_.size());
        put32(0);
      }
      for (std::size_t i = 0; i < n->children.size(); ++i) patch(slots[i], write(n->children[i]));
      return pos;
    }
    int max_id = -1;
    for (const Field& f : n->fields) max_id = std::max(max_id, f.id);
    std::vector<uint16_t> offsets(static_cast<std::size_t>(max_id + 1), 0);
    uint16_t size = 4;
    for (const Field& f : n->fields) {
      const std::size_t width = f.ref ? 4 : f.scalar.size();
      if (width == 8 && size % 8) size += 4;
      offsets[f.id] = size;
      size = static_cast<uint16_t>(size + (width < 4 ? 4 : width));
    }
    const std::size_t vtable = out_.size();
    const uint16_t vt_size = static_cast<uint16_t>(4 + 2 * offsets.size());
    std::vector<uint16_t> vt = {vt_size, size};
    vt.insert(vt.end(), offsets.begin(), offsets.end());
    for (uint16_t v : vt) {
      out_.push_back(static_cast<uint8_t>(v & 0xff));
      out_.push_back(static_cast<uint8_t>(v >> 8));
    }
    align();
    const std::size_t pos = out_.size();
    put32(static_cast<uint32_t>(static_cast<int32_t>(pos - vtable)));
    out_.resize(pos + size, 0);
    std::vector<std::pair<std::size_t, NodePtr>> refs;
    for (const Field& f : n->fields) {
      if (f.ref) {
        refs.emplace_back(pos + offsets[f.id], f.ref);
      } else {
        std::memcpy(out_.data() + pos + offsets[f.id], f.scalar.data(), f.scalar.size());
      }
    }
    for (const auto& [slot, child] : refs) patch(slot, write(child));
    return pos;
  }

  std::vector<uint8_t> out_;
};

// A tensor of a test graph; `data` empty for activations.
struct TensorSpec {
  std::vector<int32_t> shape;
  being::tflite::TensorType type = being::tflite::TensorType::Float32;
  std::vector<uint8_t> data;
};

template <typename T>
TensorSpec constant(std::vector<int32_t> shape, const std::vector<T>& values,
                    being::tflite::TensorType type = being::tflite::TensorType::Float32) {
  TensorSpec t{std::move(shape), type, {}};
  t.data.resize(values.size() * sizeof(T));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

struct OpSpec {
  int32_t builtin_code = 0;
  std::string custom_code;
  std::vector<int32_t> inputs, outputs;
  NodePtr options;  // builtin options table (schema field numbers), or null
  std::vector<uint8_t> custom_options;
};

// A one-subgraph model; each distinct (builtin, custom) pair gets one operator code.
inline std::vector<uint8_t> build_model(const std::vector<TensorSpec>& tensors, const std::vector<OpSpec>& ops,
                                        const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs) {
  std::vector<NodePtr> buffers = {table({})};
  std::vector<NodePtr> tensor_nodes;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    uint32_t buffer = 0;
    if (!tensors[i].data.empty()) {
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(table({ref(0, vec(tensors[i].data))}));
    }
    tensor_nodes.push_back(table({ref(0, vec(tensors[i].shape)), scalar<int8_t>(1, static_cast<int8_t>(tensors[i].type)),
                                  scalar<uint32_t>(2, buffer), ref(3, str("t" + std::to_string(i)))}));
  }
  std::vector<std::pair<int32_t, std::string>> codes;
  std::vector<NodePtr> code_nodes, op_nodes;
  for (const OpSpec& op : ops) {
    const auto key = std::make_pair(op.builtin_code, op.custom_code);
    auto it = std::find(codes.begin(), codes.end(), key);
    const uint32_t index = static_cast<uint32_t>(it - codes.begin());
    if (it == codes.end()) {
      codes.push_back(key);
      std::vector<Field> f = {scalar<int8_t>(0, static_cast<int8_t>(std::min(op.builtin_code, 127))),
                              scalar<int32_t>(2, 1), scalar<int32_t>(3, op.builtin_code)};
      if (!op.custom_code.empty()) f.push_back(ref(1, str(op.custom_code)));
      code_nodes.push_back(table(f));
    }
    std::vector<Field> f = {scalar<uint32_t>(0, index), ref(1, vec(op.inputs)), ref(2, vec(op.outputs))};
    if (op.options) f.push_back(ref(4, op.options));
    if (!op.custom_options.empty()) f.push_back(ref(5, vec(op.custom_options)));
    op_nodes.push_back(table(f));
  }
  const NodePtr graph =
      table({ref(0, tables(tensor_nodes)), ref(1, vec(inputs)), ref(2, vec(outputs)), ref(3, tables(op_nodes))});
  const NodePtr model = table({scalar<uint32_t>(0, 3), ref(1, tables(code_nodes)), ref(2, tables({graph})),
                               ref(4, tables(buffers))});
  return Writer().finish(model);
}

// MediaPipe's custom ops read a raw struct of int32 fields (TfLitePoolParams and friends).
inline std::vector<uint8_t> raw_params(const std::vector<int32_t>& words) {
  std::vector<uint8_t> bytes(words.size() * 4);
  std::memcpy(bytes.data(), words.data(), bytes.size());
  return bytes;
}

}  // namespace being::test::tflite_builder
