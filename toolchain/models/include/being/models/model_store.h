// The model cache: pretrained weights and reference tensors, verified by sha256 at the point of use.
//
// scripts/setup.sh fills the cache (copying from ../shared/models or $BEING_MODELS_DIR, else
// downloading from the upstream source in toolchain/models/models.tsv). Code that needs a model asks
// require("mediapipe_face/face_detector.tflite") and gets a path it can trust, or a ModelError that
// names the file and the command that fixes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::models {

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModelInfo {
  std::string path;    // relative path inside the cache, e.g. "mediapipe_face/face_detector.tflite"
  std::uint64_t bytes = 0;
  std::string sha256;  // lowercase hex
  std::string source;  // url:..., zip:..., npm:... or none
};

// Every file of the compiled-in manifest, in manifest order.
const std::vector<ModelInfo>& manifest();

// Parses manifest text (the models.tsv format); throws ModelError on a malformed line.
std::vector<ModelInfo> parse_manifest(const std::string& text);

// $BEING_MODEL_CACHE, else $XDG_CACHE_HOME/being/models, else $HOME/.cache/being/models.
std::filesystem::path cache_dir();

enum class Status { ok, missing, wrong_size, wrong_hash };
const char* to_string(Status status);

// Checks one cached file against its manifest entry (reads and hashes the whole file).
Status check(const ModelInfo& info, const std::filesystem::path& dir = cache_dir());

// The verified path of a manifest file in the cache. Throws ModelError when the name is not in the
// manifest, or the file is missing, truncated or has another hash. Each file is hashed once per
// process as long as its size and modification time stay the same.
std::filesystem::path require(const std::string& relative_path);

// Lowercase hex sha256 of a file; throws ModelError when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace being::models
