// Reads a .avatar file. The GLB container is checked here first (so broken files get specific
// messages), tinygltf parses the glTF JSON, and every accessor, view and index is bounds-checked
// before a byte is copied; validate() then checks the content.
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <tiny_gltf.h>

#include "being/asset/avatar.h"
#include "checks.h"

namespace being::asset {
namespace {

using detail::at;
using detail::fail;
using nlohmann::json;

constexpr size_t kAnyCount = std::numeric_limits<size_t>::max();
// glTF nests a handful of levels; the limit keeps recursive JSON code (tinygltf's value parser and
// serialiser) far from the stack's end on hostile input.
constexpr int kMaxJsonDepth = 64;

uint32_t little_endian32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

std::string printable_magic(const uint8_t* p) {
  std::string s = "\"";
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\') {
      s += char(p[i]);
    } else {
      s += std::string("\\x") + hex[p[i] >> 4] + hex[p[i] & 15];
    }
  }
  return s + "\"";
}

// The GLB header and chunk table (glTF 2.0 spec, "Binary glTF Layout").
void check_container(const uint8_t* data, size_t size) {
  if (size == 0) throw AssetError("file is 0 bytes");
  if (size < 4) throw AssetError("not a GLB file (" + std::to_string(size) + " bytes)");
  if (std::memcmp(data, "glTF", 4) != 0) {
    throw AssetError("not a GLB file (magic " + printable_magic(data) + ", expected \"glTF\")");
  }
  if (size < 20) throw AssetError("truncated: " + std::to_string(size) + " bytes, GLB header needs 20");
  if (size > 0xFFFFFFFFull) throw AssetError("file is over 4 GiB, more than GLB can hold");
  const uint32_t version = little_endian32(data + 4);
  if (version != 2) {
    throw AssetError("GLB container version " + std::to_string(version) + " (expected 2)");
  }
  const uint32_t length = little_endian32(data + 8);
  if (length > size) {
    throw AssetError("truncated: GLB header says " + std::to_string(length) +
                     " bytes but the file has " + std::to_string(size));
  }
  if (length < size) {
    throw AssetError("GLB header says " + std::to_string(length) + " bytes but the file has " +
                     std::to_string(size) + " (trailing data)");
  }
  const uint64_t json_length = little_endian32(data + 12);
  if (std::memcmp(data + 16, "JSON", 4) != 0) throw AssetError("first GLB chunk is not JSON");
  if (json_length == 0 || 20 + json_length > length) {
    throw AssetError("truncated: JSON chunk of " + std::to_string(json_length) +
                     " bytes does not fit in the file");
  }
  const uint64_t bin_start = 20 + json_length;
  if (bin_start < length) {
    if (bin_start + 8 > length) throw AssetError("truncated: incomplete BIN chunk header");
    const uint64_t bin_length = little_endian32(data + bin_start);
    if (std::memcmp(data + bin_start + 4, "BIN\0", 4) != 0) {
      throw AssetError("second GLB chunk is not BIN");
    }
    if (bin_start + 8 + bin_length > length) {
      throw AssetError("truncated: BIN chunk of " + std::to_string(bin_length) +
                       " bytes does not fit in the file");
    }
  }
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (uint64_t i = 20; i < bin_start; ++i) {
    const char c = char(data[i]);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        throw AssetError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

bool keep_image_bytes(tinygltf::Image* image, const int, std::string*, std::string*, int, int,
                      const unsigned char*, int, void*) {
  // Plates stay encoded; their bytes are taken from the buffer view with bounds checks below.
  image->as_is = true;
  return true;
}

// Every file "exists" so that tinygltf goes on to no_file_read, which refuses with the reason.
bool any_file_exists(const std::string&, void*) { return true; }
std::string same_path(const std::string& path, void*) { return path; }
bool no_file_read(std::vector<unsigned char>*, std::string* err, const std::string& path, void*) {
  if (err) *err += "external file \"" + path + "\" referenced; an avatar must be self-contained\n";
  return false;
}
bool no_file_write(std::string*, const std::string&, const std::vector<unsigned char>&, void*) {
  return false;
}

// --- JSON fields of our extension (parsed without exceptions; every type checked) ---

const json& member(const json& object, const char* key, const std::string& path) {
  if (!object.is_object()) fail(path, "must be a JSON object");
  const auto it = object.find(key);
  if (it == object.end()) fail(path + "." + key, "missing");
  return *it;
}

int64_t integer(const json& object, const char* key, const std::string& path, int64_t lo,
                int64_t hi) {
  const json& v = member(object, key, path);
  const std::string p = path + "." + key;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(hi)) fail(p, std::to_string(u) + " > " + std::to_string(hi));
    if (int64_t(u) < lo) fail(p, std::to_string(u) + " < " + std::to_string(lo));
    return int64_t(u);
  }
  if (!v.is_number_integer()) fail(p, "must be an integer");
  const int64_t i = v.get<int64_t>();
  if (i < lo || i > hi) {
    fail(p, std::to_string(i) + " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return i;
}

int int32(const json& object, const char* key, const std::string& path) {
  return int(integer(object, key, path, std::numeric_limits<int>::min(),
                     std::numeric_limits<int>::max()));
}

double number(const json& object, const char* key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_number()) fail(path + "." + key, "must be a number");
  return v.get<double>();
}

std::string text(const json& object, const char* key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_string()) fail(path + "." + key, "must be a string");
  return v.get<std::string>();
}

