// Content checks shared by the reader (after decoding) and the writer (before encoding), so a file
// this library writes always reads back.
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>

#include "being/asset/avatar.h"
#include "checks.h"

namespace being::asset {
namespace detail {

float half_to_float(uint16_t half) {
  const uint32_t sign = uint32_t(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1Fu;
  uint32_t mantissa = half & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1Fu) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise the mantissa into a float exponent.
    uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace detail

using detail::at;
using detail::fail;
using detail::quoted_at;

std::string to_string(LayerType type) {
  switch (type) {
    case LayerType::linear: return "linear";
    case LayerType::conv1d: return "conv1d";
    case LayerType::layer_norm: return "layer_norm";
    case LayerType::self_attention: return "self_attention";
    case LayerType::relu: return "relu";
    case LayerType::gelu: return "gelu";
    case LayerType::silu: return "silu";
    case LayerType::tanh: return "tanh";
    case LayerType::sigmoid: return "sigmoid";
  }
  return "unknown";
}

std::string to_string(DType dtype) { return dtype == DType::float16 ? "float16" : "float32"; }

std::vector<float> tensor_values(const Tensor& tensor) {
  std::vector<float> values;
  if (tensor.dtype == DType::float32) {
    values.resize(tensor.data.size() / 4);
    std::memcpy(values.data(), tensor.data.data(), values.size() * 4);
  } else {
    values.resize(tensor.data.size() / 2);
    for (size_t i = 0; i < values.size(); ++i) {
      uint16_t half;
      std::memcpy(&half, tensor.data.data() + 2 * i, 2);
      values[i] = detail::half_to_float(half);
    }
  }
  return values;
}

namespace {

// Hyper-parameters beyond this are certainly not a network this project trains, and keeping them
// small keeps every product of dimensions far from overflow.
constexpr int64_t kMaxDim = 1 << 20;
constexpr float kUnitTolerance = 1e-3f;
constexpr float kMaxAbsLogScale = 30.0f;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string layer_text(size_t index, const Layer& layer) {
  std::string s = "layer " + std::to_string(index) + " (" + to_string(layer.type);
  switch (layer.type) {
    case LayerType::linear:
      s += " " + std::to_string(layer.in) + "->" + std::to_string(layer.out);
      break;
    case LayerType::conv1d:
      s += " " + std::to_string(layer.in) + "->" + std::to_string(layer.out) + " kernel " +
           std::to_string(layer.kernel);
      break;
    case LayerType::layer_norm: s += " " + std::to_string(layer.dim); break;
    case LayerType::self_attention:
      s += " " + std::to_string(layer.dim) + " heads " + std::to_string(layer.heads);
      break;
    default: break;
  }
  return s + ")";
}

void check_size(const std::string& path, size_t actual, size_t count, size_t width) {
  const size_t expected = detail::checked_mul(count, width, path);
  if (actual != expected) {
    fail(path, "has " + std::to_string(actual) + " values, expected " + std::to_string(count) +
                   " x " + std::to_string(width));
  }
}

const char* non_finite_name(float v) { return std::isnan(v) ? "NaN" : "Inf"; }

std::string element_path(const std::string& path, size_t i, size_t width) {
  return width == 1 ? at(path, i) : at(at(path, i / width), i % width);
}

void check_finite(const std::string& path, const std::vector<float>& values, size_t width) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) fail(element_path(path, i, width), non_finite_name(values[i]));
  }
}

void check_range(const std::string& path, const std::vector<float>& values, size_t width,
                 float lo, float hi) {
  for (size_t i = 0; i < values.size(); ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) fail(element_path(path, i, width), non_finite_name(v));
    if (v < lo || v > hi) {
      std::ostringstream m;
      m << v << " outside [" << lo << ", " << hi << "]";
      fail(element_path(path, i, width), m.str());
    }
  }
}

void check_unit_quaternions(const std::string& path, const std::vector<float>& q) {
  check_finite(path, q, 4);
  for (size_t i = 0; i + 3 < q.size(); i += 4) {
    const double norm = std::sqrt(double(q[i]) * q[i] + double(q[i + 1]) * q[i + 1] +
                                  double(q[i + 2]) * q[i + 2] + double(q[i + 3]) * q[i + 3]);
    if (std::fabs(norm - 1.0) > kUnitTolerance) {
      std::ostringstream m;
      m << "quaternion norm " << norm << " is not 1 (tolerance " << kUnitTolerance << ")";
      fail(at(path, i / 4), m.str());
    }
  }
}

