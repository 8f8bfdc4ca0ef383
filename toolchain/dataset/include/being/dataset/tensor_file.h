// Named arrays in one file with the safetensors layout: an 8-byte little-endian header length, a JSON
// header ({"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {string: string}}), then the
// raw data. Written by hand rather than through a library because none is packaged in Debian and the
// layout is one page; any safetensors reader opens what this writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::dataset {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DType { F32, U8, I32 };
const char* to_string(DType dtype);
std::size_t element_size(DType dtype);

struct Array {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;  // little-endian, row-major

  std::size_t elements() const;
  static Array f32(std::vector<std::int64_t> shape, const std::vector<float>& values);
  static Array u8(std::vector<std::int64_t> shape, std::vector<std::uint8_t> values);
  // The values, checked against the expected dtype (throws DatasetError naming `what`).
  std::vector<float> as_f32(const std::string& what) const;
  std::vector<std::uint8_t> as_u8(const std::string& what) const;
};

struct TensorFile {
  std::map<std::string, Array> arrays;
  std::map<std::string, std::string> metadata;

  // The array called `name` with the given shape (-1 matches any extent); throws DatasetError
  // naming the file when it is missing or shaped otherwise.
  const Array& get(const std::string& name, const std::vector<std::int64_t>& shape) const;
  std::filesystem::path source;  // where it was read from, for messages
};

// Writes under `path`.part and renames; throws DatasetError when the folder is not writable.
void write_tensor_file(const std::filesystem::path& path, const TensorFile& file);
// Throws DatasetError naming the path for a missing, truncated or malformed file.
TensorFile read_tensor_file(const std::filesystem::path& path);

}  // namespace being::dataset