const json& array(const json& object, const char* key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_array()) fail(path + "." + key, "must be an array");
  return v;
}

json parse_json(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) fail(path, "invalid JSON");
  return j;
}

// --- glTF objects, bounds-checked ---

struct Reader {
  const tinygltf::Model& model;

  const tinygltf::Buffer& buffer_of(const tinygltf::BufferView& view, const std::string& path) {
    if (view.buffer < 0 || size_t(view.buffer) >= model.buffers.size()) {
      fail(path, "buffer " + std::to_string(view.buffer) + " does not exist");
    }
    const tinygltf::Buffer& buffer = model.buffers[size_t(view.buffer)];
    if (detail::checked_add(view.byteOffset, view.byteLength, path) > buffer.data.size()) {
      fail(path, "buffer view [" + std::to_string(view.byteOffset) + ", +" +
                     std::to_string(view.byteLength) + ") runs past its buffer of " +
                     std::to_string(buffer.data.size()) + " bytes");
    }
    return buffer;
  }

  const tinygltf::BufferView& view(int64_t index, const std::string& path) {
    if (index < 0 || uint64_t(index) >= model.bufferViews.size()) {
      fail(path, "buffer view " + std::to_string(index) + " does not exist (" +
                     std::to_string(model.bufferViews.size()) + " views)");
    }
    return model.bufferViews[size_t(index)];
  }

  std::vector<uint8_t> view_bytes(int64_t index, const std::string& path) {
    const tinygltf::BufferView& v = view(index, path);
    const tinygltf::Buffer& b = buffer_of(v, path);
    return {b.data.begin() + std::ptrdiff_t(v.byteOffset),
            b.data.begin() + std::ptrdiff_t(v.byteOffset + v.byteLength)};
  }

  // Elements of `components` values of T each; `count` kAnyCount accepts any count.
  template <typename T>
  std::vector<T> accessor(int64_t index, int component_type, int type, size_t components,
                          size_t count, const std::string& path, const char* count_meaning) {
    if (index < 0 || uint64_t(index) >= model.accessors.size()) {
      fail(path, "accessor " + std::to_string(index) + " does not exist (" +
                     std::to_string(model.accessors.size()) + " accessors)");
    }
    const tinygltf::Accessor& a = model.accessors[size_t(index)];
    const std::string ap = path + " (accessor " + std::to_string(index) + ")";
    if (a.sparse.isSparse) fail(ap, "sparse accessors are not supported");
    if (a.componentType != component_type || a.type != type || a.normalized) {
      fail(ap, "component type " + std::to_string(a.componentType) + ", type " +
                   std::to_string(a.type) + (a.normalized ? " normalized" : "") + "; expected " +
                   std::to_string(component_type) + ", type " + std::to_string(type));
    }
    if (count != kAnyCount && a.count != count) {
      fail(ap, std::to_string(a.count) + " elements, expected " + std::to_string(count) + " (" +
                   count_meaning + ")");
    }
    if (a.count == 0) fail(ap, "has no elements");
    const tinygltf::BufferView& v = view(a.bufferView, ap);
    const tinygltf::Buffer& b = buffer_of(v, ap);
    const size_t element = sizeof(T) * components;
    const size_t stride = v.byteStride ? v.byteStride : element;
    if (stride < element) fail(ap, "byte stride " + std::to_string(stride) + " < element size");
    const size_t span = detail::checked_add(
        detail::checked_mul(a.count - 1, stride, ap + " count * stride"), element, ap);
    if (detail::checked_add(a.byteOffset, span, ap) > v.byteLength) {
      fail(ap, std::to_string(a.count) + " elements need " + std::to_string(span) +
                   " bytes at offset " + std::to_string(a.byteOffset) + " but the buffer view has " +
                   std::to_string(v.byteLength));
    }
    std::vector<T> out(detail::checked_mul(a.count, components, ap));
    const uint8_t* base = b.data.data() + v.byteOffset + a.byteOffset;
    for (size_t i = 0; i < a.count; ++i) {
      std::memcpy(&out[i * components], base + i * stride, element);
    }
    return out;
  }

