#include "synthetic_pair.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "being/animate/deform.h"
#include "being/dataset/dataset.h"
#include "being/face_model/canonical_face.h"
#include "being/splat_torch/rasterize.h"

namespace being::eval_test {
namespace {

namespace fs = std::filesystem;
using Eigen::Vector3d;

constexpr int kCodes = 2, kSource = 256, kFps = 25, kRate = 16000;
constexpr double kFocal = 400.0, kDistanceCm = 45.0, kWindow = 220.0;
constexpr double kSh0 = 0.28209479177387814;

using Rgb = std::array<double, 3>;
constexpr Rgb kSkin{224, 172, 140}, kLips{170, 60, 70}, kBrows{80, 55, 40}, kEye{50, 40, 35}, kIris{30, 25, 20},
    kMouth{60, 20, 25};

std::set<int> contour_vertices(const face_model::CanonicalFace& face, const std::string& name) {
  std::set<int> out;
  for (const auto& c : face.contours.at(name)) out.insert(c.vertices.begin(), c.vertices.end());
  return out;
}

Vector3d canonical(const face_model::CanonicalFace& face, int v) {
  return {face.vertices[v][0], face.vertices[v][1], face.vertices[v][2]};
}

Vector3d centre(const face_model::CanonicalFace& face, const std::set<int>& vertices) {
  Vector3d sum = Vector3d::Zero();
  for (int v : vertices) sum += canonical(face, v);
  return sum / vertices.size();
}

// Expression basis in centimetres per unit code: code 0 drops everything below the lips' parting
// line (a jaw), code 1 lifts the brows and forehead.
std::vector<float> basis_cm(const face_model::CanonicalFace& face) {
  const int v_count = face_model::CanonicalFace::kMeshVertices;
  const double parting = 0.5 * (face.vertices[13][1] + face.vertices[14][1]);
  const double brow = centre(face, contour_vertices(face, "FACEMESH_LEFT_EYEBROW"))[1];
  std::vector<float> basis(static_cast<std::size_t>(kCodes) * v_count * 3, 0.0f);
  for (int v = 0; v < v_count; ++v) {
    const double y = face.vertices[v][1];
    const double jaw = std::clamp((parting - y) / 0.3, 0.0, 1.0);
    basis[v * 3 + 1] = static_cast<float>(-1.2 * jaw);
    basis[v * 3 + 2] = static_cast<float>(-0.3 * jaw);
    const double lift = std::clamp((y - (brow - 1.0)) / 1.0, 0.0, 1.0);
    basis[(v_count + v) * 3 + 1] = static_cast<float>(0.4 * lift);
  }
  return basis;
}

void add_rigid(asset::Avatar& a, const Vector3d& position_m, const Vector3d& scale_m, const Rgb& rgb) {
  auto& g = a.gaussians;
  auto& b = a.binding;
  for (int c = 0; c < 3; ++c) {
    g.positions.push_back(static_cast<float>(position_m[c]));
    g.log_scales.push_back(static_cast<float>(std::log(scale_m[c])));
    g.sh.push_back(static_cast<float>((rgb[c] / 255.0 - 0.5) / kSh0));
    b.barycentrics.push_back(0.0f);
    b.local_log_scales.push_back(g.log_scales.back());
  }
  for (float q : {0.0f, 0.0f, 0.0f, 1.0f}) g.rotations.push_back(q), b.local_rotations.push_back(q);
  g.opacities.push_back(0.98f);
  b.groups.push_back(static_cast<std::uint8_t>(asset::GaussianGroup::head_rigid));
  b.triangles.push_back(asset::kNoTriangle);
  b.normal_offsets.push_back(0.0f);
}

// The head-space Gaussians of the neutral mesh, as writers store them (docs/avatar-format.md).
void store_neutral(asset::Avatar& a) {
  animate::Deformer deformer(a);
  animate::GaussianGeometry neutral;
  deformer.bind(a.face.vertices, neutral);
  a.gaussians.positions = neutral.positions;
  a.gaussians.rotations = neutral.rotations;
  a.gaussians.log_scales = neutral.log_scales;
}

// Smooth random jaw opening in [0, 1] per frame, and a brow code.
std::vector<float> codes_per_frame(int frames) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> knots(frames / 3 + 3);
  for (double& k : knots) k = uniform(rng);
  std::vector<float> codes(static_cast<std::size_t>(frames) * kCodes);
  for (int n = 0; n < frames; ++n) {
    const double t = n / 3.0, f = t - std::floor(t);
    const int i = static_cast<int>(t);
    codes[n * kCodes] = static_cast<float>(knots[i] * (1 - f) + knots[i + 1] * f);
    codes[n * kCodes + 1] = static_cast<float>(0.5 * std::sin(n * 0.21));
  }
  return codes;
}

// A tone whose loudness follows the jaw code (linearly interpolated between frames).
std::vector<float> tone(const std::vector<float>& codes, int frames) {
  const std::size_t samples = static_cast<std::size_t>(frames) * kRate / kFps;
  std::vector<float> out(samples);
  for (std::size_t s = 0; s < samples; ++s) {
    const double t = double(s) / kRate, f = t * kFps;
    const int i = std::min(static_cast<int>(f), frames - 1), j = std::min(i + 1, frames - 1);
    const double jaw = codes[i * kCodes] * (1 - (f - i)) + codes[j * kCodes] * (f - i);
    const double amplitude = 0.01 + 0.4 * jaw;
    const double w = 2 * M_PI * t;
    out[s] = static_cast<float>(amplitude * (0.6 * std::sin(180 * w) + 0.3 * std::sin(360 * w) + 0.1 * std::sin(1100 * w)));
  }
  return out;
}

// The background plate: a linear gradient, so the eval's bilinear crop of it is exact up to rounding.
double background_value(double x, double y, int c) { return 40 + 0.3 * x + 0.2 * y + 30 * c; }

struct Pose {
  Eigen::Matrix3d r_head;  // head (metres) -> camera
  Vector3d t_head;
  float rotation[3], translation[3], crop[3];
};

Pose pose_of(int n) {
  Pose p;
  const Vector3d rv(0.05 * std::sin(n * 0.13), 0.15 * std::sin(n * 0.09), 0.03 * std::cos(n * 0.11));
  const Vector3d t(1.0 * std::sin(n * 0.07), 0.5 * std::cos(n * 0.05), kDistanceCm);
  for (int c = 0; c < 3; ++c) p.rotation[c] = float(rv[c]), p.translation[c] = float(t[c]);
  const Vector3d rvf(p.rotation[0], p.rotation[1], p.rotation[2]);
  p.r_head = Eigen::AngleAxisd(rvf.norm(), rvf.normalized()).toRotationMatrix() * Vector3d(1, -1, -1).asDiagonal();
  p.t_head = Vector3d(p.translation[0], p.translation[1], p.translation[2]) / 100.0;
  p.crop[0] = static_cast<float>(18 + 4 * std::sin(n * 0.1));
  p.crop[1] = 14.0f;
  p.crop[2] = static_cast<float>(kWindow);
  return p;
}

struct Rendered {
  std::vector<float> color, alpha;
};

Rendered render(const asset::Avatar& avatar, const float* code, const Pose& p, int size) {
  animate::Deformer deformer(avatar);
  animate::GaussianGeometry g;
  deformer.apply(code, g);
  const auto n = static_cast<std::int64_t>(avatar.gaussians.count());
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  std::vector<float> wxyz(n * 4);
  for (std::int64_t i = 0; i < n; ++i) {
    wxyz[i * 4] = g.rotations[i * 4 + 3];
    for (int c = 0; c < 3; ++c) wxyz[i * 4 + 1 + c] = g.rotations[i * 4 + c];
  }
  splat::Camera cam;
  const double s = size / kWindow;
  cam.fx = cam.fy = kFocal * s;
  cam.cx = (kSource / 2.0 - p.crop[0]) * s;
  cam.cy = (kSource / 2.0 - p.crop[1]) * s;
  cam.width = cam.height = size;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) cam.view[r * 4 + c] = p.r_head(r, c);
    cam.view[r * 4 + 3] = p.t_head[r];
  }
  c10::NoGradGuard no_grad;
  const auto images = splat::rasterize(
      at::from_blob(g.positions.data(), {n, 3}, f32), at::from_blob(wxyz.data(), {n, 4}, f32),
      at::from_blob(g.log_scales.data(), {n, 3}, f32).exp(),
      at::from_blob(const_cast<float*>(avatar.gaussians.opacities.data()), {n}, f32),
      at::from_blob(const_cast<float*>(avatar.gaussians.sh.data()), {n, 1, 3}, f32), at::zeros({3}, f32), cam);
  const auto color = images.color.contiguous(), alpha = images.alpha.contiguous();
  return {std::vector<float>(color.data_ptr<float>(), color.data_ptr<float>() + color.numel()),
          std::vector<float>(alpha.data_ptr<float>(), alpha.data_ptr<float>() + alpha.numel())};
}

}  // namespace

