#include "synthetic_avatar.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace being::asset::test {
namespace {

struct Random {
  std::mt19937 engine;
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(engine); }
  float normal() { return std::normal_distribution<float>(0.0f, 1.0f)(engine); }
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(engine); }

  std::vector<float> values(size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (float& x : v) x = uniform(lo, hi);
    return v;
  }
  std::vector<float> quaternions(size_t n) {
    std::vector<float> q(4 * n);
    for (size_t i = 0; i < n; ++i) {
      float norm = 0;
      for (int c = 0; c < 4; ++c) {
        q[4 * i + c] = normal() + (c == 3 ? 2.0f : 0.0f);
        norm += q[4 * i + c] * q[4 * i + c];
      }
      for (int c = 0; c < 4; ++c) q[4 * i + c] /= std::sqrt(norm);
    }
    return q;
  }
};

// Truncating float -> binary16 for values of moderate magnitude (weights here are within +-1).
uint16_t float_to_half(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  const int exponent = int((bits >> 23) & 0xFF) - 127 + 15;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return uint16_t(sign | 0x7BFFu);
  return uint16_t(sign | uint16_t(exponent << 10) | uint16_t((bits >> 13) & 0x3FFu));
}

Tensor tensor(Random& r, const TensorSpec& spec, DType dtype) {
  size_t count = 1;
  for (int64_t d : spec.shape) count *= size_t(d);
  Tensor t{spec.name, dtype, spec.shape, {}};
  for (size_t i = 0; i < count; ++i) {
    const float v = 0.1f * r.normal();
    if (dtype == DType::float32) {
      const auto* p = reinterpret_cast<const uint8_t*>(&v);
      t.data.insert(t.data.end(), p, p + 4);
    } else {
      const uint16_t h = float_to_half(v);
      t.data.push_back(uint8_t(h & 0xFF));
      t.data.push_back(uint8_t(h >> 8));
    }
  }
  return t;
}

Network network(Random& r, std::string name, int64_t input, int64_t output,
                std::vector<Layer> layers, DType dtype) {
  Network n{std::move(name), input, output, std::move(layers), {}};
  for (const TensorSpec& spec : expected_tensors(n)) n.tensors.push_back(tensor(r, spec, dtype));
  return n;
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

Plate plate(Random& r, int width, int height, bool jpeg) {
  std::vector<uint8_t> pixels(size_t(width) * size_t(height) * 3);
  for (uint8_t& p : pixels) p = uint8_t(r.below(256));
  Plate plate;
  plate.format = jpeg ? ImageFormat::jpeg : ImageFormat::png;
  const int ok = jpeg ? stbi_write_jpg_to_func(append_bytes, &plate.bytes, width, height, 3,
                                               pixels.data(), 90)
                      : stbi_write_png_to_func(append_bytes, &plate.bytes, width, height, 3,
                                               pixels.data(), width * 3);
  if (!ok) throw std::runtime_error("stb could not encode a test plate");
  return plate;
}

uint32_t read_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

}  // namespace

