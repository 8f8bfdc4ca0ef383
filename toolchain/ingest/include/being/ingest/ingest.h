// `bake ingest`: one talking-head video to a training dataset (docs/dataset-format.md), in stages:
// analyse (face analysis and segmentation of every frame), track (camera, head poses, canonical
// meshes, expression basis, crop window, A/V offset, idle loop), frames (crops, labels, alpha,
// background and loop plates), audio (shifted audio and log-mel), then the tracks, the contact sheet
// and the manifest, last. Finished stages are kept under DIR/work and reused by a re-run.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/dataset/dataset.h"

namespace being::ingest {

// A problem with the input or the output the user can fix; the message says how.
class IngestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IngestRequest {
  std::filesystem::path video;
  std::filesystem::path output;  // the dataset folder
  int fps = 25;                  // frames are taken at this constant rate
  int crop_size = 512;           // training resolution (square)
  int jpeg_quality = 92;
  std::string device = "cpu";    // where the face models run: "cpu" or "cuda"
  bool no_audio = false;         // track a video without audio (no audio features, no A/V offset)
  std::optional<double> av_offset_frames;  // override the measured offset (positive: audio late)
  int max_frames = 0;            // 0: the whole video (tests use a few seconds)
  bool overlay = false;          // also write DIR/overlay.mp4 (the contact sheet's drawing, every frame)
  double min_seconds = 5.0;      // shorter videos are an error
  double warn_seconds = 30.0;    // shorter videos get a warning
  double warn_face_px = 256.0;   // a median face height below this gets a warning
};

struct StageTime {
  std::string name;
  double seconds = 0;
  bool reused = false;  // taken from DIR/work
};

struct IngestSummary {
  dataset::Manifest manifest;
  std::vector<StageTime> stages;
  double total_seconds = 0;
  double median_face_px = 0;
  int frames_with_other_faces = 0;
  double reprojection_median_px = 0;
  double pose_jitter_raw_deg = 0, pose_jitter_raw_px = 0;  // the same static segment before smoothing
  double background_median_diff = 0;                       // 8-bit units; large: the camera moved
  bool up_to_date = false;  // the dataset was complete for these inputs; nothing was redone
};

// stage, done, total (total 0: unknown).
using Progress = std::function<void(const std::string& stage, int done, int total)>;

// Throws IngestError (bad input or output, with what to do), being::media::MediaError (undecodable
// file), being::models::ModelError (model cache). On error the folder holds no dataset.json.
IngestSummary run_ingest(const IngestRequest& request, const Progress& progress = {});

}  // namespace being::ingest
