// The stages of run_ingest and what they hand each other. Internal to toolchain/ingest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "being/face/roi.h"
#include "being/ingest/ingest.h"
#include "being/plates/labels.h"
#include "being/tracking/crop_window.h"
#include "being/tracking/expression_basis.h"
#include "being/tracking/head_tracker.h"
#include "being/tracking/idle_loop.h"

namespace being::ingest {

// Stage 1: the face analysis of every frame (work/analysis.safetensors) and its person/hair masks
// (work/seg/NNNNNN.png, two 8-bit channels).
struct Analysis {
  int width = 0, height = 0, frames = 0;
  std::vector<std::uint8_t> status;         // being::analyze::FaceStatus per frame
  std::vector<float> landmarks;             // [N, 478, 3] pixels; zeros where the frame has none
  std::vector<float> blendshapes;           // [N, 52]
  std::vector<float> face_px;               // landmark box long side, 0 where none
  std::vector<std::uint8_t> other_faces;    // faces besides the tracked one, where the detector ran
  std::vector<std::string> blendshape_names;

  bool usable(int i) const;                 // status ok: the landmarks are trusted for tracking
  std::vector<face::Landmark> landmarks_of(int i) const;
};

// Reads frames of the video once, writing the masks; `key` identifies the inputs (work/analysis.json).
Analysis analyze_frames(const IngestRequest& request, const std::filesystem::path& work, const Progress& progress);
bool load_analysis(const std::filesystem::path& work, const std::string& key, Analysis& out);
void save_analysis(const std::filesystem::path& work, const std::string& key, const Analysis& analysis);
std::filesystem::path seg_path(const std::filesystem::path& work, int frame);
// The person and hair probabilities of a frame, from its mask file.
void load_seg(const std::filesystem::path& work, int frame, int width, int height, std::vector<float>& person,
              std::vector<float>& hair);

// Stage 2: everything computed from the landmarks.
struct Track {
  tracking::Camera camera;
  std::vector<tracking::Vec3> identity;              // this person's face: the model the poses fit
  std::vector<tracking::HeadPose> raw_poses, poses;  // poses: smoothed without lag
  std::vector<bool> valid;                           // usable landmarks and a converged fit
  std::vector<double> reprojection_px;
  std::vector<tracking::CropWindow> crops;
  std::vector<std::vector<tracking::Vec3>> meshes;   // canonical space, per frame (empty where invalid)
  tracking::ExpressionBasis basis;
  std::vector<float> codes;                          // [N, K]
  std::vector<double> mouth_opening;                 // inner-lip gap / face height
  tracking::IdleLoop loop;
  double tracked_fraction = 0, reprojection_rms_px = 0, reprojection_median_px = 0;
  double jitter_deg = 0, jitter_px = 0, jitter_raw_deg = 0, jitter_raw_px = 0;
};

Track track(const Analysis& analysis, const dataset::Manifest& manifest);

// Stage 3: crops, labels, alpha, background and loop plates, contact sheet (and overlay video).
struct FramesResult {
  double background_median_diff = 0;
  double background_seen_fraction = 0;
};
FramesResult write_frames(const IngestRequest& request, const Analysis& analysis, const Track& track,
                          const std::filesystem::path& work, const Progress& progress);

// Stage 4: the audio shifted by the A/V offset and its log-mel features. Returns the samples written.
std::int64_t write_audio(const std::filesystem::path& dir, std::vector<float> samples, double start_s,
                         double shift_s, const dataset::Manifest& manifest);

}  // namespace being::ingest