void check_name(const std::string& path, const std::string& name) {
  if (name.empty() || name.size() > 128) fail(path, "name must have 1 to 128 characters");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) fail(path, "name has a control character");
  }
}

void check_dim(const std::string& path, const char* what, int64_t value, int64_t lo) {
  if (value < lo || value > kMaxDim) {
    fail(path, std::string(what) + " " + std::to_string(value) + " outside [" +
                   std::to_string(lo) + ", " + std::to_string(kMaxDim) + "]");
  }
}

void validate_gaussians(const Gaussians& g) {
  const size_t n = g.count();
  if (n == 0) fail("gaussians", "no Gaussians");
  check_size("gaussians.position", g.positions.size(), n, 3);
  check_size("gaussians.rotation", g.rotations.size(), n, 4);
  check_size("gaussians.log_scale", g.log_scales.size(), n, 3);
  if (g.sh_degree != 0 && g.sh_degree != 1) {
    fail("gaussians.sh_degree", std::to_string(g.sh_degree) + " not supported (0 or 1)");
  }
  check_size("gaussians.sh", g.sh.size(), n, 3 * size_t(g.sh_coefficients()));
  check_finite("gaussians.position", g.positions, 3);
  check_unit_quaternions("gaussians.rotation", g.rotations);
  check_range("gaussians.log_scale", g.log_scales, 3, -kMaxAbsLogScale, kMaxAbsLogScale);
  check_range("gaussians.opacity", g.opacities, 1, 0.0f, 1.0f);
  check_finite("gaussians.sh", g.sh, 3 * size_t(g.sh_coefficients()));
}

void validate_binding(const Binding& b, size_t n, size_t triangle_count) {
  check_size("binding.group", b.groups.size(), n, 1);
  check_size("binding.triangle", b.triangles.size(), n, 1);
  check_size("binding.barycentric", b.barycentrics.size(), n, 3);
  check_size("binding.normal_offset", b.normal_offsets.size(), n, 1);
  check_size("binding.local_rotation", b.local_rotations.size(), n, 4);
  check_size("binding.local_log_scale", b.local_log_scales.size(), n, 3);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t group = b.groups[i];
    if (group > uint8_t(GaussianGroup::mouth_interior)) {
      fail(at("binding.group", i), std::to_string(group) +
                                       " is not a group (0 face, 1 head_rigid, 2 mouth_interior)");
    }
    const uint32_t tri = b.triangles[i];
    const float* w = &b.barycentrics[3 * i];
    for (int c = 0; c < 3; ++c) {
      if (!std::isfinite(w[c])) fail(at(at("binding.barycentric", i), c), non_finite_name(w[c]));
    }
    if (!std::isfinite(b.normal_offsets[i])) {
      fail(at("binding.normal_offset", i), non_finite_name(b.normal_offsets[i]));
    }
    if (group == uint8_t(GaussianGroup::head_rigid)) {
      if (tri != kNoTriangle) {
        fail(at("binding.triangle", i), std::to_string(tri) +
                                            " but a head_rigid Gaussian has no triangle (" +
                                            std::to_string(kNoTriangle) + ")");
      }
      if (w[0] != 0 || w[1] != 0 || w[2] != 0 || b.normal_offsets[i] != 0) {
        fail(at("binding.barycentric", i), "a head_rigid Gaussian has zero barycentrics and offset");
      }
      continue;
    }
    if (tri >= triangle_count) {
      fail(at("binding.triangle", i),
           std::to_string(tri) + " >= triangle count " + std::to_string(triangle_count));
    }
    const float sum = w[0] + w[1] + w[2];
    if (w[0] < -kUnitTolerance || w[1] < -kUnitTolerance || w[2] < -kUnitTolerance ||
        std::fabs(sum - 1.0f) > kUnitTolerance) {
      std::ostringstream m;
      m << "(" << w[0] << ", " << w[1] << ", " << w[2] << ") are not barycentric weights "
        << "(each >= 0, sum 1)";
      fail(at("binding.barycentric", i), m.str());
    }
  }
  check_unit_quaternions("binding.local_rotation", b.local_rotations);
  check_range("binding.local_log_scale", b.local_log_scales, 3, -kMaxAbsLogScale, kMaxAbsLogScale);
}

