// The training dataset on disk (docs/dataset-format.md): the manifest, the per-frame tensors, the
// frame/label/alpha images and the audio. bake ingest writes it, bake train reads it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "being/dataset/tensor_file.h"

namespace being::dataset {

constexpr int kFormatVersion = 1;
constexpr int kMeshVertices = 468, kLandmarks = 478, kBlendshapes = 52, kMelBins = 80;

// The label values of labels/NNNNNN.png are being::plates::Label (toolchain/plates).

struct Range {
  int begin = 0, end = 0;  // half-open
  int size() const { return end - begin; }
};

struct Manifest {
  struct Source {
    std::string path;
    int width = 0, height = 0;
    double duration_s = 0;
    std::uint64_t size_bytes = 0;
  } source;
  int fps = 25;
  int frames = 0;
  int crop_size = 512;
  int jpeg_quality = 92;
  struct Camera {
    double focal_px = 0, cx = 0, cy = 0;
    int width = 0, height = 0;
  } camera;
  bool has_audio = true;
  struct Audio {
    int sample_rate = 16000;
    std::int64_t samples = 0;
    double av_offset_frames = 0;     // measured (positive: audio late)
    double av_offset_applied_s = 0;  // how far the audio was moved earlier
  } audio;
  Range train, validation;
  struct Expression {
    int components = 0;
    double variance_kept = 0, rms_residual_cm = 0;
  } expression;
  struct IdleLoop {
    int start = 0, end = 0;
    double seam_cost = 0;
  } idle_loop;
  struct Quality {
    double tracked_fraction = 0, reprojection_rms_px = 0, pose_jitter_deg = 0, pose_jitter_px = 0;
  } quality;
  std::vector<std::string> warnings;
};

// The split of the evaluation protocol: validation = the last 10% of the frames, at least 3 s.
// Throws DatasetError when that leaves less than 1 s to train on.
void split_frames(Manifest& manifest);

std::string manifest_json(const Manifest& manifest);
// Parses and validates (format name, version, ranges); throws DatasetError naming what is wrong.
Manifest parse_manifest(const std::string& json_text, const std::filesystem::path& where);

// File names inside a dataset folder.
std::filesystem::path frame_path(const std::filesystem::path& dir, int frame);
std::filesystem::path label_path(const std::filesystem::path& dir, int frame);
std::filesystem::path alpha_path(const std::filesystem::path& dir, int frame);
std::filesystem::path loop_frame_path(const std::filesystem::path& dir, int i);
std::filesystem::path loop_plate_path(const std::filesystem::path& dir, int i);

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // row-major, top row first, interleaved channels
};
// The square window (x0, y0, size) of `source` (source pixels) resampled to out_size x out_size:
// bilinear, pixel centres at +0.5, coordinates clamped to the image, with 2x2 (or 3x3) samples per
// output pixel when the window is much larger than the output so that downscaling does not alias.
// Ingest crops frames and alpha with it; the trainer and the evaluation crop the background plate.
Image resample_window(const Image& source, double x0, double y0, double size, int out_size);

// JPEG for channels == 3 frames, PNG otherwise; atomic (PATH.part then rename). Throw DatasetError.
void write_jpeg(const std::filesystem::path& path, const Image& image, int quality);
void write_png(const std::filesystem::path& path, const Image& image);
// Reads a PNG or JPEG with `channels` channels; throws DatasetError naming the file.
Image read_image(const std::filesystem::path& path, int channels);

// 16-bit PCM mono WAV. The reader accepts only what the writer writes (the dataset's own audio).
void write_wav(const std::filesystem::path& path, const std::vector<float>& samples, int sample_rate);
std::vector<float> read_wav(const std::filesystem::path& path, int expected_sample_rate);

// Writes `text` to PATH atomically.
void write_text(const std::filesystem::path& path, const std::string& text);

// Per-frame tensors of tracks.safetensors, as plain vectors (row-major).
struct Tracks {
  std::vector<std::uint8_t> valid, status;
  std::vector<float> landmarks;         // [N, 478, 3]
  std::vector<float> blendshapes;       // [N, 52]
  std::vector<float> rotation;          // [N, 3]
  std::vector<float> translation;       // [N, 3]
  std::vector<float> reprojection_px;   // [N]
  std::vector<float> crop;              // [N, 3]
  std::vector<float> mesh;              // [N, 468, 3]
  std::vector<float> expression;        // [N, K]
  std::vector<float> expression_mean;   // [468, 3]
  std::vector<float> expression_basis;  // [K, 468, 3]
  std::vector<float> mouth_opening;     // [N]
  std::vector<std::string> blendshape_names;
};
// Frame n as the trainer and the evaluation see it (docs/dataset-format.md): the head pose in the
// .avatar convention (x_camera = rotation * x_head + translation, head space = canonical space in
// metres, rotation row-major = R(axis-angle) * diag(1, -1, -1)) and the pinhole camera of its crop.
struct FrameCamera {
  double rotation[9] = {};
  double translation[3] = {};  // metres
  double fx = 0, fy = 0, cx = 0, cy = 0;
  int width = 0, height = 0;
};
FrameCamera frame_camera(const Manifest& manifest, const Tracks& tracks, int frame);

TensorFile tracks_file(const Tracks& tracks, int frames, int components);
Tracks parse_tracks(const TensorFile& file, int frames, int components);

// A dataset opened for training: the manifest and tracks are read and checked at once, the images
// on demand.
class Dataset {
 public:
  // Throws DatasetError: not a dataset (no dataset.json: an unfinished ingest), another format
  // version, missing or corrupt files.
  explicit Dataset(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const Manifest& manifest() const { return manifest_; }
  const Tracks& tracks() const { return tracks_; }
  int frames() const { return manifest_.frames; }

  Image frame(int i) const;   // crop_size^2 RGB
  Image labels(int i) const;  // crop_size^2, 1 channel
  Image alpha(int i) const;   // crop_size^2, 1 channel
  Image background() const;   // source size RGB
  std::vector<float> audio() const;  // 16 kHz mono; throws when the dataset has none
  TensorFile features() const;

 private:
  std::filesystem::path dir_;
  Manifest manifest_;
  Tracks tracks_;
};

}  // namespace being::dataset
