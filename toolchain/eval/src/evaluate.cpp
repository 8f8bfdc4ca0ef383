#include "being/eval/evaluate.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "being/animate/deform.h"
#include "being/animate/expression.h"
#include "being/asset/avatar.h"
#include "being/av_sync/av_offset.h"
#include "being/dataset/splat_camera.h"
#include "being/eval/metrics.h"
#include "being/analyze/frame_analysis.h"
#include "being/splat_torch/rasterize.h"

namespace being::eval {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The A/V search needs 8 usable frames per frame of lag each way (av_sync); at most 0.5 s of lag.
constexpr int kMaxLagFrames = 12, kMinLagFrames = 3, kFramesPerLag = 8;

asset::Avatar load_avatar(const fs::path& path) {
  if (!fs::exists(path)) throw EvalError("no avatar file " + path.string() + " (make one with bake train DATASET -o " + path.string() + ")");
  try {
    return asset::read_avatar(path);
  } catch (const asset::AssetError& e) {
    throw EvalError("cannot read the avatar " + path.string() + ": " + e.what());
  }
}

dataset::Dataset open_dataset(const fs::path& path) {
  try {
    return dataset::Dataset(path);
  } catch (const dataset::DatasetError& e) {
    throw EvalError(std::string("cannot open the dataset: ") + e.what());
  }
}

void check_pair(const asset::Avatar& avatar, const dataset::Dataset& data, const fs::path& avatar_path) {
  const auto& m = data.manifest();
  const int k = static_cast<int>(avatar.face.expression_dim());
  if (k != m.expression.components)
    throw EvalError("the avatar " + avatar_path.string() + " has " + std::to_string(k) + " expression codes but the dataset " +
                    data.dir().string() + " has " + std::to_string(m.expression.components) +
                    ": evaluate an avatar on the dataset it was trained on");
  if (!m.has_audio) throw EvalError("the dataset " + data.dir().string() + " has no audio (made with --no-audio): the audio drive needs it");
  if (avatar.audio.sample_rate != m.audio.sample_rate)
    throw EvalError("the avatar's audio runs at " + std::to_string(avatar.audio.sample_rate) + " Hz but the dataset's at " +
                    std::to_string(m.audio.sample_rate) + " Hz");
  if (m.validation.size() <= 0) throw EvalError("the dataset " + data.dir().string() + " has no validation frames");
}

c10::Device pick_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda") {
    if (!at::hasCUDA()) throw EvalError("--device cuda: this machine or this LibTorch build has no CUDA; use --device cpu");
    return c10::Device(c10::kCUDA);
  }
  throw EvalError("unknown device '" + name + "' (cpu or cuda)");
}


// The avatar's Gaussians on one device: the per-frame geometry comes from the Deformer, opacity and
// colour are fixed.
class AvatarRenderer {
 public:
  AvatarRenderer(const asset::Avatar& avatar, c10::Device device) : deformer_(avatar), device_(device) {
    const auto& g = avatar.gaussians;
    count_ = static_cast<std::int64_t>(g.count());
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    opacities_ = at::from_blob(const_cast<float*>(g.opacities.data()), {count_}, f32).to(device).clone();
    colors_ = at::from_blob(const_cast<float*>(g.sh.data()), {count_, g.sh_coefficients(), 3}, f32).to(device).clone();
    background_ = at::zeros({3}, f32.device(device));
  }

  // Renders expression `code` under `camera` and composites it over `plate`.
  draw::Image render(const float* code, const splat::Camera& camera, const draw::Image& plate) {
    deformer_.apply(code, geometry_);
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const auto means = at::from_blob(geometry_.positions.data(), {count_, 3}, f32).to(device_);
    // .avatar quaternions are (x, y, z, w); the rasterizer takes (w, x, y, z).
    const auto xyzw = at::from_blob(geometry_.rotations.data(), {count_, 4}, f32);
    const auto quats = at::cat({xyzw.slice(1, 3, 4), xyzw.slice(1, 0, 3)}, 1).to(device_);
    const auto scales = at::from_blob(geometry_.log_scales.data(), {count_, 3}, f32).exp().to(device_);
    const auto images = splat::rasterize(means, quats, scales, opacities_, colors_, background_, camera);
    const auto color = images.color.to(at::kCPU).contiguous();
    const auto alpha = images.alpha.to(at::kCPU).contiguous();
    return composite(color.data_ptr<float>(), alpha.data_ptr<float>(), plate);
  }

 private:
  animate::Deformer deformer_;
  c10::Device device_;
  std::int64_t count_ = 0;
  at::Tensor opacities_, colors_, background_;
  animate::GaussianGeometry geometry_;
};