void validate_face(const FaceMesh& f) {
  if (f.vertices.size() % 3 != 0) fail("face.vertices", "size is not a multiple of 3");
  if (f.triangles.size() % 3 != 0) fail("face.triangles", "size is not a multiple of 3");
  const size_t v = f.vertex_count();
  const size_t t = f.triangle_count();
  if (v < 3) fail("face.vertices", std::to_string(v) + " vertices, need at least 3");
  if (t < 1) fail("face.triangles", "no triangles");
  if (v > kNoTriangle || t >= kNoTriangle) fail("face", "too many vertices or triangles");
  check_finite("face.vertices", f.vertices, 3);
  for (size_t i = 0; i < t; ++i) {
    const uint32_t* tri = &f.triangles[3 * i];
    for (int c = 0; c < 3; ++c) {
      if (tri[c] >= v) {
        fail(at(at("face.triangles", i), c),
             std::to_string(tri[c]) + " >= vertex count " + std::to_string(v));
      }
    }
    if (tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2]) {
      fail(at("face.triangles", i), "repeats a vertex");
    }
  }
  const size_t k = f.expression_dim();
  std::set<std::string> names;
  for (size_t i = 0; i < k; ++i) {
    check_name(at("face.expression_names", i), f.expression_names[i]);
    if (!names.insert(f.expression_names[i]).second) {
      fail(at("face.expression_names", i), "duplicate name \"" + f.expression_names[i] + "\"");
    }
  }
  check_size("face.expression_basis", f.expression_basis.size(),
             detail::checked_mul(k, v, "face.expression_basis"), 3);
  check_finite("face.expression_basis", f.expression_basis, 3);
}

void validate_network(const Network& net, const std::string& path) {
  check_dim(path + ".input_dim", "input_dim", net.input_dim, 1);
  check_dim(path + ".output_dim", "output_dim", net.output_dim, 1);
  if (net.layers.empty()) fail(path + ".layers", "no layers");
  int64_t features = net.input_dim;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& layer = net.layers[i];
    const std::string lp = at(path + ".layers", i);
    int64_t in = features;
    switch (layer.type) {
      case LayerType::linear:
      case LayerType::conv1d: in = layer.in; break;
      case LayerType::layer_norm:
      case LayerType::self_attention: in = layer.dim; break;
      default: break;
    }
    if (in != features) {
      fail(lp, layer_text(i, layer) + " takes " + std::to_string(in) + " features but the " +
                   (i ? "previous layer gives " : "network input is ") + std::to_string(features));
    }
    if (layer.type == LayerType::linear || layer.type == LayerType::conv1d) features = layer.out;
  }
  if (features != net.output_dim) {
    fail(path + ".output_dim", std::to_string(net.output_dim) + " but the last layer gives " +
                                   std::to_string(features));
  }

  const std::vector<TensorSpec> expected = expected_tensors(net);
  std::set<std::string> seen;
  for (const Tensor& tensor : net.tensors) {
    const std::string tp = quoted_at(path + ".tensors", tensor.name);
    if (!seen.insert(tensor.name).second) fail(tp, "duplicate tensor");
    const TensorSpec* spec = nullptr;
    for (const TensorSpec& s : expected) {
      if (s.name == tensor.name) spec = &s;
    }
    if (!spec) fail(tp, "not used by any layer of the network");
    const size_t layer_index = spec->layer;
    if (tensor.shape != spec->shape) {
      fail(tp, "shape " + shape_text(tensor.shape) + " but " +
                   layer_text(layer_index, net.layers[layer_index]) + " needs " +
                   shape_text(spec->shape));
    }
    size_t count = 1;
    for (int64_t d : tensor.shape) count = detail::checked_mul(count, size_t(d), tp);
    const size_t element = tensor.dtype == DType::float16 ? 2 : 4;
    if (tensor.data.size() != detail::checked_mul(count, element, tp)) {
      fail(tp, std::to_string(tensor.data.size()) + " bytes but " + shape_text(tensor.shape) +
                   " " + to_string(tensor.dtype) + " needs " + std::to_string(count * element));
    }
    const std::vector<float> values = tensor_values(tensor);
    for (size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) fail(at(tp, i), non_finite_name(values[i]));
    }
  }
  for (const TensorSpec& s : expected) {
    if (!seen.count(s.name)) {
      fail(quoted_at(path + ".tensors", s.name),
           "missing; " + layer_text(s.layer, net.layers[s.layer]) + " needs " +
               shape_text(s.shape));
    }
  }
}