  std::vector<float> floats(int64_t index, int type, size_t components, size_t count,
                            const std::string& path, const char* meaning) {
    return accessor<float>(index, TINYGLTF_COMPONENT_TYPE_FLOAT, type, components, count, path,
                           meaning);
  }

  const tinygltf::Primitive& only_primitive(int64_t mesh, int mode, const std::string& path) {
    if (mesh < 0 || uint64_t(mesh) >= model.meshes.size()) {
      fail(path, "mesh " + std::to_string(mesh) + " does not exist");
    }
    const tinygltf::Mesh& m = model.meshes[size_t(mesh)];
    if (m.primitives.size() != 1) {
      fail(path, "mesh has " + std::to_string(m.primitives.size()) + " primitives, expected 1");
    }
    if (m.primitives[0].mode != mode) {
      fail(path, "primitive mode " + std::to_string(m.primitives[0].mode) + ", expected " +
                     std::to_string(mode));
    }
    return m.primitives[0];
  }
};

int attribute(const tinygltf::Primitive& p, const std::string& name, const std::string& path) {
  const auto it = p.attributes.find(name);
  if (it == p.attributes.end()) fail(path, "attribute " + name + " missing");
  return it->second;
}

Gaussians read_gaussians(Reader& r, const json& ext) {
  const std::string path = "gaussians";
  const tinygltf::Primitive& p =
      r.only_primitive(integer(member(ext, "gaussians", path), "mesh", path, 0, INT32_MAX),
                       TINYGLTF_MODE_POINTS, path);
  const json splat = parse_json(p.extensions_json_string, path + ".extensions");
  if (!splat.is_object() || !splat.contains(detail::kSplatExtensionName)) {
    fail(path, "primitive lacks the KHR_gaussian_splatting extension");
  }
  const json& khr = splat[detail::kSplatExtensionName];
  const std::string kp = path + ".KHR_gaussian_splatting";
  if (text(khr, "kernel", kp) != "ellipse") fail(kp + ".kernel", "only \"ellipse\" is supported");
  if (text(khr, "colorSpace", kp) != detail::kSplatColorSpace) {
    fail(kp + ".colorSpace", std::string("only \"") + detail::kSplatColorSpace + "\" is supported");
  }

  Gaussians g;
  g.positions = r.floats(attribute(p, "POSITION", path), TINYGLTF_TYPE_VEC3, 3, kAnyCount,
                         path + ".position", "");
  const size_t n = g.positions.size() / 3;
  const char* per = "one per Gaussian";
  g.rotations = r.floats(attribute(p, detail::kSplatRotation, path), TINYGLTF_TYPE_VEC4, 4, n,
                         path + ".rotation", per);
  g.log_scales = r.floats(attribute(p, detail::kSplatScale, path), TINYGLTF_TYPE_VEC3, 3, n,
                          path + ".log_scale", per);
  g.opacities = r.floats(attribute(p, detail::kSplatOpacity, path), TINYGLTF_TYPE_SCALAR, 1, n,
                         path + ".opacity", per);

  const std::string sh_prefix = "KHR_gaussian_splatting:SH_DEGREE_";
  for (const auto& [name, index] : p.attributes) {
    if (name.compare(0, sh_prefix.size(), sh_prefix) != 0) continue;
    const bool known = name == detail::sh_attribute(0, 0) || name == detail::sh_attribute(1, 0) ||
                       name == detail::sh_attribute(1, 1) || name == detail::sh_attribute(1, 2);
    if (!known) fail(path, "attribute " + name + " not supported (this build reads SH degree <= 1)");
  }
  const bool has_degree1 = p.attributes.count(detail::sh_attribute(1, 0)) ||
                           p.attributes.count(detail::sh_attribute(1, 1)) ||
                           p.attributes.count(detail::sh_attribute(1, 2));
  g.sh_degree = has_degree1 ? 1 : 0;
  const size_t coefficients = size_t(g.sh_coefficients());
  g.sh.resize(detail::checked_mul(n, 3 * coefficients, path + ".sh"));
  for (int degree = 0, k = 0; degree <= g.sh_degree; ++degree) {
    for (int c = 0; c < 2 * degree + 1; ++c, ++k) {
      const std::string name = detail::sh_attribute(degree, c);
      const std::vector<float> values =
          r.floats(attribute(p, name, path), TINYGLTF_TYPE_VEC3, 3, n, path + ".sh", per);
      for (size_t i = 0; i < n; ++i) {
        std::memcpy(&g.sh[(i * coefficients + size_t(k)) * 3], &values[3 * i], 3 * sizeof(float));
      }
    }
  }
  return g;
}

