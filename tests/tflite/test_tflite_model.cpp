// The .tflite reader: the five MediaPipe models parse into the expected structure, and damaged files
// (truncated, garbage, corrupted bytes, wrong hash in the model cache) give clear errors, never a crash.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "being/models/model_store.h"
#include "being/tflite/model.h"
#include "being_test.h"

namespace {

using being::tflite::Model;
using being::tflite::ModelFormatError;

std::vector<uint8_t> read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> model_bytes(const std::string& name) { return read_bytes(being::models::require(name)); }

std::vector<int32_t> io_shape(const Model& m, bool input, std::size_t i) {
  const auto& g = m.main_graph();
  return g.tensors.at((input ? g.inputs : g.outputs).at(i)).shape;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    Model::parse(bytes, "damaged.tflite");
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return {};
}

TEST(TfliteModel, FaceModelsHaveTheExpectedStructure) {
  const auto detector = Model::parse(model_bytes("mediapipe_face/face_detector.tflite"), "face_detector.tflite");
  EXPECT_EQ(detector.version(), 3u);
  EXPECT_EQ(io_shape(detector, true, 0), (std::vector<int32_t>{1, 128, 128, 3}));
  EXPECT_EQ(io_shape(detector, false, 0), (std::vector<int32_t>{1, 896, 16}));
  EXPECT_EQ(io_shape(detector, false, 1), (std::vector<int32_t>{1, 896, 1}));
  EXPECT_EQ(detector.operator_names(),
            (std::vector<std::string>{"ADD", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE", "MAX_POOL_2D",
                                      "PAD", "RELU", "RESHAPE"}));

  const auto landmarks = Model::load(being::models::require("mediapipe_face/face_landmarks_detector.tflite"));
  EXPECT_EQ(landmarks.name(), "face_landmarks_detector.tflite");
  EXPECT_EQ(io_shape(landmarks, true, 0), (std::vector<int32_t>{1, 256, 256, 3}));
  EXPECT_EQ(io_shape(landmarks, false, 0), (std::vector<int32_t>{1, 1, 1, 1434}));
  EXPECT_EQ(landmarks.operator_names(),
            (std::vector<std::string>{"ADD", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE", "LOGISTIC", "MAX_POOL_2D",
                                      "PAD", "PRELU", "RESHAPE"}));
  // fp16 weights: every DEQUANTIZE reads a FLOAT16 constant whose byte size matches its shape.
  std::size_t fp16 = 0;
  for (const auto& op : landmarks.main_graph().operators) {
    if (op.builtin_code != being::tflite::builtin::Dequantize) continue;
    const auto& t = landmarks.main_graph().tensors.at(op.inputs.at(0));
    EXPECT_EQ(t.type, being::tflite::TensorType::Float16);
    std::size_t count = 1;
    for (int32_t d : t.shape) count *= d;
    EXPECT_EQ(landmarks.buffer_size(t), 2 * count);
    ++fp16;
  }
  EXPECT_EQ(fp16, 251u);

  const auto blendshapes = Model::load(being::models::require("mediapipe_face/face_blendshapes.tflite"));
  EXPECT_EQ(io_shape(blendshapes, true, 0), (std::vector<int32_t>{1, 146, 2}));
  EXPECT_EQ(io_shape(blendshapes, false, 0), (std::vector<int32_t>{52}));
  EXPECT_EQ(blendshapes.operator_names(),
            (std::vector<std::string>{"ADD", "CONCATENATION", "CONV_2D", "DEQUANTIZE", "DIV", "LOGISTIC", "MEAN", "MUL",
                                      "NEG", "RESHAPE", "RSQRT", "SQRT", "SQUARED_DIFFERENCE", "STRIDED_SLICE", "SUB",
                                      "SUM", "TRANSPOSE"}));
}

TEST(TfliteModel, SegmentationModelsCarryMediaPipeCustomOps) {
  const auto selfie = Model::load(being::models::require("mediapipe_segmentation/selfie_segmentation.tflite"));
  EXPECT_EQ(selfie.operator_names(),
            (std::vector<std::string>{"ADD", "AVERAGE_POOL_2D", "CONV_2D", "CUSTOM:Convolution2DTransposeBias",
                                      "DEPTHWISE_CONV_2D", "DEQUANTIZE", "HARD_SWISH", "LOGISTIC", "MUL", "RELU",
                                      "RESIZE_BILINEAR"}));
  const auto hair = Model::load(being::models::require("mediapipe_segmentation/hair_segmentation.tflite"));
  EXPECT_EQ(io_shape(hair, true, 0), (std::vector<int32_t>{1, 512, 512, 4}));
  EXPECT_EQ(hair.operator_names(),
            (std::vector<std::string>{"ADD", "CONCATENATION", "CONV_2D", "CUSTOM:Convolution2DTransposeBias",
                                      "CUSTOM:MaxPoolingWithArgmax2D", "CUSTOM:MaxUnpooling2D", "DEPTHWISE_CONV_2D",
                                      "PRELU"}));
  int pools = 0, unpools = 0, transposed = 0;
  for (const auto& op : hair.main_graph().operators) {
    if (op.builtin_code != being::tflite::builtin::Custom) continue;
    const auto o = hair.custom_pool_options(op);
    EXPECT_EQ(o.stride_w, 2) << op.custom_code;
    EXPECT_EQ(o.stride_h, 2) << op.custom_code;
    if (op.custom_code == "Convolution2DTransposeBias") {
      ++transposed;
    } else {
      EXPECT_EQ(o.filter_w, 2) << op.custom_code;
      EXPECT_EQ(o.filter_h, 2) << op.custom_code;
      (op.custom_code == "MaxUnpooling2D" ? unpools : pools)++;
    }
  }
  EXPECT_EQ(pools, 3);
  EXPECT_EQ(unpools, 3);
  EXPECT_EQ(transposed, 5);
}

TEST(TfliteModel, EveryTruncationIsAClearError) {
  const auto bytes = model_bytes("mediapipe_face/face_detector.tflite");
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n < 512; ++n) cuts.push_back(n);
  // The file ends with a 22-byte ZIP end-of-central-directory record (MediaPipe packs metadata as a
  // ZIP) that the flatbuffer does not reference: cutting into it leaves a valid model, which only the
  // model cache's sha256 check notices.
  const std::size_t referenced_end = bytes.size() - 22;
  for (std::size_t n = 512; n < referenced_end; n += 997) cuts.push_back(n);
  cuts.push_back(referenced_end - 1);
  for (std::size_t n : cuts) {
    const std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string error = error_of(truncated);
    EXPECT_FALSE(error.empty()) << "a file truncated to " << n << " bytes parsed";
    EXPECT_EQ(error.rfind("damaged.tflite: ", 0), 0u) << error;
  }
  EXPECT_NE(error_of(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 20000)).find("outside the file"),
            std::string::npos);
}

