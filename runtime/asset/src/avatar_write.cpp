// Writes the GLB container directly with nlohmann::json: the layout (one buffer, 16-byte aligned
// views, our extension's JSON) is fully ours, and tinygltf reads it back in avatar_read.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "being/asset/avatar.h"
#include "checks.h"

namespace being::asset {
namespace {

using nlohmann::json;

constexpr int kFloat = 5126;
constexpr int kUnsignedInt = 5125;
constexpr int kUnsignedByte = 5121;

class GlbBuilder {
 public:
  json views = json::array();
  json accessors = json::array();
  std::vector<uint8_t> bin;

  int view(const void* data, size_t bytes) {
    bin.resize((bin.size() + 15) / 16 * 16, 0);
    json v = {{"buffer", 0}, {"byteOffset", bin.size()}, {"byteLength", bytes}};
    const auto* p = static_cast<const uint8_t*>(data);
    bin.insert(bin.end(), p, p + bytes);
    views.push_back(std::move(v));
    return int(views.size() - 1);
  }

  // An accessor over `count` elements of `type` ("SCALAR", "VEC3", ...); min/max for positions.
  template <typename T>
  int accessor(const std::vector<T>& values, int component_type, const char* type, size_t width,
               bool with_bounds = false) {
    const int v = view(values.data(), values.size() * sizeof(T));
    json a = {{"bufferView", v},
              {"componentType", component_type},
              {"type", type},
              {"count", values.size() / width}};
    if (with_bounds) {
      std::vector<double> lo(width, 0.0), hi(width, 0.0);
      for (size_t c = 0; c < width && c < values.size(); ++c) lo[c] = hi[c] = values[c];
      for (size_t i = 0; i < values.size(); ++i) {
        lo[i % width] = std::min<double>(lo[i % width], values[i]);
        hi[i % width] = std::max<double>(hi[i % width], values[i]);
      }
      a["min"] = lo;
      a["max"] = hi;
    }
    accessors.push_back(std::move(a));
    return int(accessors.size() - 1);
  }
};

std::vector<float> sh_coefficient(const Gaussians& g, int coefficient) {
  const size_t n = g.count();
  const size_t stride = 3 * size_t(g.sh_coefficients());
  std::vector<float> out(3 * n);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(&out[3 * i], &g.sh[i * stride + 3 * size_t(coefficient)], 3 * sizeof(float));
  }
  return out;
}

json gaussian_mesh(const Gaussians& g, GlbBuilder& b) {
  json attributes = {
      {"POSITION", b.accessor(g.positions, kFloat, "VEC3", 3, true)},
      {detail::kSplatRotation, b.accessor(g.rotations, kFloat, "VEC4", 4)},
      {detail::kSplatScale, b.accessor(g.log_scales, kFloat, "VEC3", 3)},
      {detail::kSplatOpacity, b.accessor(g.opacities, kFloat, "SCALAR", 1)},
  };
  for (int degree = 0, coefficient = 0; degree <= g.sh_degree; ++degree) {
    for (int c = 0; c < 2 * degree + 1; ++c, ++coefficient) {
      attributes[detail::sh_attribute(degree, c)] =
          b.accessor(sh_coefficient(g, coefficient), kFloat, "VEC3", 3);
    }
  }
  json splat = {{"kernel", "ellipse"},
                {"colorSpace", detail::kSplatColorSpace},
                {"projection", "perspective"},
                {"sortingMethod", "cameraDistance"}};
  json primitive = {{"mode", 0},
                    {"attributes", attributes},
                    {"extensions", {{detail::kSplatExtensionName, splat}}}};
  return {{"name", "gaussians"}, {"primitives", json::array({primitive})}};
}

json face_mesh(const FaceMesh& f, GlbBuilder& b) {
  json primitive = {{"mode", 4},
                    {"attributes", {{"POSITION", b.accessor(f.vertices, kFloat, "VEC3", 3, true)}}},
                    {"indices", b.accessor(f.triangles, kUnsignedInt, "SCALAR", 1)}};
  json mesh = {{"name", "face"}};
  const size_t values_per_target = f.vertices.size();
  if (f.expression_dim() > 0) {
    json targets = json::array();
    for (size_t k = 0; k < f.expression_dim(); ++k) {
      const auto first = f.expression_basis.begin() + std::ptrdiff_t(k * values_per_target);
      const std::vector<float> target(first, first + std::ptrdiff_t(values_per_target));
      targets.push_back({{"POSITION", b.accessor(target, kFloat, "VEC3", 3, true)}});
    }
    primitive["targets"] = targets;
    mesh["weights"] = std::vector<double>(f.expression_dim(), 0.0);
    mesh["extras"] = {{"targetNames", f.expression_names}};
  }
  mesh["primitives"] = json::array({primitive});
  return mesh;
}

json layer_json(const Layer& l) {
  json j = {{"type", to_string(l.type)}};
  switch (l.type) {
    case LayerType::linear: j["in"] = l.in; j["out"] = l.out; break;
    case LayerType::conv1d:
      j["in"] = l.in;
      j["out"] = l.out;
      j["kernel"] = l.kernel;
      j["stride"] = l.stride;
      j["dilation"] = l.dilation;
      j["padding"] = l.padding;
      break;
    case LayerType::layer_norm: j["dim"] = l.dim; break;
    case LayerType::self_attention: j["dim"] = l.dim; j["heads"] = l.heads; break;
    default: break;
  }
  return j;
}

json network_json(const Network& net, GlbBuilder& b) {
  json layers = json::array();
  for (const Layer& l : net.layers) layers.push_back(layer_json(l));
  json tensors = json::array();
  for (const Tensor& t : net.tensors) {
    tensors.push_back({{"name", t.name},
                       {"dtype", to_string(t.dtype)},
                       {"shape", t.shape},
                       {"bufferView", b.view(t.data.data(), t.data.size())}});
  }
  return {{"name", net.name},
          {"input_dim", net.input_dim},
          {"output_dim", net.output_dim},
          {"layers", layers},
          {"tensors", tensors}};
}

// Written only when it changes something, so untuned avatars keep the bytes they had before tuning existed.
json tuning_json(const Tuning& t) {
  json j = {{"expression_gain", t.expression_gain},
            {"smoothing", t.smoothing},
            {"plate", {{"gain", t.plate_gain}, {"offset", t.plate_offset}, {"saturation", t.plate_saturation}}},
            {"idle_segment", {t.idle_first, t.idle_count}}};
  if (!t.expression_weights.empty()) j["expression_weights"] = t.expression_weights;
  if (t.look_ahead_frames >= 0) j["look_ahead_frames"] = t.look_ahead_frames;
  return j;
}

json avatar_json(const Avatar& a, GlbBuilder& b) {
  const Binding& bind = a.binding;
  json binding = {
      {"group", b.accessor(bind.groups, kUnsignedByte, "SCALAR", 1)},
      {"triangle", b.accessor(bind.triangles, kUnsignedInt, "SCALAR", 1)},
      {"barycentric", b.accessor(bind.barycentrics, kFloat, "VEC3", 3)},
      {"normal_offset", b.accessor(bind.normal_offsets, kFloat, "SCALAR", 1)},
      {"local_rotation", b.accessor(bind.local_rotations, kFloat, "VEC4", 4)},
      {"local_log_scale", b.accessor(bind.local_log_scales, kFloat, "VEC3", 3)},
  };
  json networks = json::array();
  for (const Network& n : a.networks) networks.push_back(network_json(n, b));
  const AudioConfig& au = a.audio;
  json audio = {{"sample_rate", au.sample_rate},
                {"mel_bins", au.mel_bins},
                {"window", au.window},
                {"hop", au.hop},
                {"fmin", au.fmin},
                {"fmax", au.fmax},
                {"normalisation",
                 au.normalisation == MelNormalisation::none ? "none" : "per_utterance"},
                {"video_fps", au.video_fps},
                {"context_before", au.context_before},
                {"context_after", au.context_after}};
  if (!au.mel_mean.empty() || !au.mel_std.empty()) {
    audio["mel_mean"] = au.mel_mean;
    audio["mel_std"] = au.mel_std;
  }
  const Camera& c = a.camera;
  json camera = {{"fx", c.fx}, {"fy", c.fy}, {"cx", c.cx},
                 {"cy", c.cy}, {"width", c.width}, {"height", c.height}};
  json idle = {{"fps", a.idle.fps},
               {"rotation", b.accessor(a.idle.rotations, kFloat, "VEC4", 4)},
               {"translation", b.accessor(a.idle.translations, kFloat, "VEC3", 3)},
               {"plates", json::array()}};
  for (size_t i = 0; i < a.idle.plates.size(); ++i) idle["plates"].push_back(i);
  json extension = {{"version", kFormatVersion},
          {"gaussians", {{"mesh", 0}}},
          {"face", {{"mesh", 1}}},
          {"binding", binding},
          {"networks", networks},
          {"audio", audio},
          {"camera", camera},
          {"idle", idle}};
  if (!a.tuning.is_default()) extension["tuning"] = tuning_json(a.tuning);
  return extension;
}

void append_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

std::vector<uint8_t> encode(const Avatar& a) {
  GlbBuilder b;
  json meshes = json::array({gaussian_mesh(a.gaussians, b), face_mesh(a.face, b)});
  json extension = avatar_json(a, b);
  json images = json::array();
  for (const Plate& p : a.idle.plates) {
    images.push_back({{"bufferView", b.view(p.bytes.data(), p.bytes.size())},
                      {"mimeType", p.format == ImageFormat::png ? "image/png" : "image/jpeg"}});
  }
  b.bin.resize((b.bin.size() + 3) / 4 * 4, 0);
  json doc = {
      {"asset", {{"version", "2.0"}, {"generator", "Being avatar writer (format 1)"}}},
      {"extensionsUsed", {detail::kSplatExtensionName, detail::kExtensionName}},
      {"scene", 0},
      {"scenes", json::array({{{"nodes", {0}}}})},
      {"nodes", json::array({{{"name", "gaussians"}, {"mesh", 0}}, {{"name", "face"}, {"mesh", 1}}})},
      {"meshes", meshes},
      {"buffers", json::array({{{"byteLength", b.bin.size()}}})},
      {"bufferViews", b.views},
      {"accessors", b.accessors},
      {"extensions", {{detail::kExtensionName, extension}}},
  };
  if (!images.empty()) doc["images"] = images;
  std::string text = doc.dump();
  text.resize((text.size() + 3) / 4 * 4, ' ');

  const uint64_t total = 12 + 8 + uint64_t(text.size()) + 8 + b.bin.size();
  if (total > 0xFFFFFFFFull) {
    detail::fail("avatar", "encodes to " + std::to_string(total) +
                               " bytes, over the 4 GiB a GLB file can hold");
  }
  std::vector<uint8_t> out;
  out.reserve(size_t(total));
  out.insert(out.end(), {'g', 'l', 'T', 'F'});
  append_u32(out, 2);
  append_u32(out, uint32_t(total));
  append_u32(out, uint32_t(text.size()));
  out.insert(out.end(), {'J', 'S', 'O', 'N'});
  out.insert(out.end(), text.begin(), text.end());
  append_u32(out, uint32_t(b.bin.size()));
  out.insert(out.end(), {'B', 'I', 'N', 0});
  out.insert(out.end(), b.bin.begin(), b.bin.end());
  return out;
}

[[noreturn]] void io_fail(const std::filesystem::path& path, const char* what, int error) {
  throw AssetError(path.string() + ": " + what + ": " + std::strerror(error));
}

}  // namespace

std::vector<uint8_t> write_avatar_to_memory(const Avatar& avatar) {
  validate(avatar);
  return encode(avatar);
}

void write_avatar(const Avatar& avatar, const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = write_avatar_to_memory(avatar);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  if (fd < 0) io_fail(path, "cannot create a temporary file next to it", errno);
  size_t written = 0;
  int error = ::fchmod(fd, 0644) == 0 ? 0 : errno;  // mkstemp's 0600 would hide it from others
  while (!error && written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    written += size_t(n);
  }
  if (!error && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && !error) error = errno;
  if (!error && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error) {
    ::unlink(temp.c_str());
    io_fail(path, "cannot write", error);
  }
}

}  // namespace being::asset
