#include "being/dataset/dataset.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace being::dataset {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormatName = "being-dataset";

std::string numbered(int i, const char* ext) {
  char name[32];
  std::snprintf(name, sizeof name, "%06d.%s", i, ext);
  return name;
}

json range_json(const Range& r) { return json::array({r.begin, r.end}); }

Range parse_range(const json& j) {
  const auto v = j.get<std::vector<int>>();
  if (v.size() != 2) throw DatasetError("a frame range needs two numbers");
  return {v[0], v[1]};
}

}  // namespace

void split_frames(Manifest& m) {
  const int at_least = 3 * m.fps;
  const int validation = std::max(at_least, static_cast<int>(std::ceil(m.frames * 0.1)));
  if (m.frames - validation < m.fps)
    throw DatasetError("the video is too short to hold out the last 10% (at least 3 s) for validation and keep "
                       "1 s to train on: " + std::to_string(m.frames) + " frames at " + std::to_string(m.fps) +
                       " fps; use a video of at least 5 s (30 s or more for a good avatar)");
  m.train = {0, m.frames - validation};
  m.validation = {m.frames - validation, m.frames};
}

std::string manifest_json(const Manifest& m) {
  json j;
  j["format"] = kFormatName;
  j["version"] = kFormatVersion;
  j["source"] = {{"path", m.source.path},
                 {"width", m.source.width},
                 {"height", m.source.height},
                 {"duration_s", m.source.duration_s},
                 {"size_bytes", m.source.size_bytes}};
  j["fps"] = m.fps;
  j["frames"] = m.frames;
  j["crop_size"] = m.crop_size;
  j["jpeg_quality"] = m.jpeg_quality;
  j["camera"] = {{"focal_px", m.camera.focal_px}, {"cx", m.camera.cx}, {"cy", m.camera.cy},
                 {"width", m.camera.width}, {"height", m.camera.height}};
  j["has_audio"] = m.has_audio;
  if (m.has_audio)
    j["audio"] = {{"sample_rate", m.audio.sample_rate},
                  {"samples", m.audio.samples},
                  {"av_offset_frames", m.audio.av_offset_frames},
                  {"av_offset_applied_s", m.audio.av_offset_applied_s}};
  j["split"] = {{"train", range_json(m.train)}, {"validation", range_json(m.validation)}};
  j["expression"] = {{"components", m.expression.components},
                     {"variance_kept", m.expression.variance_kept},
                     {"rms_residual_cm", m.expression.rms_residual_cm}};
  j["idle_loop"] = {{"start", m.idle_loop.start}, {"end", m.idle_loop.end}, {"seam_cost", m.idle_loop.seam_cost}};
  j["quality"] = {{"tracked_fraction", m.quality.tracked_fraction},
                  {"reprojection_rms_px", m.quality.reprojection_rms_px},
                  {"pose_jitter_deg", m.quality.pose_jitter_deg},
                  {"pose_jitter_px", m.quality.pose_jitter_px}};
  j["warnings"] = m.warnings;
  return j.dump(2) + "\n";
}

