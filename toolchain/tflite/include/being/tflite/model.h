// A TensorFlow Lite model read from its .tflite flatbuffer: tensors, operators, constant buffers and
// the builtin/custom options of the operators the face and segmentation models use.
// The file is untrusted input: every offset and length is bounds-checked while parsing, and any
// inconsistency (bad index, truncated vector, buffer size not matching the tensor shape) throws
// ModelFormatError naming the model and the problem. Nothing here depends on LibTorch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::tflite {

// The .tflite file is malformed or uses something this reader does not understand.
class ModelFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// tflite::TensorType (schema.fbs); only the values a float model needs are named.
enum class TensorType : int8_t {
  Float32 = 0,
  Float16 = 1,
  Int32 = 2,
  UInt8 = 3,
  Int64 = 4,
  String = 5,
  Bool = 6,
  Int16 = 7,
  Complex64 = 8,
  Int8 = 9,
  Float64 = 10,
};
std::string tensor_type_name(TensorType type);
// Bytes per element, or 0 for types without a fixed element size (strings, unknown values).
std::size_t tensor_type_size(TensorType type);

// tflite::BuiltinOperator values: those the executor runs, plus a few common ones so that an error
// about an unsupported operator can name it.
namespace builtin {
constexpr int32_t Add = 0;
constexpr int32_t AveragePool2D = 1;
constexpr int32_t Concatenation = 2;
constexpr int32_t Conv2D = 3;
constexpr int32_t DepthwiseConv2D = 4;
constexpr int32_t Dequantize = 6;
constexpr int32_t FullyConnected = 9;
constexpr int32_t Logistic = 14;
constexpr int32_t MaxPool2D = 17;
constexpr int32_t Mul = 18;
constexpr int32_t Relu = 19;
constexpr int32_t Relu6 = 21;
constexpr int32_t Reshape = 22;
constexpr int32_t ResizeBilinear = 23;
constexpr int32_t Softmax = 25;
constexpr int32_t Tanh = 28;
constexpr int32_t Custom = 32;
constexpr int32_t Pad = 34;
constexpr int32_t Transpose = 39;
constexpr int32_t Mean = 40;
constexpr int32_t Sub = 41;
constexpr int32_t Div = 42;
constexpr int32_t Squeeze = 43;
constexpr int32_t StridedSlice = 45;
constexpr int32_t Prelu = 54;
constexpr int32_t Maximum = 55;
constexpr int32_t Minimum = 57;
constexpr int32_t Neg = 59;
constexpr int32_t Slice = 65;
constexpr int32_t Sum = 74;
constexpr int32_t Sqrt = 75;
constexpr int32_t Rsqrt = 76;
constexpr int32_t Pow = 78;
constexpr int32_t SquaredDifference = 99;
constexpr int32_t HardSwish = 117;
constexpr int32_t BatchMatMul = 126;
constexpr int32_t Gelu = 150;
}  // namespace builtin
// "CONV_2D", "CUSTOM", ... or "BUILTIN_<n>" for codes without a name here.
std::string builtin_name(int32_t code);

enum class Padding : int8_t { Same = 0, Valid = 1 };
enum class Activation : int8_t { None = 0, Relu = 1, ReluN1To1 = 2, Relu6 = 3, Tanh = 4, SignBit = 5 };

// The builtin options of one operator, flattened: only the fields of the operator's own options
// table are meaningful (defaults as in schema.fbs otherwise).
struct BuiltinOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t dilation_w = 1;
  int32_t dilation_h = 1;
  int32_t depth_multiplier = 1;
  int32_t filter_w = 1;
  int32_t filter_h = 1;
  Activation activation = Activation::None;
  int32_t axis = 0;                 // CONCATENATION
  bool keep_dims = false;           // MEAN, SUM
  bool align_corners = false;       // RESIZE_BILINEAR
  bool half_pixel_centers = false;  // RESIZE_BILINEAR
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
};

// TfLitePoolParams / TfLiteTransposeConvParams as MediaPipe's custom ops read them: a raw C struct
// of int32 fields stored in the operator's custom_options bytes (not a flexbuffer).
struct CustomPoolOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t filter_w = 1;
  int32_t filter_h = 1;
  Activation activation = Activation::None;
};

struct Tensor {
  std::string name;
  std::vector<int32_t> shape;
  TensorType type = TensorType::Float32;
  uint32_t buffer = 0;  // 0 = no constant data (buffer 0 is the empty sentinel by convention)
};

struct Operator {
  uint32_t opcode_index = 0;
  int32_t builtin_code = 0;  // resolved from builtin_code / deprecated_builtin_code
  std::string custom_code;   // for builtin::Custom
  std::vector<int32_t> inputs;   // tensor indices, -1 = optional input omitted
  std::vector<int32_t> outputs;
  BuiltinOptions options;
  std::vector<uint8_t> custom_options;
};

struct SubGraph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<Operator> operators;
};

struct OperatorCode {
  int32_t builtin_code = 0;
  std::string custom_code;
  int32_t version = 1;
};

class Model {
 public:
  // Parses a .tflite file; `name` (usually the file name) prefixes every error message.
  static Model parse(std::vector<uint8_t> bytes, const std::string& name);
  static Model load(const std::filesystem::path& file);

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  const std::vector<OperatorCode>& operator_codes() const { return operator_codes_; }
  const std::vector<SubGraph>& subgraphs() const { return subgraphs_; }
  const SubGraph& main_graph() const { return subgraphs_.front(); }

  // The constant bytes of a tensor (empty when it has none); the size was checked against the
  // tensor's shape and type at parse time.
  const uint8_t* buffer_data(const Tensor& tensor) const;
  std::size_t buffer_size(const Tensor& tensor) const;

  // Interprets an operator's custom_options as MediaPipe's raw pooling/transposed-conv params.
  CustomPoolOptions custom_pool_options(const Operator& op) const;

  // Sorted distinct operator names of the main graph ("CONV_2D", "CUSTOM:MaxUnpooling2D", ...).
  std::vector<std::string> operator_names() const;

 private:
  struct BufferRange {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  std::string name_;
  std::vector<uint8_t> bytes_;
  uint32_t version_ = 0;
  std::vector<OperatorCode> operator_codes_;
  std::vector<SubGraph> subgraphs_;
  std::vector<BufferRange> buffers_;

  friend class Parser;
};

}  // namespace being::tflite