void validate_networks(const std::vector<Network>& networks) {
  std::set<std::string> names;
  for (size_t i = 0; i < networks.size(); ++i) {
    check_name(at("networks", i), networks[i].name);
    if (!names.insert(networks[i].name).second) {
      fail(at("networks", i), "duplicate network \"" + networks[i].name + "\"");
    }
    validate_network(networks[i], "networks." + networks[i].name);
  }
}

void check_number(const std::string& path, double value, double lo, double hi) {
  if (!std::isfinite(value) || value < lo || value > hi) {
    std::ostringstream m;
    m << value << " outside [" << lo << ", " << hi << "]";
    fail(path, m.str());
  }
}

void validate_audio(const AudioConfig& a) {
  check_number("audio.sample_rate", a.sample_rate, 8000, 192000);
  check_number("audio.mel_bins", a.mel_bins, 1, 512);
  check_number("audio.window", a.window, 1, a.sample_rate);
  check_number("audio.hop", a.hop, 1, a.window);
  check_number("audio.fmin", a.fmin, 0, a.sample_rate / 2.0);
  check_number("audio.fmax", a.fmax, a.fmin, a.sample_rate / 2.0);
  if (!(a.fmax > a.fmin)) fail("audio.fmax", "must be above fmin");
  if (a.normalisation != MelNormalisation::none &&
      a.normalisation != MelNormalisation::per_utterance) {
    fail("audio.normalisation", "unknown mode");
  }
  check_number("audio.video_fps", a.video_fps, 1, 240);
  check_number("audio.context_before", a.context_before, 0, 1000);
  check_number("audio.context_after", a.context_after, 0, 1000);
  if (a.mel_mean.empty() != a.mel_std.empty()) fail("audio.mel_mean", "mel_mean and mel_std come together");
  if (!a.mel_mean.empty()) {
    for (auto [key, values] : {std::pair{"audio.mel_mean", &a.mel_mean}, std::pair{"audio.mel_std", &a.mel_std}}) {
      if (values->size() != static_cast<size_t>(a.mel_bins))
        fail(key, std::to_string(values->size()) + " values for " + std::to_string(a.mel_bins) + " mel bins");
      for (size_t b = 0; b < values->size(); ++b) check_number(std::string(key) + "[" + std::to_string(b) + "]", (*values)[b], -1e4, 1e4);
    }
    for (size_t b = 0; b < a.mel_std.size(); ++b)
      if (a.mel_std[b] < 0) fail("audio.mel_std[" + std::to_string(b) + "]", "must not be negative");
  }
}

void validate_camera(const Camera& c) {
  check_number("camera.width", c.width, 1, 16384);
  check_number("camera.height", c.height, 1, 16384);
  check_number("camera.fx", c.fx, 1e-3, 1e7);
  check_number("camera.fy", c.fy, 1e-3, 1e7);
  check_number("camera.cx", c.cx, 0, c.width);
  check_number("camera.cy", c.cy, 0, c.height);
}

void validate_idle(const IdleLoop& idle, const Camera& camera) {
  check_number("idle.fps", idle.fps, 1, 240);
  if (idle.translations.size() % 3 != 0) fail("idle.translation", "size is not a multiple of 3");
  const size_t frames = idle.frame_count();
  if (frames == 0) fail("idle", "no frames (at least one head pose is needed)");
  check_size("idle.rotation", idle.rotations.size(), frames, 4);
  check_unit_quaternions("idle.rotation", idle.rotations);
  check_finite("idle.translation", idle.translations, 3);
  if (!idle.plates.empty() && idle.plates.size() != frames) {
    fail("idle.plates", std::to_string(idle.plates.size()) + " plates for " +
                            std::to_string(frames) + " frames (need none or one per frame)");
  }
  for (size_t i = 0; i < idle.plates.size(); ++i) {
    const std::string pp = at("idle.plates", i);
    const ImageSize size = image_size(idle.plates[i].format, idle.plates[i].bytes, pp);
    if (size.width != camera.width || size.height != camera.height) {
      fail(pp, std::to_string(size.width) + "x" + std::to_string(size.height) +
                   " but the camera is " + std::to_string(camera.width) + "x" +
                   std::to_string(camera.height));
    }
  }
}