// Landmarks in crop pixels, or empty when the analyzer found no face. Every image runs the detector
// afresh: a metric must depend on the image alone, not on the tracking history of a sequence.
class Landmarker {
 public:
  explicit Landmarker(const std::string& device) : analyzer_(options(device)) {}
  std::vector<face::Landmark> find(const draw::Image& image) {
    analyzer_.reset();
    auto result = analyzer_.analyze(image.rgb.data(), image.width, image.height);
    if (!analyze::has_landmarks(result.status)) return {};
    return std::move(result.landmarks);
  }

 private:
  static analyze::AnalysisOptions options(const std::string& device) {
    analyze::AnalysisOptions o;
    o.device = device;
    o.masks = false;
    return o;
  }
  analyze::FrameAnalyzer analyzer_;
};

// Per-frame numbers of one drive, reduced to DriveMetrics at the end.
struct DriveSeries {
  std::vector<double> psnr, ssim, face_psnr, face_ssim, lmd;
  std::vector<double> opening;  // per evaluated frame in time order (NaN: no landmarks)
  std::vector<double> paired_rendered, paired_real;

  void add_images(const draw::Image& real, const draw::Image& rendered, const Box& face) {
    psnr.push_back(eval::psnr(real, rendered, whole(real)));
    ssim.push_back(eval::ssim(real, rendered, whole(real)));
    if (face.width() > 0 && face.height() > 0) {
      face_psnr.push_back(eval::psnr(real, rendered, face));
      face_ssim.push_back(eval::ssim(real, rendered, face));
    }
  }
};

double mean(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) sum += x, ++n;
  return n ? sum / n : kNaN;
}

struct AvOffset {
  double frames = kNaN, correlation = kNaN;
};

// A/V offset of a mouth-opening series (NaN entries: no face) against the audio from its first frame.
AvOffset av_offset(const std::vector<double>& opening, const std::vector<float>& audio, int fps, int sample_rate,
                   const std::string& what, std::vector<std::string>& notes) {
  std::vector<bool> valid(opening.size());
  std::vector<double> values(opening.size(), 0.0);
  int usable = 0;
  for (std::size_t i = 0; i < opening.size(); ++i) {
    valid[i] = std::isfinite(opening[i]);
    if (valid[i]) values[i] = opening[i], ++usable;
  }
  const int lag = std::min(kMaxLagFrames, usable / kFramesPerLag);
  if (lag < kMinLagFrames) {
    notes.push_back(what + " A/V offset: " + std::to_string(usable) + " frames with a face, too few to search +-" +
                    std::to_string(kMinLagFrames) + " frames");
    return {};
  }
  av_sync::OffsetOptions options;
  options.fps = fps;
  options.sample_rate = sample_rate;
  options.max_lag_s = static_cast<double>(lag) / fps;
  const auto estimate = av_sync::estimate_av_offset(values, valid, audio, options);
  return {estimate.offset_frames, estimate.correlation};
}

DriveMetrics reduce(const DriveSeries& s, const std::vector<float>& audio, int fps, int sample_rate,
                    bool landmarks, const std::string& what, std::vector<std::string>& notes) {
  DriveMetrics d;
  d.psnr = mean(s.psnr);
  d.ssim = mean(s.ssim);
  d.face_psnr = mean(s.face_psnr);
  d.face_ssim = mean(s.face_ssim);
  d.landmark_frames = static_cast<int>(s.lmd.size());
  if (!landmarks) {
    d.lmd_px = d.mouth_correlation = d.av_offset_frames = d.av_correlation = kNaN;
    return d;
  }
  d.lmd_px = mean(s.lmd);
  d.mouth_correlation = pearson(s.paired_rendered, s.paired_real);
  if (std::isnan(d.mouth_correlation))
    notes.push_back(what + " mouth correlation: fewer than 3 frames with faces on both images, or a mouth that never moved");
  const AvOffset av = av_offset(s.opening, audio, fps, sample_rate, what, notes);
  d.av_offset_frames = av.frames;
  d.av_correlation = av.correlation;
  return d;
}

// Up to `count` indices spread evenly over [0, total).
std::vector<int> spread(int total, int count) {
  std::vector<int> out;
  count = std::min(count, total);
  for (int i = 0; i < count; ++i) out.push_back(count == 1 ? 0 : static_cast<int>(std::lround(i * (total - 1.0) / (count - 1))));
  return out;
}

draw::Image to_image(const dataset::Image& image) {
  draw::Image out;
  out.width = image.width;
  out.height = image.height;
  out.rgb = image.pixels;
  return out;
}

