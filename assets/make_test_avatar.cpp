// make_test_avatar OUT.avatar: writes the procedural test avatar the runtime's tests and benchmarks
// render (docs/runtime.md, "Test avatar"). A head-shaped ellipsoid mesh with a mouth slit, one
// expression ("jawOpen") that swings the lower face down about a jaw axis, face Gaussians on the
// mesh triangles, dark mouth-interior Gaussians behind the slit, head-rigid hair and neck, an
// "audio_encoder" whose hand-set weights open the jaw with the loudness around each frame, a
// 512x512 camera and an idle loop of gently swaying poses with plates.
//
// The neutral Gaussians are placed with Eigen, independently of being_animate, so that the
// runtime's binding is checked against a second implementation of the triangle frame.
#include "being/asset/avatar.h"
#include "being/audio/log_mel.h"

#include <Eigen/Geometry>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iostream>
#include <random>
#include <vector>

namespace {

using being::asset::Avatar;
using Eigen::Vector3d;

constexpr double kPi = 3.14159265358979323846;

// Head ellipsoid (metres) and its latitude/longitude grid; the mouth slit is the band of
// triangles between grid rows kMouthRow and kMouthRow + 1 in front (|longitude| < kMouthHalfWidth).
constexpr double kRadiusX = 0.075, kRadiusY = 0.1, kRadiusZ = 0.09;
constexpr int kRows = 40, kColumns = 72;
constexpr double kThetaMin = 0.06 * kPi, kThetaMax = 0.9 * kPi;
constexpr int kMouthRow = 26;
constexpr double kMouthHalfWidth = 0.32;
// Jaw: rotation about the x axis through (y, z) = kJawPivot by kJawAngle radians at code 1.
constexpr double kJawPivotY = -0.01, kJawPivotZ = -0.02, kJawAngle = 0.2;

constexpr int kSize = 512;
constexpr int kIdleFrames = 8;
constexpr double kIdleFps = 12.5;

constexpr double kSh0 = 0.28209479177387814;

struct Gaussian {
  Vector3d position;
  Eigen::Quaterniond rotation;
  Vector3d log_scale;
  double opacity;
  Vector3d rgb;
  // Binding (kNoTriangle for head-rigid).
  uint8_t group = 1;
  uint32_t triangle = being::asset::kNoTriangle;
  Vector3d barycentric = Vector3d::Zero();
  double normal_offset = 0;
  Eigen::Quaterniond local_rotation = Eigen::Quaterniond::Identity();
  Vector3d local_log_scale = Vector3d::Zero();
};

double theta_of_row(int r) { return kThetaMin + (kThetaMax - kThetaMin) * r / kRows; }
double phi_of_column(int c) { return 2.0 * kPi * c / kColumns - kPi; }
int vertex_index(int r, int c) { return r * kColumns + (c % kColumns); }

Vector3d ellipsoid_point(double theta, double phi) {
  return {kRadiusX * std::sin(theta) * std::sin(phi), kRadiusY * std::cos(theta), kRadiusZ * std::sin(theta) * std::cos(phi)};
}

// How much of the jaw rotation vertex (r, c) takes: all of it below the mouth in front, fading
// out towards the ears so the cheeks stretch.
double jaw_weight(int r, int c) {
  if (r <= kMouthRow) return 0.0;
  const double phi = std::abs(phi_of_column(c));
  return std::clamp((1.3 - phi) / 0.7, 0.0, 1.0);
}

bool in_mouth_slit(int r, int c) {
  const double phi = phi_of_column(c) + kPi / kColumns;  // the quad's centre longitude
  return r == kMouthRow && std::abs(phi) < kMouthHalfWidth;
}

void build_face(Avatar& avatar) {
  auto& face = avatar.face;
  for (int r = 0; r <= kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      const Vector3d p = ellipsoid_point(theta_of_row(r), phi_of_column(c));
      face.vertices.insert(face.vertices.end(), {float(p.x()), float(p.y()), float(p.z())});
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      // Counter-clockwise seen from outside (normal = (v1-v0) x (v2-v0) points out).
      const uint32_t a = vertex_index(r, c), b = vertex_index(r, c + 1);
      const uint32_t d = vertex_index(r + 1, c), e = vertex_index(r + 1, c + 1);
      face.triangles.insert(face.triangles.end(), {a, d, b, b, d, e});
    }
  }
  face.expression_names = {"jawOpen"};
  face.expression_basis.assign(face.vertices.size(), 0.0f);
  for (int r = 0; r <= kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      const std::size_t v = vertex_index(r, c);
      const double w = jaw_weight(r, c) * kJawAngle;
      const double y = face.vertices[v * 3 + 1], z = face.vertices[v * 3 + 2];
      face.expression_basis[v * 3 + 1] = float(-w * (z - kJawPivotZ));
      face.expression_basis[v * 3 + 2] = float(w * (y - kJawPivotY));
    }
  }
}

