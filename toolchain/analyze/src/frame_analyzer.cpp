// The only file of this module that touches LibTorch: frames in, plain C++ results out.
#include "being/analyze/frame_analysis.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "being/face/analyzer.h"
#include "being/face/segmenter.h"

namespace being::analyze {

namespace {

c10::Device parse_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda") {
    if (!at::hasCUDA())
      throw std::runtime_error("--device cuda: this LibTorch has no CUDA support or no CUDA device; use --device cpu");
    return c10::Device(c10::kCUDA);
  }
  throw std::runtime_error("unknown device '" + name + "': expected cpu or cuda");
}

std::vector<float> to_vector(const at::Tensor& mask) {
  const at::Tensor c = mask.to(at::kCPU).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct FrameAnalyzer::Impl {
  AnalysisOptions options;
  c10::Device device;
  face::FaceAnalyzer face;
  std::unique_ptr<face::Segmenter> segmenter;

  explicit Impl(const AnalysisOptions& o)
      : options(o), device(parse_device(o.device)), face(device),
        segmenter(o.masks ? std::make_unique<face::Segmenter>(device) : nullptr) {}
};

FrameAnalyzer::FrameAnalyzer(const AnalysisOptions& options) : impl_(std::make_unique<Impl>(options)) {}
FrameAnalyzer::~FrameAnalyzer() = default;
FrameAnalyzer::FrameAnalyzer(FrameAnalyzer&&) noexcept = default;
FrameAnalyzer& FrameAnalyzer::operator=(FrameAnalyzer&&) noexcept = default;

void FrameAnalyzer::reset() {
  impl_->face.reset();
  if (impl_->segmenter) impl_->segmenter->reset();
}

const std::vector<std::string>& FrameAnalyzer::blendshape_names() const { return impl_->face.blendshape_names(); }
const AnalysisOptions& FrameAnalyzer::options() const { return impl_->options; }

FrameAnalysis FrameAnalyzer::analyze(const std::uint8_t* rgb, int width, int height) {
  Impl& m = *impl_;
  FrameAnalysis out;
  out.width = width;
  out.height = height;
  if (is_blank(rgb, width, height, m.options.blank_spread)) {
    // Nothing to see: do not spend the models on it, and do not track through it.
    out.status = FaceStatus::blank_frame;
    m.face.reset();
    return out;
  }
  // from_blob does not copy; the analyzers copy to their device and to float first.
  const at::Tensor frame =
      at::from_blob(const_cast<std::uint8_t*>(rgb), {height, width, 3}, at::TensorOptions().dtype(at::kByte));

  auto start = std::chrono::steady_clock::now();
  const face::FaceFrame f = m.face.analyze(frame);
  out.face_seconds = seconds_since(start);
  out.detected = f.detected;
  out.presence = f.presence;
  out.other_faces = f.other_faces;
  if (f.found) {
    out.roi = f.roi;
    std::vector<face::Landmark> px(f.landmarks.size());
    std::transform(f.landmarks.begin(), f.landmarks.end(), px.begin(), [&](const face::Landmark& l) {
      return face::Landmark{l.x * width, l.y * height, l.z * width};
    });
    out.status = classify_face(px, width, height, m.options, &out.face_size_px, &out.outside_fraction);
    if (has_landmarks(out.status)) {
      out.landmarks = std::move(px);
      out.blendshapes = f.blendshapes;
    }
  }
  if (m.segmenter) {
    start = std::chrono::steady_clock::now();
    const face::Masks masks = m.segmenter->segment(frame);
    out.person = to_vector(masks.person);
    out.hair = to_vector(masks.hair);
    out.mask_seconds = seconds_since(start);
  }
  return out;
}

}  // namespace being::analyze