void validate_tuning(const Avatar& a) {
  const Tuning& t = a.tuning;
  const size_t k = a.face.expression_dim();
  if (!t.expression_weights.empty() && t.expression_weights.size() != k) {
    fail("tuning.expression_weights", std::to_string(t.expression_weights.size()) + " values for " +
                                          std::to_string(k) + " expression codes (need none or one each)");
  }
  for (size_t i = 0; i < t.expression_weights.size(); ++i) {
    check_number(at("tuning.expression_weights", i), t.expression_weights[i], 0, 4);
  }
  check_number("tuning.expression_gain", t.expression_gain, 0, 4);
  check_number("tuning.smoothing", t.smoothing, 0, 1);
  if (t.look_ahead_frames != -1) {
    check_number("tuning.look_ahead_frames", t.look_ahead_frames, 0, a.audio.context_after);
  }
  for (int c = 0; c < 3; ++c) {
    check_number(at("tuning.plate.gain", c), t.plate_gain[c], 0, 4);
    check_number(at("tuning.plate.offset", c), t.plate_offset[c], -1, 1);
  }
  check_number("tuning.plate.saturation", t.plate_saturation, 0, 4);
  const double frames = double(a.idle.frame_count());
  check_number("tuning.idle_segment[0]", t.idle_first, 0, frames - 1);
  check_number("tuning.idle_segment[1]", t.idle_count, 0, frames - t.idle_first);
}

}  // namespace

bool Tuning::is_default() const {
  const Tuning d;
  return expression_weights.empty() && expression_gain == d.expression_gain && smoothing == d.smoothing &&
         look_ahead_frames == d.look_ahead_frames && plate_gain == d.plate_gain && plate_offset == d.plate_offset &&
         plate_saturation == d.plate_saturation && idle_first == d.idle_first && idle_count == d.idle_count;
}

std::vector<TensorSpec> expected_tensors(const Network& network) {
  std::vector<TensorSpec> specs;
  for (size_t i = 0; i < network.layers.size(); ++i) {
    const Layer& l = network.layers[i];
    const std::string lp = at("networks." + network.name + ".layers", i);
    const std::string prefix = "layers." + std::to_string(i) + ".";
    switch (l.type) {
      case LayerType::linear:
        check_dim(lp, "in", l.in, 1);
        check_dim(lp, "out", l.out, 1);
        specs.push_back({prefix + "weight", {l.out, l.in}, i});
        specs.push_back({prefix + "bias", {l.out}, i});
        break;
      case LayerType::conv1d:
        check_dim(lp, "in", l.in, 1);
        check_dim(lp, "out", l.out, 1);
        check_dim(lp, "kernel", l.kernel, 1);
        check_dim(lp, "stride", l.stride, 1);
        check_dim(lp, "dilation", l.dilation, 1);
        check_dim(lp, "padding", l.padding, 0);
        specs.push_back({prefix + "weight", {l.out, l.in, l.kernel}, i});
        specs.push_back({prefix + "bias", {l.out}, i});
        break;
      case LayerType::layer_norm:
        check_dim(lp, "dim", l.dim, 1);
        specs.push_back({prefix + "weight", {l.dim}, i});
        specs.push_back({prefix + "bias", {l.dim}, i});
        break;
      case LayerType::self_attention:
        check_dim(lp, "dim", l.dim, 1);
        check_dim(lp, "heads", l.heads, 1);
        if (l.dim % l.heads != 0) {
          fail(lp, "dim " + std::to_string(l.dim) + " is not a multiple of heads " +
                       std::to_string(l.heads));
        }
        specs.push_back({prefix + "in_proj.weight", {3 * l.dim, l.dim}, i});
        specs.push_back({prefix + "in_proj.bias", {3 * l.dim}, i});
        specs.push_back({prefix + "out_proj.weight", {l.dim, l.dim}, i});
        specs.push_back({prefix + "out_proj.bias", {l.dim}, i});
        break;
      case LayerType::relu:
      case LayerType::gelu:
      case LayerType::silu:
      case LayerType::tanh:
      case LayerType::sigmoid: break;
      default: fail(lp, "unknown layer type " + std::to_string(int(l.type)));
    }
  }
  return specs;
}

void validate(const Avatar& avatar) {
  validate_gaussians(avatar.gaussians);
  validate_face(avatar.face);
  validate_binding(avatar.binding, avatar.gaussians.count(), avatar.face.triangle_count());
  validate_networks(avatar.networks);
  validate_audio(avatar.audio);
  validate_camera(avatar.camera);
  validate_idle(avatar.idle, avatar.camera);
  validate_tuning(avatar);
}

}  // namespace being::asset