void write_contact_sheet(const fs::path& path, const std::vector<draw::Image>& images, const std::vector<std::string>& captions) {
  if (images.empty()) return;
  draw::write_png(path, draw::contact_sheet(images, captions, 3));
}

std::string number(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(digits);
  s << v;
  return s.str();
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json drive_json(const DriveMetrics& d) {
  const auto value = finite_or_null;
  return {{"psnr_db", value(d.psnr)},
          {"ssim", value(d.ssim)},
          {"face_psnr_db", value(d.face_psnr)},
          {"face_ssim", value(d.face_ssim)},
          {"lip_landmark_distance_px", value(d.lmd_px)},
          {"mouth_opening_correlation", value(d.mouth_correlation)},
          {"av_offset_frames", value(d.av_offset_frames)},
          {"av_correlation", value(d.av_correlation)},
          {"landmark_frames", d.landmark_frames}};
}

}  // namespace

EvalResult evaluate(const fs::path& avatar_path, const fs::path& dataset_path, const EvalOptions& options, const FrameSink& sink) {
  const auto start = std::chrono::steady_clock::now();
  const asset::Avatar avatar = load_avatar(avatar_path);
  const dataset::Dataset data = open_dataset(dataset_path);
  check_pair(avatar, data, avatar_path);
  const c10::Device device = pick_device(options.device);
  c10::NoGradGuard no_grad;

  const auto& m = data.manifest();
  const auto& tracks = data.tracks();
  const int k = m.expression.components;
  const std::vector<float> audio = data.audio();
  std::vector<float> audio_codes;
  try {
    audio_codes = animate::expression_codes(avatar, audio, m.fps);
  } catch (const asset::AssetError& e) {
    throw EvalError("the avatar " + avatar_path.string() + " cannot drive from audio: " + e.what());
  }
  const int audio_frames = static_cast<int>(audio_codes.size() / std::max(k, 1));
  if (audio_frames == 0) throw EvalError("the dataset " + data.dir().string() + " has an empty audio track");

  AvatarRenderer renderer(avatar, device);
  std::unique_ptr<Landmarker> landmarker;
  if (options.landmarks) landmarker = std::make_unique<Landmarker>(options.device);
  const dataset::Image background = data.background();

  const int first = m.validation.begin;
  const int count = options.max_frames > 0 ? std::min(options.max_frames, m.validation.size()) : m.validation.size();
  const auto sheet_rows = spread(count, options.sheet_frames);
  std::vector<draw::Image> sheet;
  std::vector<std::string> captions;

  EvalResult result;
  result.crop_size = m.crop_size;
  DriveSeries audio_series, tracked_series;
  std::vector<double> real_opening;
  for (int i = 0; i < count; ++i) {
    const int n = first + i;
    const draw::Image real = to_image(data.frame(n));
    const draw::Image plate = torso_plate(data, n, crop_background(background, &tracks.crop[static_cast<std::size_t>(n) * 3], m.crop_size));
    const bool in_sheet = std::find(sheet_rows.begin(), sheet_rows.end(), i) != sheet_rows.end();
    if (!tracks.valid[n]) {
      ++result.skipped;
      for (auto* s : {&audio_series, &tracked_series}) s->opening.push_back(kNaN);
      real_opening.push_back(kNaN);
      if (sink) sink({n, true, &real, &plate, &plate});
      continue;
    }
    ++result.frames;
    const splat::Camera camera = dataset::splat_camera(data, n);
    const float* audio_code = &audio_codes[static_cast<std::size_t>(std::min(n, audio_frames - 1)) * k];
    const draw::Image by_audio = renderer.render(audio_code, camera, plate);
    const draw::Image by_tracks = renderer.render(&tracks.expression[static_cast<std::size_t>(n) * k], camera, plate);
    const Box face = face_box(data, n);
    audio_series.add_images(real, by_audio, face);
    tracked_series.add_images(real, by_tracks, face);

    if (options.landmarks) {
      const auto real_lm = landmarker->find(real);
      real_opening.push_back(real_lm.empty() ? kNaN : mouth_opening(real_lm));
      const auto measure = [&](const draw::Image& rendered, DriveSeries& s) {
        const auto lm = landmarker->find(rendered);
        s.opening.push_back(lm.empty() ? kNaN : mouth_opening(lm));
        if (lm.empty() || real_lm.empty()) return;
        s.lmd.push_back(lip_distance(lm, real_lm));
        s.paired_rendered.push_back(s.opening.back());
        s.paired_real.push_back(real_opening.back());
      };
      measure(by_audio, audio_series);
      measure(by_tracks, tracked_series);
    } else {
      for (auto* opening : {&real_opening, &audio_series.opening, &tracked_series.opening}) opening->push_back(kNaN);
    }
    result.per_frame.push_back({n, audio_series.psnr.back(), tracked_series.psnr.back(), real_opening.back(),
                                audio_series.opening.back(), tracked_series.opening.back()});
    if (in_sheet) {
      const std::string at = "frame " + std::to_string(n);
      sheet.insert(sheet.end(), {real, by_audio, by_tracks});
      captions.insert(captions.end(), {at + " real", at + " audio", at + " tracked"});
    }
    if (sink) sink({n, false, &real, &by_audio, &by_tracks});
  }
  if (result.frames == 0) throw EvalError("no validation frame of " + data.dir().string() + " has a tracked face: nothing to evaluate");

  const auto clip_begin = std::min(audio.size(), static_cast<std::size_t>(std::llround(double(first) * m.audio.sample_rate / m.fps)));
  const std::vector<float> clip(audio.begin() + static_cast<std::ptrdiff_t>(clip_begin), audio.end());
  const int rate = m.audio.sample_rate;
  result.audio = reduce(audio_series, clip, m.fps, rate, options.landmarks, "audio", result.notes);
  result.tracked = reduce(tracked_series, clip, m.fps, rate, options.landmarks, "tracked", result.notes);
  result.real_av_offset_frames = result.real_av_correlation = kNaN;
  if (options.landmarks) {
    const AvOffset real = av_offset(real_opening, clip, m.fps, rate, "real", result.notes);
    result.real_av_offset_frames = real.frames;
    result.real_av_correlation = real.correlation;
  }
  if (!options.landmarks) result.notes.push_back("landmark metrics off (no face analysis)");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!options.contact_sheet.empty()) write_contact_sheet(options.contact_sheet, sheet, captions);
  if (!options.json.empty()) {
    try {
      dataset::write_text(options.json, result_json(result) + "\n");
    } catch (const dataset::DatasetError& e) {
      throw EvalError(std::string("cannot write the evaluation JSON: ") + e.what());
    }
  }
  return result;
}