Binding read_binding(Reader& r, const json& ext, size_t n) {
  const std::string path = "binding";
  const json& b = member(ext, "binding", "extensions.BEING_avatar");
  const char* per = "one per Gaussian";
  auto index = [&](const char* key) { return integer(b, key, path, 0, INT32_MAX); };
  Binding out;
  out.groups = r.accessor<uint8_t>(index("group"), TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE,
                                   TINYGLTF_TYPE_SCALAR, 1, n, path + ".group", per);
  out.triangles = r.accessor<uint32_t>(index("triangle"), TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT,
                                       TINYGLTF_TYPE_SCALAR, 1, n, path + ".triangle", per);
  out.barycentrics = r.floats(index("barycentric"), TINYGLTF_TYPE_VEC3, 3, n,
                              path + ".barycentric", per);
  out.normal_offsets = r.floats(index("normal_offset"), TINYGLTF_TYPE_SCALAR, 1, n,
                                path + ".normal_offset", per);
  out.local_rotations = r.floats(index("local_rotation"), TINYGLTF_TYPE_VEC4, 4, n,
                                 path + ".local_rotation", per);
  out.local_log_scales = r.floats(index("local_log_scale"), TINYGLTF_TYPE_VEC3, 3, n,
                                  path + ".local_log_scale", per);
  return out;
}

FaceMesh read_face(Reader& r, const json& ext) {
  const std::string path = "face";
  const int64_t mesh = integer(member(ext, "face", path), "mesh", path, 0, INT32_MAX);
  const tinygltf::Primitive& p = r.only_primitive(mesh, TINYGLTF_MODE_TRIANGLES, path);
  FaceMesh f;
  f.vertices = r.floats(attribute(p, "POSITION", path), TINYGLTF_TYPE_VEC3, 3, kAnyCount,
                        path + ".vertices", "");
  const size_t v = f.vertices.size() / 3;
  f.triangles = r.accessor<uint32_t>(p.indices, TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT,
                                     TINYGLTF_TYPE_SCALAR, 1, kAnyCount, path + ".triangles", "");
  if (f.triangles.size() % 3 != 0) {
    fail(path + ".triangles", std::to_string(f.triangles.size()) + " indices, not a multiple of 3");
  }
  const size_t k = p.targets.size();
  if (k > 0) {
    const json extras =
        parse_json(r.model.meshes[size_t(mesh)].extras_json_string, path + ".extras");
    const json& names = array(extras, "targetNames", path + ".extras");
    if (names.size() != k) {
      fail(path + ".extras.targetNames", std::to_string(names.size()) + " names for " +
                                             std::to_string(k) + " morph targets");
    }
    for (size_t i = 0; i < k; ++i) {
      if (!names[i].is_string()) fail(at(path + ".extras.targetNames", i), "must be a string");
      f.expression_names.push_back(names[i].get<std::string>());
    }
  }
  f.expression_basis.resize(detail::checked_mul(k, f.vertices.size(), path + ".expression_basis"));
  for (size_t i = 0; i < k; ++i) {
    const std::string tp = at(path + ".expression_basis", i);
    const auto it = p.targets[i].find("POSITION");
    if (it == p.targets[i].end()) fail(tp, "morph target without POSITION");
    const std::vector<float> delta =
        r.floats(it->second, TINYGLTF_TYPE_VEC3, 3, v, tp, "one per vertex");
    std::memcpy(&f.expression_basis[i * f.vertices.size()], delta.data(),
                delta.size() * sizeof(float));
  }
  return f;
}

