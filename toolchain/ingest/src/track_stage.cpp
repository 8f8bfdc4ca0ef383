#include <algorithm>
#include <cmath>
#include <limits>

#include "being/face_model/canonical_face.h"
#include "being/tracking/canonical_mesh.h"
#include "being/tracking/smoothing.h"
#include "stages.h"

namespace being::ingest {

namespace {

constexpr double kRadToDeg = 57.29577951308232;
constexpr int kNoseTip = 1, kUpperInnerLip = 13, kLowerInnerLip = 14, kForehead = 10, kChin = 152;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Zero-lag smoothing of one pose component. The measurement noise is estimated from the signal itself
// (median absolute second difference, which motion hardly touches); the process noise is a fixed
// fraction of it, which averages over about five frames and follows head turns without lag.
std::vector<double> smooth_component(const std::vector<double>& x, const std::vector<bool>& valid) {
  std::vector<double> second;
  for (std::size_t i = 1; i + 1 < x.size(); ++i)
    if (valid[i - 1] && valid[i] && valid[i + 1]) second.push_back(std::abs(x[i - 1] - 2 * x[i] + x[i + 1]));
  const double sigma = std::max(1e-9, median(second) / 0.6745 / std::sqrt(6.0));
  tracking::SmootherOptions options;
  options.measurement_noise = sigma;
  options.process_noise = 0.05 * sigma;
  return tracking::smooth_rts(x, options, valid);
}

std::vector<tracking::HeadPose> smooth_poses(const std::vector<tracking::HeadPose>& raw, const std::vector<bool>& valid) {
  std::vector<tracking::HeadPose> out = raw;
  for (int c = 0; c < 6; ++c) {
    std::vector<double> x(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) x[i] = c < 3 ? raw[i].rotation[c] : raw[i].translation[c - 3];
    const auto s = smooth_component(x, valid);
    for (std::size_t i = 0; i < raw.size(); ++i) (c < 3 ? out[i].rotation[c] : out[i].translation[c - 3]) = s[i];
  }
  return out;
}

// Frame-to-frame pose change on the stillest stretch of the video (2 s of tracked frames whose
// smoothed rotation varies least): degrees of rotation and pixels of nose-tip motion per frame.
void pose_jitter(const Track& t, const tracking::Vec3& nose, int fps, double& deg, double& px, double& raw_deg,
                 double& raw_px) {
  const int n = static_cast<int>(t.poses.size()), window = std::min(2 * fps, n);
  int best = -1;
  double best_motion = std::numeric_limits<double>::infinity();
  for (int s = 0; s + window <= n; ++s) {
    bool all = true;
    for (int i = s; i < s + window && all; ++i) all = t.valid[i];
    if (!all) continue;
    double motion = 0;
    for (int c = 0; c < 3; ++c) {
      double lo = 1e9, hi = -1e9;
      for (int i = s; i < s + window; ++i) lo = std::min(lo, t.poses[i].rotation[c]), hi = std::max(hi, t.poses[i].rotation[c]);
      motion += hi - lo;
    }
    if (motion < best_motion) best_motion = motion, best = s;
  }
  deg = px = raw_deg = raw_px = 0;
  if (best < 0 || window < 2) return;
  const auto measure = [&](const std::vector<tracking::HeadPose>& poses, double& d, double& p) {
    double sd = 0, sp = 0;
    for (int i = best + 1; i < best + window; ++i) {
      double dr = 0;
      for (int c = 0; c < 3; ++c) dr += std::pow(poses[i].rotation[c] - poses[i - 1].rotation[c], 2);
      sd += dr * kRadToDeg * kRadToDeg;
      const auto a = t.camera.project(tracking::to_camera(poses[i], nose));
      const auto b = t.camera.project(tracking::to_camera(poses[i - 1], nose));
      sp += std::pow(a[0] - b[0], 2) + std::pow(a[1] - b[1], 2);
    }
    d = std::sqrt(sd / (window - 1));
    p = std::sqrt(sp / (window - 1));
  };
  measure(t.poses, deg, px);
  measure(t.raw_poses, raw_deg, raw_px);
}

}  // namespace

Track track(const Analysis& a, const dataset::Manifest& manifest) {
  const auto& face = face_model::canonical_face();
  const int v = face_model::CanonicalFace::kMeshVertices;
  std::vector<tracking::Vec3> canonical(v);
  std::vector<double> weights(v, 0.0);
  for (int i = 0; i < v; ++i) canonical[i] = {face.vertices[i][0], face.vertices[i][1], face.vertices[i][2]};
  for (const auto& [index, w] : face.procrustes_weights)
    if (index < v) weights[index] = w;

  const int n = a.frames;
  std::vector<tracking::FrameLandmarks> frames(n);
  for (int i = 0; i < n; ++i) {
    if (!a.usable(i)) continue;
    frames[i].valid = true;
    const float* p = &a.landmarks[static_cast<std::size_t>(i) * dataset::kLandmarks * 3];
    for (int k = 0; k < v; ++k) frames[i].points.push_back({p[3 * k], p[3 * k + 1]});
  }
  const auto landmarks_px = [&](int i) {
    const float* p = &a.landmarks[static_cast<std::size_t>(i) * dataset::kLandmarks * 3];
    tracking::LandmarksPx px(v);
    for (int k = 0; k < v; ++k) px[k] = {p[3 * k], p[3 * k + 1], p[3 * k + 2]};
    return px;
  };
  // Two passes: the canonical face is MediaPipe's average person, so the first fit leaves this
  // person's own face shape in the residual. Its de-posed mean mesh (identity plus average
  // expression) is the model of the second fit, which then explains the rigid landmarks closely.
  Track t;
  t.identity = canonical;
  tracking::TrackingResult fit;
  for (int pass = 0; pass < 2; ++pass) {
    fit = tracking::track_head(frames, a.width, a.height, t.identity, weights);
    t.valid.resize(n);
    for (int i = 0; i < n; ++i) t.valid[i] = frames[i].valid && fit.tracked[i];
    t.poses = smooth_poses(fit.poses, t.valid);
    t.camera = fit.camera;
    if (pass == 1) break;
    std::vector<tracking::Vec3> mean(v, {0, 0, 0});
    int count = 0;
    for (int i = 0; i < n; ++i) {
      if (!t.valid[i]) continue;
      const auto mesh = tracking::canonical_mesh(t.camera, t.poses[i], landmarks_px(i), t.identity);
      for (int k = 0; k < v; ++k)
        for (int c = 0; c < 3; ++c) mean[k][c] += mesh[k][c];
      ++count;
    }
    if (count == 0) break;
    for (auto& p : mean)
      for (double& c : p) c /= count;
    t.identity = mean;
  }
  t.raw_poses = fit.poses;
  t.reprojection_px = fit.reprojection_rms_px;
  t.crops = tracking::crop_window_path(frames, a.width, a.height);

  t.meshes.resize(n);
  t.mouth_opening.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    const float* p = &a.landmarks[static_cast<std::size_t>(i) * dataset::kLandmarks * 3];
    t.meshes[i] = tracking::canonical_mesh(t.camera, t.poses[i], landmarks_px(i), t.identity);
    const auto gap = std::hypot(p[3 * kUpperInnerLip] - p[3 * kLowerInnerLip], p[3 * kUpperInnerLip + 1] - p[3 * kLowerInnerLip + 1]);
    const auto height = std::hypot(p[3 * kForehead] - p[3 * kChin], p[3 * kForehead + 1] - p[3 * kChin + 1]);
    t.mouth_opening[i] = height > 0 ? gap / height : 0.0;
  }
  std::vector<bool> train(n, false);
  int trainable = 0;
  for (int i = manifest.train.begin; i < manifest.train.end; ++i) trainable += (train[i] = t.valid[i]);
  if (trainable == 0) throw IngestError("no frame of the training part (the first 90%) shows a usable face");
  t.basis = tracking::fit_expression_basis(t.meshes, train);
  const int k = t.basis.size();
  t.codes.assign(static_cast<std::size_t>(n) * k, 0.0f);
  for (int i = 0; i < n; ++i) {
    if (!t.valid[i]) continue;
    const auto c = tracking::encode_expression(t.basis, t.meshes[i]);
    for (int j = 0; j < k; ++j) t.codes[static_cast<std::size_t>(i) * k + j] = static_cast<float>(c[j]);
  }

  // The idle loop lies in the training part; short videos get a shorter loop.
  tracking::IdleLoopOptions loop;
  loop.range_end = manifest.train.end;
  const double train_s = static_cast<double>(manifest.train.size()) / manifest.fps;
  loop.max_seconds = std::min(loop.max_seconds, train_s * 0.9);
  loop.min_seconds = std::min(loop.min_seconds, loop.max_seconds * 0.5);
  t.loop = tracking::choose_idle_loop(t.poses, t.mouth_opening, t.valid, manifest.fps, loop);

  std::vector<double> rms;
  double sum = 0;
  for (int i = 0; i < n; ++i)
    if (t.valid[i]) rms.push_back(t.reprojection_px[i]), sum += t.reprojection_px[i] * t.reprojection_px[i];
  t.tracked_fraction = static_cast<double>(rms.size()) / std::max(1, n);
  t.reprojection_rms_px = rms.empty() ? 0 : std::sqrt(sum / rms.size());
  t.reprojection_median_px = median(rms);
  pose_jitter(t, t.identity[kNoseTip], manifest.fps, t.jitter_deg, t.jitter_px, t.jitter_raw_deg, t.jitter_raw_px);
  return t;
}

}  // namespace being::ingest
