#include "being/dataset/tensor_file.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

#include "atomic_file.h"

namespace being::dataset {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

DType parse_dtype(const std::string& s, const std::filesystem::path& path) {
  if (s == "F32") return DType::F32;
  if (s == "U8") return DType::U8;
  if (s == "I32") return DType::I32;
  throw DatasetError(path.string() + ": unsupported dtype " + s + " (this reader knows F32, U8 and I32; re-run bake ingest)");
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::U8: return "U8";
    case DType::I32: return "I32";
  }
  return "?";
}

std::size_t element_size(DType dtype) { return dtype == DType::U8 ? 1 : 4; }

std::size_t Array::elements() const {
  std::size_t n = 1;
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

Array Array::f32(std::vector<std::int64_t> shape, const std::vector<float>& values) {
  Array a{DType::F32, std::move(shape), {}};
  if (a.elements() != values.size()) throw std::invalid_argument("Array::f32: shape and value count disagree");
  a.bytes.resize(values.size() * 4);
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

Array Array::u8(std::vector<std::int64_t> shape, std::vector<std::uint8_t> values) {
  Array a{DType::U8, std::move(shape), std::move(values)};
  if (a.elements() != a.bytes.size()) throw std::invalid_argument("Array::u8: shape and value count disagree");
  return a;
}

std::vector<float> Array::as_f32(const std::string& what) const {
  if (dtype != DType::F32) throw DatasetError(what + " is " + to_string(dtype) + ", expected F32");
  std::vector<float> out(elements());
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

std::vector<std::uint8_t> Array::as_u8(const std::string& what) const {
  if (dtype != DType::U8) throw DatasetError(what + " is " + to_string(dtype) + ", expected U8");
  return bytes;
}

const Array& TensorFile::get(const std::string& name, const std::vector<std::int64_t>& shape) const {
  const auto it = arrays.find(name);
  if (it == arrays.end())
    throw DatasetError(source.string() + " has no array '" + name + "' (re-run bake ingest to rebuild the dataset)");
  bool match = it->second.shape.size() == shape.size();
  for (std::size_t i = 0; match && i < shape.size(); ++i) match = shape[i] < 0 || shape[i] == it->second.shape[i];
  if (!match)
    throw DatasetError(source.string() + ": '" + name + "' has shape " + shape_string(it->second.shape) +
                       ", expected " + shape_string(shape));
  return it->second;
}

void write_tensor_file(const std::filesystem::path& path, const TensorFile& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, a] : file.arrays) {
    if (a.bytes.size() != a.elements() * element_size(a.dtype))
      throw std::invalid_argument("write_tensor_file: '" + name + "' holds the wrong number of bytes");
    header[name] = {{"dtype", to_string(a.dtype)}, {"shape", a.shape}, {"data_offsets", {offset, offset + a.bytes.size()}}};
    offset += a.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as safetensors writers do
  AtomicFile out(path);
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(text.size()) >> (8 * i));
  out.stream().write(reinterpret_cast<const char*>(length), 8);
  out.stream() << text;
  for (const auto& entry : file.arrays)
    out.stream().write(reinterpret_cast<const char*>(entry.second.bytes.data()),
                       static_cast<std::streamsize>(entry.second.bytes.size()));
  out.commit();
}

TensorFile read_tensor_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError("cannot open " + path.string() + " (missing: re-run bake ingest)");
  const auto fail = [&](const std::string& why) { return DatasetError(path.string() + ": " + why + " (re-run bake ingest)"); };
  std::uint8_t length_bytes[8];
  if (!in.read(reinterpret_cast<char*>(length_bytes), 8)) throw fail("truncated header");
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | length_bytes[i];
  in.seekg(0, std::ios::end);
  const std::uint64_t file_size = static_cast<std::uint64_t>(in.tellg());
  if (length > kMaxHeaderBytes || 8 + length > file_size) throw fail("header length out of range");
  in.seekg(8);
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("malformed header: ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");
  const std::uint64_t data_size = file_size - 8 - length;
  TensorFile file;
  file.source = path;
  std::vector<std::uint8_t> data(data_size);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data_size));
  if (!in) throw fail("truncated data");
  try {
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        for (const auto& [k, v] : entry.items()) file.metadata[k] = v.get<std::string>();
        continue;
      }
      Array a;
      a.dtype = parse_dtype(entry.at("dtype").get<std::string>(), path);
      a.shape = entry.at("shape").get<std::vector<std::int64_t>>();
      for (auto d : a.shape)
        if (d < 0 || d > (std::int64_t{1} << 40)) throw fail("'" + name + "' has a negative or huge extent");
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw fail("'" + name + "' points outside the file");
      if (offsets[1] - offsets[0] != a.elements() * element_size(a.dtype))
        throw fail("'" + name + "' size disagrees with its shape");
      a.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(offsets[0]), data.begin() + static_cast<std::ptrdiff_t>(offsets[1]));
      file.arrays.emplace(name, std::move(a));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("malformed header entry: ") + e.what());
  }
  return file;
}

}  // namespace being::dataset