LayerType layer_type(const std::string& name, const std::string& path) {
  for (LayerType t : {LayerType::linear, LayerType::conv1d, LayerType::layer_norm,
                      LayerType::self_attention, LayerType::relu, LayerType::gelu,
                      LayerType::silu, LayerType::tanh, LayerType::sigmoid}) {
    if (to_string(t) == name) return t;
  }
  fail(path, "unknown layer type \"" + name + "\"");
}

Layer read_layer(const json& j, const std::string& path) {
  constexpr int64_t lo = std::numeric_limits<int32_t>::min();
  constexpr int64_t hi = std::numeric_limits<int32_t>::max();
  Layer l;
  l.type = layer_type(text(j, "type", path), path + ".type");
  switch (l.type) {
    case LayerType::linear:
      l.in = integer(j, "in", path, lo, hi);
      l.out = integer(j, "out", path, lo, hi);
      break;
    case LayerType::conv1d:
      l.in = integer(j, "in", path, lo, hi);
      l.out = integer(j, "out", path, lo, hi);
      l.kernel = integer(j, "kernel", path, lo, hi);
      l.stride = integer(j, "stride", path, lo, hi);
      l.dilation = integer(j, "dilation", path, lo, hi);
      l.padding = integer(j, "padding", path, lo, hi);
      break;
    case LayerType::layer_norm: l.dim = integer(j, "dim", path, lo, hi); break;
    case LayerType::self_attention:
      l.dim = integer(j, "dim", path, lo, hi);
      l.heads = integer(j, "heads", path, lo, hi);
      break;
    default: break;
  }
  return l;
}

Network read_network(Reader& r, const json& j, const std::string& index_path) {
  Network net;
  net.name = text(j, "name", index_path);
  const std::string path = "networks." + net.name;
  net.input_dim = integer(j, "input_dim", path, INT32_MIN, INT32_MAX);
  net.output_dim = integer(j, "output_dim", path, INT32_MIN, INT32_MAX);
  const json& layers = array(j, "layers", path);
  for (size_t i = 0; i < layers.size(); ++i) {
    net.layers.push_back(read_layer(layers[i], at(path + ".layers", i)));
  }
  const json& tensors = array(j, "tensors", path);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string ip = at(path + ".tensors", i);
    Tensor t;
    t.name = text(tensors[i], "name", ip);
    const std::string tp = detail::quoted_at(path + ".tensors", t.name);
    const std::string dtype = text(tensors[i], "dtype", tp);
    if (dtype == "float32") {
      t.dtype = DType::float32;
    } else if (dtype == "float16") {
      t.dtype = DType::float16;
    } else {
      fail(tp + ".dtype", "\"" + dtype + "\" not supported (float32 or float16)");
    }
    const json& shape = array(tensors[i], "shape", tp);
    if (shape.empty() || shape.size() > 8) fail(tp + ".shape", "must have 1 to 8 dimensions");
    for (size_t d = 0; d < shape.size(); ++d) {
      if (!shape[d].is_number_integer() || shape[d].get<int64_t>() < 1 ||
          shape[d].get<int64_t>() > INT32_MAX) {
        fail(at(tp + ".shape", d), "must be an integer in [1, 2^31)");
      }
      t.shape.push_back(shape[d].get<int64_t>());
    }
    t.data = r.view_bytes(integer(tensors[i], "bufferView", tp, 0, INT32_MAX), tp);
    net.tensors.push_back(std::move(t));
  }
  return net;
}