asset::Avatar synthetic_avatar() {
  const auto& face = face_model::canonical_face();
  asset::Avatar a;
  for (const auto& v : face.vertices)
    for (float x : v) a.face.vertices.push_back(x / 100.0f);
  for (const auto& t : face.triangles)
    for (int i : t) a.face.triangles.push_back(static_cast<std::uint32_t>(i));
  a.face.expression_names = {"pca_0", "pca_1"};
  for (float d : basis_cm(face)) a.face.expression_basis.push_back(d / 100.0f);

  const auto lips = contour_vertices(face, "FACEMESH_LIPS");
  // FACEMESH_LIPS holds the outer loop, then the inner one: triangles across the inner loop stretch
  // when the jaw opens, so they are the dark mouth.
  const auto& inner = face.contours.at("FACEMESH_LIPS").at(1).vertices;
  const std::set<int> inner_lips(inner.begin(), inner.end());
  std::set<int> brows = contour_vertices(face, "FACEMESH_LEFT_EYEBROW"), eyes = contour_vertices(face, "FACEMESH_LEFT_EYE");
  brows.merge(contour_vertices(face, "FACEMESH_RIGHT_EYEBROW"));
  std::set<int> right_eye = contour_vertices(face, "FACEMESH_RIGHT_EYE");
  const auto all_in = [](const std::set<int>& set, const std::array<int, 3>& t) {
    return set.count(t[0]) && set.count(t[1]) && set.count(t[2]);
  };
  const float barycentrics[4][3] = {{1 / 3.f, 1 / 3.f, 1 / 3.f}, {0.6f, 0.2f, 0.2f}, {0.2f, 0.6f, 0.2f}, {0.2f, 0.2f, 0.6f}};
  auto& g = a.gaussians;
  auto& b = a.binding;
  for (std::size_t t = 0; t < face.triangles.size(); ++t) {
    const auto& tri = face.triangles[t];
    Rgb rgb = kSkin;
    if (all_in(lips, tri)) rgb = kLips;
    if (all_in(inner_lips, tri)) rgb = kMouth;
    if (all_in(brows, tri)) rgb = kBrows;
    if (all_in(eyes, tri) || all_in(right_eye, tri)) rgb = kEye;
    for (const auto& w : barycentrics) {
      b.groups.push_back(static_cast<std::uint8_t>(asset::GaussianGroup::face));
      b.triangles.push_back(static_cast<std::uint32_t>(t));
      b.barycentrics.insert(b.barycentrics.end(), w, w + 3);
      b.normal_offsets.push_back(0.0f);
      b.local_rotations.insert(b.local_rotations.end(), {0.0f, 0.0f, 0.0f, 1.0f});
      b.local_log_scales.insert(b.local_log_scales.end(), {std::log(0.35f), std::log(0.35f), std::log(0.03f)});
      g.opacities.push_back(0.98f);
      for (int c = 0; c < 3; ++c) g.sh.push_back(static_cast<float>((rgb[c] / 255.0 - 0.5) / kSh0));
      for (int c = 0; c < 3; ++c) g.positions.push_back(0), g.log_scales.push_back(0);
      g.rotations.insert(g.rotations.end(), {0.0f, 0.0f, 0.0f, 1.0f});
    }
  }
  // Irises just in front of the eyes, the mouth interior behind the lips' parting.
  for (const std::set<int>* eye : {&eyes, &right_eye})
    add_rigid(a, (centre(face, *eye) + Vector3d(0, 0, 0.3)) / 100.0, Vector3d(0.0045, 0.0045, 0.0005), kIris);
  const Vector3d mouth = 0.5 * (canonical(face, 13) + canonical(face, 14));
  for (int i = -2; i <= 2; ++i)
    for (int j = 0; j <= 2; ++j)
      add_rigid(a, (mouth + Vector3d(0.6 * i, -0.6 * j, -1.0)) / 100.0, Vector3d(0.005, 0.005, 0.002), kMouth);
  store_neutral(a);

  auto& audio = a.audio;
  audio.fmin = 55.0;
  audio.fmax = 7600.0;
  audio.context_before = audio.context_after = 0;
  asset::Network net;
  net.name = "audio_encoder";
  net.input_dim = audio.mel_bins;
  net.output_dim = kCodes;
  asset::Layer linear;
  linear.type = asset::LayerType::linear;
  linear.in = audio.mel_bins;
  linear.out = kCodes;
  net.layers = {linear};
  // The jaw follows the mean normalised log-mel energy: loud -> open.
  std::vector<float> weight(static_cast<std::size_t>(kCodes) * audio.mel_bins, 0.0f);
  for (int i = 0; i < audio.mel_bins; ++i) weight[i] = 0.3f / audio.mel_bins;
  const std::vector<float> bias = {0.5f, 0.0f};
  asset::Tensor w{"layers.0.weight", asset::DType::float32, {kCodes, audio.mel_bins}, {}};
  asset::Tensor bt{"layers.0.bias", asset::DType::float32, {kCodes}, {}};
  w.data.resize(weight.size() * 4);
  std::memcpy(w.data.data(), weight.data(), w.data.size());
  bt.data.resize(bias.size() * 4);
  std::memcpy(bt.data.data(), bias.data(), bt.data.size());
  net.tensors = {w, bt};
  a.networks.push_back(net);

  a.camera = {kFocal, kFocal, kSource / 2.0, kSource / 2.0, kSource, kSource};
  a.idle.rotations = {1, 0, 0, 0};  // (x, y, z, w): 180 degrees about x, head faces the camera
  a.idle.translations = {0, 0, static_cast<float>(kDistanceCm / 100)};
  asset::validate(a);
  return a;
}