Vector3d vertex(const Avatar& avatar, uint32_t v) {
  const float* p = &avatar.face.vertices[v * 3];
  return {p[0], p[1], p[2]};
}

// A Gaussian bound to triangle t, placed in head space on the neutral mesh.
Gaussian bound_gaussian(const Avatar& avatar, uint32_t t, const Vector3d& bary, double normal_offset,
                        const Vector3d& local_log_scale, uint8_t group) {
  const auto* tri = &avatar.face.triangles[t * 3];
  const Vector3d v0 = vertex(avatar, tri[0]), v1 = vertex(avatar, tri[1]), v2 = vertex(avatar, tri[2]);
  Eigen::Matrix3d frame;
  frame.col(0) = (v1 - v0).normalized();
  frame.col(2) = (v1 - v0).cross(v2 - v0).normalized();
  frame.col(1) = frame.col(2).cross(frame.col(0));
  const double scale = ((v1 - v0).norm() + (v2 - v1).norm() + (v0 - v2).norm()) / 3.0;
  Gaussian g;
  g.group = group;
  g.triangle = t;
  g.barycentric = bary;
  g.normal_offset = normal_offset;
  g.local_log_scale = local_log_scale;
  g.position = bary.x() * v0 + bary.y() * v1 + bary.z() * v2 + scale * normal_offset * frame.col(2);
  g.rotation = Eigen::Quaterniond(frame) * g.local_rotation;
  g.log_scale = local_log_scale + Vector3d::Constant(std::log(scale));
  g.opacity = 0.9;
  return g;
}

Vector3d skin(const Vector3d& normal) {
  const Vector3d light = Vector3d(0.3, 0.5, 0.8).normalized();
  const double shade = 0.55 + 0.45 * std::max(0.0, normal.dot(light));
  return Vector3d(0.88, 0.68, 0.57) * shade;
}

std::vector<Gaussian> build_gaussians(const Avatar& avatar) {
  std::vector<Gaussian> all;
  const Vector3d eye_l(0.03, 0.022, 0.0), eye_r(-0.03, 0.022, 0.0);
  const Vector3d face_bary(1.0 / 3, 1.0 / 3, 1.0 / 3);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      for (int half = 0; half < 2; ++half) {
        const uint32_t t = static_cast<uint32_t>((r * kColumns + c) * 2 + half);
        if (in_mouth_slit(r, c)) {
          // Mouth interior: dark, behind the slit, stretching with it as the jaw opens.
          for (const Vector3d& bary : {Vector3d(0.6, 0.2, 0.2), Vector3d(0.2, 0.6, 0.2), Vector3d(0.2, 0.2, 0.6),
                                       Vector3d(1.0 / 3, 1.0 / 3, 1.0 / 3), Vector3d(0.45, 0.45, 0.1),
                                       Vector3d(0.1, 0.45, 0.45), Vector3d(0.45, 0.1, 0.45)}) {
            Gaussian g = bound_gaussian(avatar, t, bary, -0.3, Vector3d(std::log(0.22), std::log(0.22), std::log(0.1)), 2);
            g.rgb = Vector3d(0.28, 0.06, 0.07);
            g.opacity = 0.97;
            all.push_back(g);
          }
          continue;
        }
        Gaussian g = bound_gaussian(avatar, t, face_bary, 0.0, Vector3d(std::log(0.55), std::log(0.55), std::log(0.12)), 0);
        const Vector3d normal = g.rotation * Vector3d::UnitZ();
        g.rgb = skin(normal);
        const Vector3d front(g.position.x(), g.position.y(), 0.0);
        const bool front_face = g.position.z() > 0.05;
        if (front_face && ((front - eye_l).norm() < 0.012 || (front - eye_r).norm() < 0.012)) g.rgb = Vector3d(0.12, 0.1, 0.1);
        const bool lips = (r == kMouthRow - 1 || r == kMouthRow + 1) && std::abs(phi_of_column(c)) < kMouthHalfWidth + 0.05;
        if (lips) g.rgb = Vector3d(0.7, 0.3, 0.3);
        all.push_back(g);
      }
    }
  }
  // Hair: head-rigid, a cap over the top and back of the head, slightly outside the skin.
  for (int r = 0; r < 18; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      const double theta = theta_of_row(0) * 0.3 + 0.04 * kPi * r, phi = phi_of_column(c);
      const bool back = std::abs(phi) > 0.45 * kPi;
      if (r > 5 && !back) continue;
      const Vector3d p = ellipsoid_point(theta, phi) * 1.06;
      Gaussian g;
      g.position = p;
      g.rotation = Eigen::Quaterniond::FromTwoVectors(Vector3d::UnitZ(), p.normalized());
      g.log_scale = Vector3d(std::log(0.008), std::log(0.008), std::log(0.003));
      g.opacity = 0.95;
      g.rgb = Vector3d(0.22, 0.14, 0.09);
      g.local_rotation = g.rotation;
      g.local_log_scale = g.log_scale;
      all.push_back(g);
    }
  }
  // Neck: head-rigid cylinder below the head.
  for (int r = 0; r < 10; ++r) {
    for (int c = 0; c < 36; ++c) {
      const double phi = 2.0 * kPi * c / 36;
      const Vector3d p(0.045 * std::sin(phi), -0.07 - 0.009 * r, -0.01 + 0.045 * std::cos(phi));
      Gaussian g;
      g.position = p;
      g.rotation = Eigen::Quaterniond::FromTwoVectors(Vector3d::UnitZ(), Vector3d(p.x(), 0, p.z() + 0.01).normalized());
      g.log_scale = Vector3d(std::log(0.006), std::log(0.006), std::log(0.002));
      g.opacity = 0.95;
      g.rgb = skin(Vector3d(std::sin(phi), -0.3, std::cos(phi)).normalized()) * 0.85;
      g.local_rotation = g.rotation;
      g.local_log_scale = g.log_scale;
      all.push_back(g);
    }
  }
  return all;
}