AudioConfig read_audio(const json& ext) {
  const std::string path = "audio";
  const json& j = member(ext, "audio", "extensions.BEING_avatar");
  AudioConfig a;
  a.sample_rate = int32(j, "sample_rate", path);
  a.mel_bins = int32(j, "mel_bins", path);
  a.window = int32(j, "window", path);
  a.hop = int32(j, "hop", path);
  a.fmin = number(j, "fmin", path);
  a.fmax = number(j, "fmax", path);
  const std::string mode = text(j, "normalisation", path);
  if (mode == "none") {
    a.normalisation = MelNormalisation::none;
  } else if (mode == "per_utterance") {
    a.normalisation = MelNormalisation::per_utterance;
  } else {
    fail(path + ".normalisation", "\"" + mode + "\" unknown (none or per_utterance)");
  }
  a.video_fps = number(j, "video_fps", path);
  a.context_before = int32(j, "context_before", path);
  a.context_after = int32(j, "context_after", path);
  for (auto [key, out] : {std::pair{"mel_mean", &a.mel_mean}, std::pair{"mel_std", &a.mel_std}}) {
    if (!j.contains(key)) continue;
    for (const json& v : array(j, key, path)) {
      if (!v.is_number()) fail(path + "." + key, "must be an array of numbers");
      out->push_back(v.get<float>());
    }
  }
  return a;
}

Camera read_camera(const json& ext) {
  const std::string path = "camera";
  const json& j = member(ext, "camera", "extensions.BEING_avatar");
  Camera c;
  c.fx = number(j, "fx", path);
  c.fy = number(j, "fy", path);
  c.cx = number(j, "cx", path);
  c.cy = number(j, "cy", path);
  c.width = int32(j, "width", path);
  c.height = int32(j, "height", path);
  return c;
}

IdleLoop read_idle(Reader& r, const json& ext) {
  const std::string path = "idle";
  const json& j = member(ext, "idle", "extensions.BEING_avatar");
  IdleLoop idle;
  idle.fps = number(j, "fps", path);
  idle.translations = r.floats(integer(j, "translation", path, 0, INT32_MAX), TINYGLTF_TYPE_VEC3,
                               3, kAnyCount, path + ".translation", "");
  idle.rotations = r.floats(integer(j, "rotation", path, 0, INT32_MAX), TINYGLTF_TYPE_VEC4, 4,
                            idle.frame_count(), path + ".rotation", "one per frame");
  const json& plates = array(j, "plates", path);
  for (size_t i = 0; i < plates.size(); ++i) {
    const std::string pp = at(path + ".plates", i);
    if (!plates[i].is_number_integer() || plates[i].get<int64_t>() < 0 ||
        uint64_t(plates[i].get<int64_t>()) >= r.model.images.size()) {
      fail(pp, "not an image index (" + std::to_string(r.model.images.size()) + " images)");
    }
    const tinygltf::Image& image = r.model.images[plates[i].get<size_t>()];
    Plate plate;
    if (image.mimeType == "image/png") {
      plate.format = ImageFormat::png;
    } else if (image.mimeType == "image/jpeg") {
      plate.format = ImageFormat::jpeg;
    } else {
      fail(pp, "mime type \"" + image.mimeType + "\" (image/png or image/jpeg)");
    }
    if (image.bufferView < 0) fail(pp, "image must be stored in a buffer view");
    plate.bytes = r.view_bytes(image.bufferView, pp);
    idle.plates.push_back(std::move(plate));
  }
  return idle;
}

// `count` numbers of the optional array `key` (absent: `out` keeps its defaults).
template <typename Out>
void read_numbers(const json& j, const char* key, const std::string& path, size_t count, Out& out) {
  if (!j.contains(key)) return;
  const json& values = array(j, key, path);
  if (values.size() != count) fail(path + "." + key, "must have " + std::to_string(count) + " values");
  for (size_t i = 0; i < count; ++i) {
    if (!values[i].is_number()) fail(at(path + "." + key, i), "must be a number");
    out[i] = values[i].get<typename Out::value_type>();
  }
}