Manifest parse_manifest(const std::string& text, const fs::path& where) {
  const auto fail = [&](const std::string& why) {
    return DatasetError(where.string() + ": " + why);
  };
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw fail(std::string("not valid JSON (") + e.what() + "); re-run bake ingest");
  }
  Manifest m;
  try {
    if (j.value("format", std::string()) != kFormatName) throw fail("not a Being dataset manifest");
    const int version = j.at("version").get<int>();
    if (version != kFormatVersion)
      throw fail("dataset format version " + std::to_string(version) + ", but this bake reads version " +
                 std::to_string(kFormatVersion) + "; re-run bake ingest on the video to rebuild it");
    const auto& s = j.at("source");
    m.source = {s.at("path").get<std::string>(), s.at("width").get<int>(), s.at("height").get<int>(),
                s.at("duration_s").get<double>(), s.at("size_bytes").get<std::uint64_t>()};
    m.fps = j.at("fps").get<int>();
    m.frames = j.at("frames").get<int>();
    m.crop_size = j.at("crop_size").get<int>();
    m.jpeg_quality = j.at("jpeg_quality").get<int>();
    const auto& c = j.at("camera");
    m.camera = {c.at("focal_px").get<double>(), c.at("cx").get<double>(), c.at("cy").get<double>(),
                c.at("width").get<int>(), c.at("height").get<int>()};
    m.has_audio = j.at("has_audio").get<bool>();
    if (m.has_audio) {
      const auto& a = j.at("audio");
      m.audio = {a.at("sample_rate").get<int>(), a.at("samples").get<std::int64_t>(),
                 a.at("av_offset_frames").get<double>(), a.at("av_offset_applied_s").get<double>()};
    }
    m.train = parse_range(j.at("split").at("train"));
    m.validation = parse_range(j.at("split").at("validation"));
    const auto& e = j.at("expression");
    m.expression = {e.at("components").get<int>(), e.at("variance_kept").get<double>(),
                    e.at("rms_residual_cm").get<double>()};
    const auto& l = j.at("idle_loop");
    m.idle_loop = {l.at("start").get<int>(), l.at("end").get<int>(), l.at("seam_cost").get<double>()};
    const auto& q = j.at("quality");
    m.quality = {q.at("tracked_fraction").get<double>(), q.at("reprojection_rms_px").get<double>(),
                 q.at("pose_jitter_deg").get<double>(), q.at("pose_jitter_px").get<double>()};
    m.warnings = j.at("warnings").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw fail(std::string("missing or mistyped field (") + e.what() + "); re-run bake ingest");
  }
  const auto in_frames = [&](const Range& r) { return 0 <= r.begin && r.begin <= r.end && r.end <= m.frames; };
  if (m.fps <= 0 || m.fps > 240 || m.frames <= 0 || m.crop_size < 16 || m.crop_size > 4096)
    throw fail("fps, frames or crop_size out of range");
  if (!in_frames(m.train) || !in_frames(m.validation) || m.train.end > m.validation.begin)
    throw fail("the train/validation split does not fit the frames");
  if (m.expression.components < 0 || m.expression.components > kMeshVertices * 3)
    throw fail("expression component count out of range");
  if (m.camera.focal_px <= 0 || m.camera.width <= 0 || m.camera.height <= 0) throw fail("camera out of range");
  return m;
}

fs::path frame_path(const fs::path& dir, int i) { return dir / "frames" / numbered(i, "jpg"); }
fs::path label_path(const fs::path& dir, int i) { return dir / "labels" / numbered(i, "png"); }
fs::path alpha_path(const fs::path& dir, int i) { return dir / "alpha" / numbered(i, "png"); }
fs::path loop_frame_path(const fs::path& dir, int i) { return dir / "loop" / numbered(i, "jpg"); }
fs::path loop_plate_path(const fs::path& dir, int i) { return dir / "loop_plates" / numbered(i, "jpg"); }