Avatar make_synthetic_avatar(uint32_t seed, const SyntheticShape& shape) {
  Random r{std::mt19937(seed)};
  Avatar a;
  const size_t n = shape.gaussians;

  FaceMesh& f = a.face;
  f.vertices = r.values(3 * shape.vertices, -0.1f, 0.1f);
  for (size_t t = 0; t < shape.triangles; ++t) {
    uint32_t v0 = uint32_t(r.below(shape.vertices)), v1 = v0, v2 = v0;
    while (v1 == v0) v1 = uint32_t(r.below(shape.vertices));
    while (v2 == v0 || v2 == v1) v2 = uint32_t(r.below(shape.vertices));
    f.triangles.insert(f.triangles.end(), {v0, v1, v2});
  }
  for (size_t k = 0; k < shape.expressions; ++k) {
    f.expression_names.push_back(k % 2 ? "pca_" + std::to_string(k) : "blend_" + std::to_string(k));
  }
  f.expression_basis = r.values(shape.expressions * 3 * shape.vertices, -0.01f, 0.01f);

  Gaussians& g = a.gaussians;
  g.positions = r.values(3 * n, -0.15f, 0.15f);
  g.rotations = r.quaternions(n);
  g.log_scales = r.values(3 * n, -8.0f, -3.0f);
  g.opacities = r.values(n, 0.0f, 1.0f);
  g.sh_degree = shape.sh_degree;
  g.sh = r.values(n * 3 * size_t(g.sh_coefficients()), -2.0f, 2.0f);

  Binding& b = a.binding;
  for (size_t i = 0; i < n; ++i) {
    const auto group = GaussianGroup(r.below(3));
    b.groups.push_back(uint8_t(group));
    if (group == GaussianGroup::head_rigid) {
      b.triangles.push_back(kNoTriangle);
      b.barycentrics.insert(b.barycentrics.end(), {0.0f, 0.0f, 0.0f});
      b.normal_offsets.push_back(0.0f);
    } else {
      b.triangles.push_back(uint32_t(r.below(shape.triangles)));
      const float w0 = r.uniform(0.0f, 1.0f), w1 = r.uniform(0.0f, 1.0f - w0);
      b.barycentrics.insert(b.barycentrics.end(), {w0, w1, 1.0f - w0 - w1});
      b.normal_offsets.push_back(r.uniform(-0.5f, 0.5f));
    }
  }
  b.local_rotations = r.quaternions(n);
  b.local_log_scales = r.values(3 * n, -4.0f, 0.0f);

  const int64_t k = int64_t(shape.expressions);
  const int64_t code = k > 0 ? k : 1;
  a.audio.mel_bins = shape.mel_bins;
  a.audio.fmin = 55.5;
  a.audio.fmax = 7600.25;
  a.audio.context_after = 3;
  if (seed % 2) {
    a.audio.mel_mean = r.values(shape.mel_bins, -20.0f, 2.0f);
    a.audio.mel_std = r.values(shape.mel_bins, 0.0f, 5.0f);
  }
  Layer conv{LayerType::conv1d, shape.mel_bins, 8, 3, 1, 2, 2, 0, 0};
  Layer norm{LayerType::layer_norm};
  norm.dim = 8;
  Layer attention{LayerType::self_attention};
  attention.dim = 8;
  attention.heads = 2;
  a.networks.push_back(network(r, "audio_encoder", shape.mel_bins, code,
                               {conv, {LayerType::gelu}, norm, attention,
                                {LayerType::linear, 8, code}, {LayerType::tanh}},
                               DType::float32));
  a.networks.push_back(network(r, "deformation", code, 3,
                               {{LayerType::linear, code, 6}, {LayerType::silu},
                                {LayerType::linear, 6, 6}, {LayerType::relu},
                                {LayerType::sigmoid}, {LayerType::linear, 6, 3}},
                               shape.float16 ? DType::float16 : DType::float32));

  a.camera = {shape.width * 1.2, shape.width * 1.25, shape.width / 2.0 + 0.25,
              shape.height / 2.0 - 0.5, shape.width, shape.height};
  a.idle.fps = 25.0;
  a.idle.rotations = r.quaternions(shape.frames);
  a.idle.translations = r.values(3 * shape.frames, -0.05f, 0.6f);
  if (shape.plates) {
    for (size_t i = 0; i < shape.frames; ++i) {
      a.idle.plates.push_back(plate(r, shape.width, shape.height, shape.jpeg));
    }
  }
  return a;
}

GlbParts split_glb(const std::vector<uint8_t>& file) {
  if (file.size() < 20) throw std::runtime_error("split_glb: not a GLB");
  const uint32_t json_length = read_u32(&file[12]);
  GlbParts parts;
  parts.doc = nlohmann::json::parse(file.begin() + 20, file.begin() + 20 + json_length);
  const size_t bin = 20 + json_length;
  if (bin + 8 <= file.size()) {
    const uint32_t bin_length = read_u32(&file[bin]);
    parts.bin.assign(file.begin() + std::ptrdiff_t(bin + 8),
                     file.begin() + std::ptrdiff_t(bin + 8 + bin_length));
  }
  return parts;
}

std::vector<uint8_t> join_glb(const GlbParts& parts) {
  std::string text = parts.doc.dump();
  text.resize((text.size() + 3) / 4 * 4, ' ');
  std::vector<uint8_t> bin = parts.bin;
  bin.resize((bin.size() + 3) / 4 * 4, 0);
  std::vector<uint8_t> out;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
  };
  out.insert(out.end(), {'g', 'l', 'T', 'F'});
  u32(2);
  u32(uint32_t(12 + 8 + text.size() + (bin.empty() ? 0 : 8 + bin.size())));
  u32(uint32_t(text.size()));
  out.insert(out.end(), {'J', 'S', 'O', 'N'});
  out.insert(out.end(), text.begin(), text.end());
  if (!bin.empty()) {
    u32(uint32_t(bin.size()));
    out.insert(out.end(), {'B', 'I', 'N', 0});
    out.insert(out.end(), bin.begin(), bin.end());
  }
  return out;
}

uint8_t* accessor_data(GlbParts& parts, int index) {
  const nlohmann::json& accessor = parts.doc["accessors"][size_t(index)];
  const nlohmann::json& view = parts.doc["bufferViews"][accessor["bufferView"].get<size_t>()];
  return parts.bin.data() + view.value("byteOffset", size_t(0)) +
         accessor.value("byteOffset", size_t(0));
}

nlohmann::json& avatar_extension(GlbParts& parts) {
  return parts.doc["extensions"]["BEING_avatar"];
}

}  // namespace being::asset::test