void store_gaussians(const std::vector<Gaussian>& all, Avatar& avatar) {
  auto& gs = avatar.gaussians;
  auto& b = avatar.binding;
  gs.sh_degree = 0;
  for (const auto& g : all) {
    for (int c = 0; c < 3; ++c) gs.positions.push_back(float(g.position[c]));
    gs.rotations.insert(gs.rotations.end(), {float(g.rotation.x()), float(g.rotation.y()), float(g.rotation.z()), float(g.rotation.w())});
    for (int c = 0; c < 3; ++c) gs.log_scales.push_back(float(g.log_scale[c]));
    gs.opacities.push_back(float(g.opacity));
    for (int c = 0; c < 3; ++c) gs.sh.push_back(float((g.rgb[c] - 0.5) / kSh0));
    b.groups.push_back(g.group);
    b.triangles.push_back(g.triangle);
    for (int c = 0; c < 3; ++c) b.barycentrics.push_back(float(g.barycentric[c]));
    b.normal_offsets.push_back(float(g.normal_offset));
    const auto& q = g.local_rotation;
    b.local_rotations.insert(b.local_rotations.end(), {float(q.x()), float(q.y()), float(q.z()), float(q.w())});
    for (int c = 0; c < 3; ++c) b.local_log_scales.push_back(float(g.local_log_scale[c]));
  }
}