FrameCamera frame_camera(const Manifest& m, const Tracks& t, int n) {
  FrameCamera c;
  const float* w = &t.rotation[static_cast<std::size_t>(n) * 3];
  const double angle = std::sqrt(double(w[0]) * w[0] + double(w[1]) * w[1] + double(w[2]) * w[2]);
  double r[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (angle > 1e-12) {  // Rodrigues
    const double x = w[0] / angle, y = w[1] / angle, z = w[2] / angle, s = std::sin(angle), k = 1 - std::cos(angle);
    const double rodrigues[9] = {1 - k * (y * y + z * z), k * x * y - s * z, k * x * z + s * y,
                                 k * x * y + s * z, 1 - k * (x * x + z * z), k * y * z - s * x,
                                 k * x * z - s * y, k * y * z + s * x, 1 - k * (x * x + y * y)};
    std::copy(rodrigues, rodrigues + 9, r);
  }
  // diag(1, -1, -1): the canonical face's +y up / +z out of the face -> camera y down / z forward.
  for (int i = 0; i < 3; ++i) {
    c.rotation[i * 3] = r[i * 3];
    c.rotation[i * 3 + 1] = -r[i * 3 + 1];
    c.rotation[i * 3 + 2] = -r[i * 3 + 2];
    c.translation[i] = t.translation[static_cast<std::size_t>(n) * 3 + i] / 100.0;
  }
  const float* crop = &t.crop[static_cast<std::size_t>(n) * 3];
  const double scale = m.crop_size / static_cast<double>(crop[2]);
  c.fx = c.fy = m.camera.focal_px * scale;
  c.cx = (m.camera.cx - crop[0]) * scale;
  c.cy = (m.camera.cy - crop[1]) * scale;
  c.width = c.height = m.crop_size;
  return c;
}

TensorFile tracks_file(const Tracks& t, int n, int k) {
  TensorFile f;
  f.arrays["valid"] = Array::u8({n}, t.valid);
  f.arrays["status"] = Array::u8({n}, t.status);
  f.arrays["landmarks"] = Array::f32({n, kLandmarks, 3}, t.landmarks);
  f.arrays["blendshapes"] = Array::f32({n, kBlendshapes}, t.blendshapes);
  f.arrays["rotation"] = Array::f32({n, 3}, t.rotation);
  f.arrays["translation"] = Array::f32({n, 3}, t.translation);
  f.arrays["reprojection_px"] = Array::f32({n}, t.reprojection_px);
  f.arrays["crop"] = Array::f32({n, 3}, t.crop);
  f.arrays["mesh"] = Array::f32({n, kMeshVertices, 3}, t.mesh);
  f.arrays["expression"] = Array::f32({n, k}, t.expression);
  f.arrays["expression_mean"] = Array::f32({kMeshVertices, 3}, t.expression_mean);
  f.arrays["expression_basis"] = Array::f32({k, kMeshVertices, 3}, t.expression_basis);
  f.arrays["mouth_opening"] = Array::f32({n}, t.mouth_opening);
  std::string names;
  for (const auto& name : t.blendshape_names) names += (names.empty() ? "" : ",") + name;
  f.metadata["blendshape_names"] = names;
  return f;
}

Tracks parse_tracks(const TensorFile& f, int n, int k) {
  Tracks t;
  t.valid = f.get("valid", {n}).as_u8("valid");
  t.status = f.get("status", {n}).as_u8("status");
  t.landmarks = f.get("landmarks", {n, kLandmarks, 3}).as_f32("landmarks");
  t.blendshapes = f.get("blendshapes", {n, kBlendshapes}).as_f32("blendshapes");
  t.rotation = f.get("rotation", {n, 3}).as_f32("rotation");
  t.translation = f.get("translation", {n, 3}).as_f32("translation");
  t.reprojection_px = f.get("reprojection_px", {n}).as_f32("reprojection_px");
  t.crop = f.get("crop", {n, 3}).as_f32("crop");
  t.mesh = f.get("mesh", {n, kMeshVertices, 3}).as_f32("mesh");
  t.expression = f.get("expression", {n, k}).as_f32("expression");
  t.expression_mean = f.get("expression_mean", {kMeshVertices, 3}).as_f32("expression_mean");
  t.expression_basis = f.get("expression_basis", {k, kMeshVertices, 3}).as_f32("expression_basis");
  t.mouth_opening = f.get("mouth_opening", {n}).as_f32("mouth_opening");
  const auto names = f.metadata.find("blendshape_names");
  if (names != f.metadata.end()) {
    std::stringstream ss(names->second);
    for (std::string name; std::getline(ss, name, ',');) t.blendshape_names.push_back(name);
  }
  for (float v : t.landmarks)
    if (!std::isfinite(v)) throw DatasetError(f.source.string() + ": non-finite landmark (re-run bake ingest)");
  return t;
}

Dataset::Dataset(const fs::path& dir) : dir_(dir) {
  if (!fs::is_directory(dir)) throw DatasetError("no dataset folder " + dir.string() + " (make one with bake ingest VIDEO -o " + dir.string() + ")");
  const auto manifest_path = dir / "dataset.json";
  std::ifstream in(manifest_path);
  if (!in)
    throw DatasetError(dir.string() + " has no dataset.json: it is not a finished dataset (an interrupted "
                       "bake ingest?). Run bake ingest VIDEO -o " + dir.string() + " again; it resumes.");
  std::stringstream text;
  text << in.rdbuf();
  manifest_ = parse_manifest(text.str(), manifest_path);
  tracks_ = parse_tracks(read_tensor_file(dir / "tracks.safetensors"), manifest_.frames, manifest_.expression.components);
  for (int i : {0, manifest_.frames - 1})
    for (const auto& p : {frame_path(dir, i), label_path(dir, i), alpha_path(dir, i)})
      if (!fs::exists(p)) throw DatasetError("missing " + p.string() + " (re-run bake ingest)");
}

Image Dataset::frame(int i) const { return read_image(frame_path(dir_, i), 3); }
Image Dataset::labels(int i) const { return read_image(label_path(dir_, i), 1); }
Image Dataset::alpha(int i) const { return read_image(alpha_path(dir_, i), 1); }
Image Dataset::background() const { return read_image(dir_ / "background.png", 3); }

std::vector<float> Dataset::audio() const {
  if (!manifest_.has_audio) throw DatasetError(dir_.string() + " was made with --no-audio: it has no audio to train on");
  return read_wav(dir_ / "audio.wav", manifest_.audio.sample_rate);
}

TensorFile Dataset::features() const {
  if (!manifest_.has_audio) throw DatasetError(dir_.string() + " was made with --no-audio: it has no audio features");
  return read_tensor_file(dir_ / "features.safetensors");
}

}  // namespace being::dataset