// Every key is optional; validate() checks the values against the face, audio and idle loop.
Tuning read_tuning(const json& ext) {
  Tuning t;
  if (!ext.contains("tuning")) return t;
  const std::string path = "tuning";
  const json& j = member(ext, "tuning", "extensions.BEING_avatar");
  if (!j.is_object()) fail(path, "must be a JSON object");
  if (j.contains("expression_weights")) {
    t.expression_weights.resize(array(j, "expression_weights", path).size());
    read_numbers(j, "expression_weights", path, t.expression_weights.size(), t.expression_weights);
  }
  if (j.contains("expression_gain")) t.expression_gain = number(j, "expression_gain", path);
  if (j.contains("smoothing")) t.smoothing = number(j, "smoothing", path);
  if (j.contains("look_ahead_frames")) t.look_ahead_frames = int32(j, "look_ahead_frames", path);
  if (j.contains("plate")) {
    const std::string pp = path + ".plate";
    const json& plate = member(j, "plate", path);
    if (!plate.is_object()) fail(pp, "must be a JSON object");
    read_numbers(plate, "gain", pp, 3, t.plate_gain);
    read_numbers(plate, "offset", pp, 3, t.plate_offset);
    if (plate.contains("saturation")) t.plate_saturation = float(number(plate, "saturation", pp));
  }
  if (j.contains("idle_segment")) {
    const json& segment = array(j, "idle_segment", path);
    if (segment.size() != 2) fail(path + ".idle_segment", "must be [first, count]");
    int* out[2] = {&t.idle_first, &t.idle_count};
    for (size_t i = 0; i < 2; ++i) {
      if (!segment[i].is_number_integer() || segment[i].get<int64_t>() < 0 || segment[i].get<int64_t>() > INT32_MAX) {
        fail(at(path + ".idle_segment", i), "must be an integer in [0, 2^31)");
      }
      *out[i] = int(segment[i].get<int64_t>());
    }
  }
  return t;
}

}  // namespace

Avatar read_avatar_from_memory(const uint8_t* data, size_t size) {
  check_container(data, size);

  tinygltf::TinyGLTF loader;
  loader.SetStoreOriginalJSONForExtrasAndExtensions(true);
  loader.SetImageLoader(keep_image_bytes, nullptr);
  loader.SetFsCallbacks({any_file_exists, same_path, no_file_read, no_file_write, nullptr});
  tinygltf::Model model;
  std::string error, warning;
  if (!loader.LoadBinaryFromMemory(&model, &error, &warning, data, unsigned(size), "",
                                   tinygltf::REQUIRE_VERSION)) {
    while (!error.empty() && error.back() == '\n') error.pop_back();
    throw AssetError("glTF: " + error);
  }

  const json extensions = parse_json(model.extensions_json_string, "extensions");
  if (!extensions.is_object() || !extensions.contains(detail::kExtensionName)) {
    throw AssetError("extensions.BEING_avatar: missing (a glTF file, but not a Being avatar)");
  }
  const json& ext = extensions[detail::kExtensionName];
  const int64_t version = integer(ext, "version", "extensions.BEING_avatar", INT32_MIN, INT32_MAX);
  if (version != kFormatVersion) {
    fail("extensions.BEING_avatar.version",
         "format version " + std::to_string(version) + " not supported (this build reads " +
             std::to_string(kFormatVersion) + ")");
  }

  Reader reader{model};
  Avatar avatar;
  avatar.gaussians = read_gaussians(reader, ext);
  avatar.binding = read_binding(reader, ext, avatar.gaussians.count());
  avatar.face = read_face(reader, ext);
  const json& networks = array(ext, "networks", "extensions.BEING_avatar");
  for (size_t i = 0; i < networks.size(); ++i) {
    avatar.networks.push_back(read_network(reader, networks[i], at("networks", i)));
  }
  avatar.audio = read_audio(ext);
  avatar.camera = read_camera(ext);
  avatar.idle = read_idle(reader, ext);
  avatar.tuning = read_tuning(ext);
  validate(avatar);
  return avatar;
}

Avatar read_avatar(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw AssetError(path.string() + ": not a readable file");
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw AssetError(path.string() + ": read error");
  try {
    return read_avatar_from_memory(bytes.data(), bytes.size());
  } catch (const AssetError& e) {
    throw AssetError(path.string() + ": " + e.what());
  }
}

}  // namespace being::asset