void write_pair(const asset::Avatar& avatar, const fs::path& avatar_path, const fs::path& dir, const PairOptions& o) {
  namespace ds = being::dataset;
  const auto& face = face_model::canonical_face();
  const int n = o.frames, v_count = ds::kMeshVertices, size = o.crop_size;
  asset::write_avatar(avatar, avatar_path);

  ds::Manifest m;
  m.source = {"synthetic", kSource, kSource, double(n) / kFps, 0};
  m.fps = kFps;
  m.frames = n;
  m.crop_size = size;
  m.jpeg_quality = 100;
  m.camera = {kFocal, kSource / 2.0, kSource / 2.0, kSource, kSource};
  m.audio.samples = static_cast<std::int64_t>(n) * kRate / kFps;
  m.train = {0, n - o.validation};
  m.validation = {n - o.validation, n};
  m.expression = {kCodes, 1.0, 0.0};
  m.idle_loop = {0, 10, 0.0};

  const auto codes = codes_per_frame(n);
  const auto basis = basis_cm(face);
  ds::Tracks t;
  t.valid.assign(n, 1);
  if (o.skipped_frame >= 0) t.valid[o.skipped_frame] = 0;
  t.status.assign(n, 0);
  t.blendshapes.assign(static_cast<std::size_t>(n) * ds::kBlendshapes, 0.0f);
  t.blendshape_names = {"_neutral"};
  t.reprojection_px.assign(n, 0.0f);
  t.expression = codes;
  for (const auto& v : face.vertices) t.expression_mean.insert(t.expression_mean.end(), v.begin(), v.end());
  t.expression_basis = basis;

  fs::create_directories(dir / "frames");
  fs::create_directories(dir / "labels");
  fs::create_directories(dir / "alpha");
  ds::Image background{kSource, kSource, 3, std::vector<std::uint8_t>(kSource * kSource * 3)};
  for (int y = 0; y < kSource; ++y)
    for (int x = 0; x < kSource; ++x)
      for (int c = 0; c < 3; ++c)
        background.pixels[(static_cast<std::size_t>(y) * kSource + x) * 3 + c] =
            static_cast<std::uint8_t>(std::lround(background_value(x, y, c)));
  ds::write_png(dir / "background.png", background);

  for (int f = 0; f < n; ++f) {
    const Pose p = pose_of(f);
    t.rotation.insert(t.rotation.end(), p.rotation, p.rotation + 3);
    t.translation.insert(t.translation.end(), p.translation, p.translation + 3);
    t.crop.insert(t.crop.end(), p.crop, p.crop + 3);
    // The frame's mesh (cm), its landmarks in source pixels, its mouth opening.
    std::vector<Vector3d> pixels;
    for (int v = 0; v < v_count; ++v) {
      Vector3d x_cm;
      for (int c = 0; c < 3; ++c)
        x_cm[c] = face.vertices[v][c] + codes[f * kCodes] * basis[v * 3 + c] + codes[f * kCodes + 1] * basis[(v_count + v) * 3 + c];
      for (int c = 0; c < 3; ++c) t.mesh.push_back(static_cast<float>(x_cm[c]));
      const Vector3d cam = p.r_head * (x_cm / 100.0) + p.t_head;
      pixels.emplace_back(kFocal * cam.x() / cam.z() + kSource / 2.0, kFocal * cam.y() / cam.z() + kSource / 2.0, 0.0);
    }
    for (int v = 0; v < ds::kLandmarks; ++v)
      for (int c = 0; c < 3; ++c) t.landmarks.push_back(static_cast<float>(pixels[std::min(v, v_count - 1)][c]));
    t.mouth_opening.push_back(static_cast<float>((pixels[13] - pixels[14]).norm() / (pixels[10] - pixels[152]).norm()));

    const Rendered r = render(avatar, &codes[f * kCodes], p, size);
    ds::Image frame{size, size, 3, std::vector<std::uint8_t>(static_cast<std::size_t>(size) * size * 3)};
    ds::Image labels{size, size, 1, std::vector<std::uint8_t>(static_cast<std::size_t>(size) * size)};
    ds::Image alpha = labels;
    const double step = kWindow / size;
    for (int v = 0; v < size; ++v)
      for (int u = 0; u < size; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * size + u;
        for (int c = 0; c < 3; ++c) {
          const double bg = background_value(p.crop[0] + (u + 0.5) * step - 0.5, p.crop[1] + (v + 0.5) * step - 0.5, c);
          frame.pixels[i * 3 + c] = static_cast<std::uint8_t>(std::lround(std::clamp(255.0 * r.color[i * 3 + c] + (1 - r.alpha[i]) * bg, 0.0, 255.0)));
        }
        alpha.pixels[i] = static_cast<std::uint8_t>(std::lround(255.0 * r.alpha[i]));
        // Head wherever the head layer reaches: the plate there must be the background alone.
        labels.pixels[i] = alpha.pixels[i] > 0 ? 3 : 0;
      }
    ds::write_jpeg(ds::frame_path(dir, f), frame, m.jpeg_quality);
    ds::write_png(ds::label_path(dir, f), labels);
    ds::write_png(ds::alpha_path(dir, f), alpha);
  }
  ds::write_wav(dir / "audio.wav", tone(codes, n), kRate);
  ds::write_tensor_file(dir / "tracks.safetensors", ds::tracks_file(t, n, kCodes));
  ds::write_text(dir / "dataset.json", ds::manifest_json(m));
}

asset::Avatar shifted(const asset::Avatar& avatar) {
  asset::Avatar out = avatar;
  const auto triangles = static_cast<std::uint32_t>(out.face.triangle_count());
  for (auto& t : out.binding.triangles)
    if (t != asset::kNoTriangle) t = (t + 7) % triangles;
  store_neutral(out);
  return out;
}

}  // namespace being::eval_test
