#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "being/analyze/frame_analysis.h"
#include "being/dataset/tensor_file.h"
#include "being/video/video_reader.h"
#include "stages.h"

namespace being::ingest {

namespace fs = std::filesystem;
using dataset::Array;
using dataset::kBlendshapes;
using dataset::kLandmarks;

bool Analysis::usable(int i) const { return status[i] == static_cast<std::uint8_t>(analyze::FaceStatus::ok); }

std::vector<face::Landmark> Analysis::landmarks_of(int i) const {
  std::vector<face::Landmark> out(kLandmarks);
  const float* p = &landmarks[static_cast<std::size_t>(i) * kLandmarks * 3];
  for (int k = 0; k < kLandmarks; ++k) out[k] = {p[3 * k], p[3 * k + 1], p[3 * k + 2]};
  return out;
}

fs::path seg_path(const fs::path& work, int frame) {
  char name[32];
  std::snprintf(name, sizeof name, "%06d.png", frame);
  return work / "seg" / name;
}

void load_seg(const fs::path& work, int frame, int width, int height, std::vector<float>& person,
              std::vector<float>& hair) {
  const auto image = dataset::read_image(seg_path(work, frame), 2);
  if (image.width != width || image.height != height)
    throw IngestError(seg_path(work, frame).string() + " has the wrong size; delete " + work.string() + " and re-run");
  const std::size_t n = static_cast<std::size_t>(width) * height;
  person.resize(n);
  hair.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    person[i] = image.pixels[2 * i] / 255.0f;
    hair[i] = image.pixels[2 * i + 1] / 255.0f;
  }
}

Analysis analyze_frames(const IngestRequest& request, const fs::path& work, const Progress& progress) {
  video::VideoReader reader(request.video.string(), request.fps);
  analyze::AnalysisOptions options;
  options.device = request.device;
  options.masks = true;
  analyze::FrameAnalyzer analyzer(options);
  fs::create_directories(work / "seg");

  Analysis a;
  a.width = reader.info().width;
  a.height = reader.info().height;
  a.blendshape_names = analyzer.blendshape_names();
  int expected = static_cast<int>(std::floor(reader.info().duration_s * request.fps + 1e-6));
  if (request.max_frames > 0) expected = std::min(expected, request.max_frames);
  video::Frame frame;
  dataset::Image seg{a.width, a.height, 2, {}};
  while ((request.max_frames <= 0 || a.frames < request.max_frames) && reader.next(frame)) {
    const auto r = analyzer.analyze(frame.rgb.data(), frame.width, frame.height);
    a.status.push_back(static_cast<std::uint8_t>(r.status));
    const bool has = analyze::has_landmarks(r.status);
    for (int k = 0; k < kLandmarks; ++k)
      for (float v : {has ? r.landmarks[k].x : 0.0f, has ? r.landmarks[k].y : 0.0f, has ? r.landmarks[k].z : 0.0f})
        a.landmarks.push_back(v);
    for (int k = 0; k < kBlendshapes; ++k) a.blendshapes.push_back(has ? r.blendshapes[k] : 0.0f);
    a.face_px.push_back(has ? r.face_size_px : 0.0f);
    a.other_faces.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(r.other_faces.size(), 255)));
    seg.pixels.resize(static_cast<std::size_t>(a.width) * a.height * 2);
    for (std::size_t i = 0; i < r.person.size(); ++i) {
      seg.pixels[2 * i] = static_cast<std::uint8_t>(std::lround(std::clamp(r.person[i], 0.0f, 1.0f) * 255));
      seg.pixels[2 * i + 1] = static_cast<std::uint8_t>(std::lround(std::clamp(r.hair[i], 0.0f, 1.0f) * 255));
    }
    dataset::write_png(seg_path(work, a.frames), seg);
    ++a.frames;
    if (progress) progress("analyse", a.frames, std::max(expected, a.frames));
  }
  return a;
}

void save_analysis(const fs::path& work, const std::string& key, const Analysis& a) {
  dataset::TensorFile f;
  const std::int64_t n = a.frames;
  f.arrays["status"] = Array::u8({n}, a.status);
  f.arrays["landmarks"] = Array::f32({n, kLandmarks, 3}, a.landmarks);
  f.arrays["blendshapes"] = Array::f32({n, kBlendshapes}, a.blendshapes);
  f.arrays["face_px"] = Array::f32({n}, a.face_px);
  f.arrays["other_faces"] = Array::u8({n}, a.other_faces);
  std::string names;
  for (const auto& s : a.blendshape_names) names += (names.empty() ? "" : ",") + s;
  f.metadata["blendshape_names"] = names;
  f.metadata["width"] = std::to_string(a.width);
  f.metadata["height"] = std::to_string(a.height);
  f.metadata["key"] = key;
  dataset::write_tensor_file(work / "analysis.safetensors", f);
}

bool load_analysis(const fs::path& work, const std::string& key, Analysis& a) {
  const auto path = work / "analysis.safetensors";
  if (!fs::exists(path)) return false;
  try {
    const auto f = dataset::read_tensor_file(path);
    if (f.metadata.count("key") == 0 || f.metadata.at("key") != key) return false;
    a.width = std::stoi(f.metadata.at("width"));
    a.height = std::stoi(f.metadata.at("height"));
    a.status = f.get("status", {-1}).as_u8("status");
    a.frames = static_cast<int>(a.status.size());
    const std::int64_t n = a.frames;
    a.landmarks = f.get("landmarks", {n, kLandmarks, 3}).as_f32("landmarks");
    a.blendshapes = f.get("blendshapes", {n, kBlendshapes}).as_f32("blendshapes");
    a.face_px = f.get("face_px", {n}).as_f32("face_px");
    a.other_faces = f.get("other_faces", {n}).as_u8("other_faces");
    std::stringstream ss(f.metadata.at("blendshape_names"));
    for (std::string s; std::getline(ss, s, ',');) a.blendshape_names.push_back(s);
    for (int i = 0; i < a.frames; ++i)
      if (!fs::exists(seg_path(work, i))) return false;
  } catch (const std::exception&) {
    return false;  // a damaged cache is redone, not an error
  }
  return true;
}

}  // namespace being::ingest