TEST(TfliteModel, GarbageIsRejected) {
  EXPECT_NE(error_of({}).find("too small"), std::string::npos);
  std::mt19937 rng(7);
  std::vector<uint8_t> garbage(4096);
  for (auto& b : garbage) b = static_cast<uint8_t>(rng());
  EXPECT_NE(error_of(garbage).find("TFL3"), std::string::npos);
  for (int trial = 0; trial < 200; ++trial) {
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    std::memcpy(garbage.data() + 4, "TFL3", 4);
    EXPECT_FALSE(error_of(garbage).empty()) << "random bytes parsed as a model (trial " << trial << ")";
  }
}

// Flipping bytes anywhere must give either a model or a ModelFormatError: no other exception, no crash.
TEST(TfliteModel, CorruptedBytesNeverCrash) {
  const auto original = model_bytes("mediapipe_face/face_blendshapes.tflite");
  const std::size_t structure_end = std::min<std::size_t>(original.size(), 8192);
  std::mt19937 rng(11);
  int errors = 0;
  for (int trial = 0; trial < 400; ++trial) {
    auto bytes = original;
    for (int flips = 0; flips < 4; ++flips) {
      // Half the flips hit the first 8 KB, where the root table and vtables live.
      const std::size_t at = trial % 2 ? rng() % structure_end : rng() % bytes.size();
      bytes[at] = static_cast<uint8_t>(rng());
    }
    try {
      Model::parse(bytes, "corrupt.tflite");
    } catch (const ModelFormatError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(TfliteModel, OutOfRangeIndicesAreNamed) {
  auto bytes = model_bytes("mediapipe_face/face_detector.tflite");
  // The root table offset pointing beyond the end of the file.
  auto bad_root = bytes;
  const uint32_t huge = static_cast<uint32_t>(bytes.size() + 100);
  std::memcpy(bad_root.data(), &huge, 4);
  EXPECT_NE(error_of(bad_root).find("outside the file"), std::string::npos) << error_of(bad_root);

  // Overwrite uint32 words equal to the last tensor's buffer index until one of them is that field:
  // the reader must then name the tensor and the out-of-range index.
  const auto model = Model::parse(bytes, "face_detector.tflite");
  uint32_t last_buffer = 0;
  for (const auto& t : model.main_graph().tensors) last_buffer = std::max(last_buffer, t.buffer);
  int caught = 0;
  for (std::size_t pos = 0; pos + 4 <= bytes.size() && caught == 0; pos += 4) {
    uint32_t value;
    std::memcpy(&value, bytes.data() + pos, 4);
    if (value != last_buffer) continue;
    auto changed = bytes;
    const uint32_t out_of_range = 100000;
    std::memcpy(changed.data() + pos, &out_of_range, 4);
    const std::string error = error_of(changed);
    if (error.find("buffer index 100000 out of range") != std::string::npos) {
      EXPECT_NE(error.find("damaged.tflite: subgraph 0 tensor"), std::string::npos) << error;
      ++caught;
    }
  }
  EXPECT_EQ(caught, 1) << "no tensor buffer field found to corrupt";
}

TEST(TfliteModel, ModelCacheRejectsAModelWithAWrongHash) {
  const auto dir = being::test::scratch_dir("tflite_wrong_hash");
  const std::string name = "mediapipe_face/face_detector.tflite";
  auto bytes = model_bytes(name);
  bytes[bytes.size() / 2] ^= 0x5a;
  std::filesystem::create_directories(dir / "mediapipe_face");
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                     static_cast<std::streamsize>(bytes.size()));
  const char* previous = std::getenv("BEING_MODEL_CACHE");
  const std::string saved = previous ? previous : "";
  setenv("BEING_MODEL_CACHE", dir.c_str(), 1);
  std::string error;
  try {
    being::models::require(name);
  } catch (const being::models::ModelError& e) {
    error = e.what();
  }
  if (previous) {
    setenv("BEING_MODEL_CACHE", saved.c_str(), 1);
  } else {
    unsetenv("BEING_MODEL_CACHE");
  }
  EXPECT_NE(error.find("face_detector.tflite"), std::string::npos) << error;
}

TEST(TfliteModel, MissingFileIsAClearError) {
  try {
    Model::load("/nonexistent/model.tflite");
    FAIL() << "loading a missing file succeeded";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

}  // namespace