being::asset::Tensor float_tensor(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
  being::asset::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// conv1d over the whole context window, weighted only on the M mel frames of the current video
// frame: the mean normalised log-mel energy there, then a sigmoid. Loud -> open, silent -> closed.
void build_audio_encoder(Avatar& avatar) {
  auto& audio = avatar.audio;
  audio.context_before = 2;
  audio.context_after = 2;
  const int m = static_cast<int>(std::lround(audio.sample_rate / (audio.hop * audio.video_fps)));
  const int rows = (audio.context_before + audio.context_after + 1) * m;
  const int bins = audio.mel_bins;
  const double gain = 3.0, bias = 0.5;
  std::vector<float> weight(static_cast<std::size_t>(bins) * rows, 0.0f);
  for (int b = 0; b < bins; ++b)
    for (int tap = audio.context_before * m; tap < (audio.context_before + 1) * m; ++tap)
      weight[static_cast<std::size_t>(b) * rows + tap] = float(gain / (m * bins));
  being::asset::Network net;
  net.name = "audio_encoder";
  net.input_dim = bins;
  net.output_dim = 1;
  being::asset::Layer conv;
  conv.type = being::asset::LayerType::conv1d;
  conv.in = bins;
  conv.out = 1;
  conv.kernel = rows;
  being::asset::Layer sigmoid;
  sigmoid.type = being::asset::LayerType::sigmoid;
  net.layers = {conv, sigmoid};
  net.tensors = {float_tensor("layers.0.weight", {1, bins, rows}, weight), float_tensor("layers.0.bias", {1}, {float(bias)})};
  avatar.networks.push_back(std::move(net));

  // The "training audio" statistics live playback starts from: 4 s of half a second of voiced
  // sound (a 180 Hz tone with noise) and half a second of silence, in turn.
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> utterance(static_cast<std::size_t>(4 * audio.sample_rate), 0.0f);
  for (std::size_t i = 0; i < utterance.size(); ++i) {
    const double t = double(i) / audio.sample_rate;
    if (std::fmod(t, 1.0) < 0.5) utterance[i] = 0.4f * float(std::sin(2 * M_PI * 180 * t)) + noise(rng);
  }
  being::audio::MelConfig mel;
  mel.sample_rate = audio.sample_rate;
  mel.window = audio.window;
  mel.hop = audio.hop;
  mel.mel_bins = bins;
  mel.fmin_hz = float(audio.fmin);
  mel.fmax_hz = float(audio.fmax);
  const std::vector<float> frames = being::audio::log_mel(utterance.data(), utterance.size(), mel);
  being::audio::MelStatistics statistics(bins);
  statistics.add(frames.data(), frames.size() / bins);
  audio.mel_mean = statistics.mean();
  audio.mel_std = statistics.stddev();
}

// A plate: a vertical gradient backdrop and shoulders under the neck, following the sway.
std::vector<uint8_t> plate_png(double sway_px) {
  std::vector<uint8_t> rgb(kSize * kSize * 3);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const double g = double(y) / kSize;
      double r = 0.35 + 0.15 * g, gr = 0.42 + 0.12 * g, b = 0.55 - 0.1 * g;
      const double dx = (x - kSize / 2.0 - sway_px) / 210.0, dy = (y - kSize * 1.08) / 150.0;
      if (dx * dx + dy * dy < 1.0) r = 0.2, gr = 0.25, b = 0.4;
      uint8_t* p = &rgb[(static_cast<std::size_t>(y) * kSize + x) * 3];
      p[0] = uint8_t(r * 255), p[1] = uint8_t(gr * 255), p[2] = uint8_t(b * 255);
    }
  }
  std::vector<uint8_t> png;
  stbi_write_png_to_func([](void* ctx, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(ctx);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &png, kSize, kSize, 3, rgb.data(), kSize * 3);
  return png;
}

void build_camera_and_idle(Avatar& avatar) {
  avatar.camera.width = avatar.camera.height = kSize;
  avatar.camera.fx = avatar.camera.fy = 1000.0;
  avatar.camera.cx = avatar.camera.cy = kSize / 2.0;
  auto& idle = avatar.idle;
  idle.fps = kIdleFps;
  // Head space (+y up, +z out of the face) to camera space (+y down, +z away from the camera):
  // a half turn about x, then a small sway.
  const Eigen::Quaterniond to_camera(Eigen::AngleAxisd(kPi, Vector3d::UnitX()));
  const double distance = 0.62;
  for (int f = 0; f < kIdleFrames; ++f) {
    const double phase = 2.0 * kPi * f / kIdleFrames;
    const double yaw = 0.05 * std::sin(phase), pitch = 0.03 * std::cos(phase);
    const Eigen::Quaterniond q = to_camera * Eigen::AngleAxisd(yaw, Vector3d::UnitY()) * Eigen::AngleAxisd(pitch, Vector3d::UnitX());
    const double tx = 0.004 * std::sin(phase);
    idle.rotations.insert(idle.rotations.end(), {float(q.x()), float(q.y()), float(q.z()), float(q.w())});
    idle.translations.insert(idle.translations.end(), {float(tx), -0.01f, float(distance)});
    being::asset::Plate plate;
    plate.format = being::asset::ImageFormat::png;
    plate.bytes = plate_png(tx * avatar.camera.fx / distance);
    idle.plates.push_back(std::move(plate));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_test_avatar OUT.avatar\n";
    return 2;
  }
  try {
    Avatar avatar;
    build_face(avatar);
    store_gaussians(build_gaussians(avatar), avatar);
    build_audio_encoder(avatar);
    build_camera_and_idle(avatar);
    being::asset::write_avatar(avatar, argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "make_test_avatar: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