std::string result_json(const EvalResult& r) {
  nlohmann::json per_frame = nlohmann::json::array();
  for (const auto& f : r.per_frame)
    per_frame.push_back({{"frame", f.frame},
                         {"audio_psnr_db", finite_or_null(f.audio_psnr)},
                         {"tracked_psnr_db", finite_or_null(f.tracked_psnr)},
                         {"real_mouth_opening", finite_or_null(f.real_mouth)},
                         {"audio_mouth_opening", finite_or_null(f.audio_mouth)},
                         {"tracked_mouth_opening", finite_or_null(f.tracked_mouth)}});
  const nlohmann::json j = {{"frames", r.frames},
                            {"skipped", r.skipped},
                            {"crop_size", r.crop_size},
                            {"audio", drive_json(r.audio)},
                            {"tracked", drive_json(r.tracked)},
                            {"real_av_offset_frames", finite_or_null(r.real_av_offset_frames)},
                            {"real_av_correlation", finite_or_null(r.real_av_correlation)},
                            {"notes", r.notes},
                            {"per_frame", per_frame},
                            {"seconds", r.seconds}};
  return j.dump(2);
}

std::string summary(const EvalResult& r) {
  std::ostringstream s;
  s << "validation: " << r.frames << " frames at " << r.crop_size << "x" << r.crop_size << " (" << r.skipped
    << " skipped without a tracked face), " << number(r.seconds, 1) << " s\n";
  s << "drive     PSNR dB  SSIM    face PSNR  face SSIM  lip LMD px  mouth r  A/V frames (r)\n";
  for (const auto& [name, d] : {std::pair<const char*, const DriveMetrics&>{"audio  ", r.audio}, {"tracked", r.tracked}})
    s << name << "   " << number(d.psnr, 2) << "    " << number(d.ssim, 4) << "  " << number(d.face_psnr, 2) << "      "
      << number(d.face_ssim, 4) << "     " << number(d.lmd_px, 2) << "        " << number(d.mouth_correlation, 3) << "    "
      << number(d.av_offset_frames, 2) << " (" << number(d.av_correlation, 2) << ")\n";
  s << "real crops' own A/V offset: " << number(r.real_av_offset_frames, 2) << " frames (r " << number(r.real_av_correlation, 2)
    << "; target for the drives: 0 +- 1; a weak r means too little speech to tell)\n";
  for (const auto& note : r.notes) s << "note: " << note << "\n";
  return s.str();
}

}  // namespace being::eval
