#include "being/face/analyzer.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // NoGradGuard: <ATen/ATen.h> brings it in LibTorch 1.13 but not in 2.x

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <limits>
#include <optional>
#include <stdexcept>

#include "being/face/crop.h"
#include "being/models/model_store.h"
#include "being/tflite/graph.h"

namespace being::face {

namespace {

constexpr int kDetectorSize = 128;
constexpr int kCropSize = 256;

std::vector<Landmark> to_landmarks(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU).reshape({-1, 3}).contiguous();
  const float* p = c.data_ptr<float>();
  std::vector<Landmark> out(static_cast<std::size_t>(c.size(0)));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = {p[3 * i], p[3 * i + 1], p[3 * i + 2]};
  return out;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

struct FaceAnalyzer::Impl {
  c10::Device device;
  AnalyzerOptions options;
  tflite::Graph detector, landmarker, blendshaper;
  std::vector<Anchor> anchors = ssd_anchors();
  std::vector<int> subset;
  std::vector<std::string> names;
  std::optional<std::vector<Landmark>> previous;

  Impl(const c10::Device& d, const AnalyzerOptions& o)
      : device(d),
        options(o),
        detector(tflite::Graph::load(models::require("mediapipe_face/face_detector.tflite"), d)),
        landmarker(tflite::Graph::load(models::require("mediapipe_face/face_landmarks_detector.tflite"), d)),
        blendshaper(tflite::Graph::load(models::require("mediapipe_face/face_blendshapes.tflite"), d)) {
    const auto io_file = models::require("mediapipe_face_geometry/face_blendshapes_io.json");
    std::ifstream in(io_file);
    const auto io = nlohmann::json::parse(in, nullptr, false);
    if (io.is_discarded() || !io.contains("landmarks_subset_idxs") || !io.contains("blendshape_names")) {
      throw std::runtime_error(io_file.string() + ": not the blendshape index file (run scripts/setup.sh)");
    }
    subset = io.at("landmarks_subset_idxs").get<std::vector<int>>();
    names = io.at("blendshape_names").get<std::vector<std::string>>();
    if (subset.size() != 146 || names.size() != 52) {
      throw std::runtime_error(io_file.string() + ": expected 146 landmark indices and 52 names");
    }
    for (int i : subset) {
      if (i < 0 || i >= 478) throw std::runtime_error(io_file.string() + ": landmark index out of range");
    }
  }

  // Every face the detector sees, normalized to the frame.
  std::vector<Detection> detect(const at::Tensor& frame, int width, int height) const {
    const at::Tensor input = letterbox_square(frame, kDetectorSize) * 2.0 - 1.0;
    const auto out = detector.run({input});
    const at::Tensor boxes = out[0].to(at::kCPU).contiguous(), scores = out[1].to(at::kCPU).contiguous();
    DecodeOptions decode;
    decode.min_score = options.min_detection_score;
    auto faces = weighted_non_max_suppression(
        decode_detections(boxes.data_ptr<float>(), scores.data_ptr<float>(), anchors, decode));
    for (auto& face : faces) face = remove_letterbox(face, square_letterbox(width, height));
    return faces;
  }

  // Landmarks and presence for one region.
  std::pair<std::vector<Landmark>, float> landmarks(const at::Tensor& frame, const RotatedRect& roi) const {
    const auto out = landmarker.run({crop_rotated(frame, {roi}, kCropSize)});
    return {project_landmarks(to_landmarks(out[0]), roi, kCropSize), sigmoid(out[1].item<float>())};
  }

  std::array<float, 52> blendshapes(const std::vector<Landmark>& lm, int width, int height) const {
    std::vector<float> points;
    points.reserve(2 * subset.size());
    for (int i : subset) {
      points.push_back(lm[static_cast<std::size_t>(i)].x * width);
      points.push_back(lm[static_cast<std::size_t>(i)].y * height);
    }
    const at::Tensor input = at::from_blob(points.data(), {1, 146, 2}, at::kFloat).to(device);
    const at::Tensor scores = blendshaper.run({input})[0].to(at::kCPU).reshape({-1}).contiguous();
    std::array<float, 52> out{};
    std::copy(scores.data_ptr<float>(), scores.data_ptr<float>() + 52, out.begin());
    return out;
  }
};

std::size_t primary_face(const std::vector<Detection>& faces, int width, int height) {
  if (faces.empty()) throw std::invalid_argument("primary_face: no faces");
  auto area = [&](const Detection& d) { return static_cast<double>(d.width) * width * d.height * height; };
  auto centre_distance = [&](const Detection& d) {
    return std::hypot((d.x_min + d.width / 2 - 0.5) * width, (d.y_min + d.height / 2 - 0.5) * height);
  };
  double largest = 0;
  for (const auto& d : faces) largest = std::max(largest, area(d));
  std::size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < faces.size(); ++i) {
    if (area(faces[i]) < 0.8 * largest) continue;
    const double d = centre_distance(faces[i]);
    if (d < best_distance) best = i, best_distance = d;
  }
  return best;
}

FaceAnalyzer::FaceAnalyzer(const c10::Device& device, const AnalyzerOptions& options)
    : impl_(std::make_unique<Impl>(device, options)) {}
FaceAnalyzer::~FaceAnalyzer() = default;
FaceAnalyzer::FaceAnalyzer(FaceAnalyzer&&) noexcept = default;
FaceAnalyzer& FaceAnalyzer::operator=(FaceAnalyzer&&) noexcept = default;

void FaceAnalyzer::reset() { impl_->previous.reset(); }

const std::vector<int>& FaceAnalyzer::blendshape_landmarks() const { return impl_->subset; }
const std::vector<std::string>& FaceAnalyzer::blendshape_names() const { return impl_->names; }

FaceFrame FaceAnalyzer::analyze(const at::Tensor& frame_in) {
  Impl& m = *impl_;
  c10::NoGradGuard no_grad;
  const at::Tensor frame = rgb_frame(frame_in, m.device, "FaceAnalyzer");
  const int width = static_cast<int>(frame.size(2)), height = static_cast<int>(frame.size(1));

  FaceFrame result;
  if (m.previous) {
    result.roi = roi_from_landmarks(*m.previous, width, height);
    std::tie(result.landmarks, result.presence) = m.landmarks(frame, result.roi);
  }
  if (result.presence < m.options.min_presence) {
    result.detected = true;
    auto faces = m.detect(frame, width, height);
    if (faces.empty()) {
      m.previous.reset();
      return FaceFrame{false, true, 0.0f, {}, {}, {}, {}};
    }
    const std::size_t primary = primary_face(faces, width, height);
    result.roi = roi_from_detection(faces[primary], width, height);
    faces.erase(faces.begin() + static_cast<std::ptrdiff_t>(primary));
    result.other_faces = std::move(faces);
    std::tie(result.landmarks, result.presence) = m.landmarks(frame, result.roi);
  }
  if (result.presence < m.options.min_presence) {
    m.previous.reset();
    return FaceFrame{false, result.detected, result.presence, result.roi, {}, {}, std::move(result.other_faces)};
  }
  result.found = true;
  result.blendshapes = m.blendshapes(result.landmarks, width, height);
  m.previous = result.landmarks;
  return result;
}

}  // namespace being::face
