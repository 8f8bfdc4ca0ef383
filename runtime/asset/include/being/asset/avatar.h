// The `.avatar` file (format v1, docs/avatar-format.md): everything the runtime needs to play one
// person, in one glTF 2.0 binary. These structs hold it in memory with flat std::vector storage in
// the layout the GPU uploads; the reader fills them only after every field passed validation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::asset {

// The major format version this build writes and reads.
inline constexpr int kFormatVersion = 1;

// Binding::triangles value of a Gaussian that follows the head rigidly instead of a triangle.
inline constexpr uint32_t kNoTriangle = 0xFFFFFFFFu;

// Every problem with a file or an Avatar. The message starts with the path of the first bad field,
// e.g. `gaussians.opacity[17]: NaN`.
class AssetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The neutral head as KHR_gaussian_splatting stores it. Head space: right-handed, metres, +y up,
// +z out of the face (the canonical face mesh's frame).
struct Gaussians {
  std::vector<float> positions;   // N*3 centres
  std::vector<float> rotations;   // N*4 unit quaternions (x, y, z, w), local -> head space
  std::vector<float> log_scales;  // N*3 natural log of the standard deviation per axis (metres)
  std::vector<float> opacities;   // N, 0..1
  int sh_degree = 0;              // 0 or 1
  std::vector<float> sh;          // N * sh_coefficients() * 3: per Gaussian, per coefficient, RGB

  size_t count() const { return opacities.size(); }
  int sh_coefficients() const { return (sh_degree + 1) * (sh_degree + 1); }
};

enum class GaussianGroup : uint8_t { face = 0, head_rigid = 1, mouth_interior = 2 };

// How each Gaussian follows the face mesh (GaussianAvatars-style), one entry per Gaussian.
// Triangle frame: origin at the barycentric point, x along edge v0->v1, z along the triangle
// normal, y = z cross x; scaled by the triangle's mean edge length. Head-rigid Gaussians use head
// space instead (triangle kNoTriangle, barycentric 0, offset 0).
struct Binding {
  std::vector<uint8_t> groups;            // N GaussianGroup values
  std::vector<uint32_t> triangles;        // N indices into FaceMesh triangles, or kNoTriangle
  std::vector<float> barycentrics;        // N*3 weights of v0, v1, v2 (sum 1)
  std::vector<float> normal_offsets;      // N offsets along the normal, in triangle-scale units
  std::vector<float> local_rotations;     // N*4 unit quaternions (x, y, z, w) in the frame
  std::vector<float> local_log_scales;    // N*3 log scale in the frame
};

// The tracked canonical face mesh and its expression basis (glTF morph targets).
struct FaceMesh {
  std::vector<float> vertices;                 // V*3 neutral positions, head space, metres
  std::vector<uint32_t> triangles;             // T*3 vertex indices, counter-clockwise outside
  std::vector<std::string> expression_names;   // K names (blendshapes, then PCA codes)
  std::vector<float> expression_basis;         // K*V*3 position deltas per unit of code k

  size_t vertex_count() const { return vertices.size() / 3; }
  size_t triangle_count() const { return triangles.size() / 3; }
  size_t expression_dim() const { return expression_names.size(); }
};

enum class LayerType { linear, conv1d, layer_norm, self_attention, relu, gelu, silu, tanh, sigmoid };

// One layer of a sequential network; only the hyper-parameters of its type are meaningful
// (linear: in/out; conv1d: in/out/kernel/stride/dilation/padding over time, channels first;
// layer_norm: dim; self_attention: dim/heads; activations: none).
struct Layer {
  LayerType type = LayerType::relu;
  int64_t in = 0;
  int64_t out = 0;
  int64_t kernel = 0;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t padding = 0;
  int64_t dim = 0;
  int64_t heads = 0;
};

enum class DType { float32, float16 };

// A named weight tensor, row-major, raw little-endian element bytes (IEEE binary32 or binary16).
struct Tensor {
  std::string name;
  DType dtype = DType::float32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

struct Network {
  std::string name;  // e.g. "audio_encoder", "deformation"
  int64_t input_dim = 0;
  int64_t output_dim = 0;
  std::vector<Layer> layers;
  std::vector<Tensor> tensors;  // exactly the ones expected_tensors() lists, in any order
};

enum class MelNormalisation { none, per_utterance };

struct AudioConfig {
  int sample_rate = 16000;  // Hz, mono
  int mel_bins = 80;
  int window = 400;         // samples (25 ms)
  int hop = 160;            // samples (10 ms)
  double fmin = 0.0;        // Hz
  double fmax = 8000.0;     // Hz, <= sample_rate / 2
  MelNormalisation normalisation = MelNormalisation::per_utterance;
  double video_fps = 25.0;  // expression codes per second
  int context_before = 8;   // video frames of audio context before the current frame
  int context_after = 8;    // video frames of look-ahead
  // The training audio's per-bin log-mel mean and standard deviation (mel_bins each, or both empty):
  // live playback starts its running normalisation from them instead of from nothing.
  std::vector<float> mel_mean, mel_std;
};

// Pinhole camera of the training crop, OpenCV convention (x right, y down, z forward), pixels.
struct Camera {
  double fx = 0, fy = 0, cx = 0, cy = 0;
  int width = 0, height = 0;
};

enum class ImageFormat { png, jpeg };

struct Plate {
  ImageFormat format = ImageFormat::png;
  std::vector<uint8_t> bytes;  // the encoded file, as stored
};

// The idle loop the head is composited over: one head pose per frame and, optionally, one plate
// (background + torso, head removed) per frame at the camera's width x height.
struct IdleLoop {
  double fps = 25.0;
  std::vector<float> rotations;     // F*4 unit quaternions (x, y, z, w): head -> camera
  std::vector<float> translations;  // F*3 metres: x_camera = R x_head + t
  std::vector<Plate> plates;        // 0 or F

  size_t frame_count() const { return translations.size() / 3; }
};

// Adjustments made after training, e.g. in being-editor (docs/avatar-format.md, "Tuning"). The
// defaults change nothing; every player applies them (being::animate::CodeTuning).
struct Tuning {
  std::vector<float> expression_weights;  // K multipliers of the expression code, or empty (all 1)
  double expression_gain = 1.0;           // multiplier of the whole code
  double smoothing = 0.0;                 // seconds: time constant of causal smoothing of the code; 0 off
  int look_ahead_frames = -1;             // live look-ahead in avatar frames; -1: audio.context_after
  // Plate colour, per pixel in 0..1 RGB: saturation about the luma first, then gain * c + offset.
  std::array<float, 3> plate_gain{1.0f, 1.0f, 1.0f};
  std::array<float, 3> plate_offset{0.0f, 0.0f, 0.0f};
  float plate_saturation = 1.0f;
  // The idle loop plays frames idle_first .. idle_first + idle_count - 1 and wraps; 0: to the end.
  int idle_first = 0;
  int idle_count = 0;

  bool is_default() const;
};

struct Avatar {
  Gaussians gaussians;
  Binding binding;
  FaceMesh face;
  std::vector<Network> networks;
  AudioConfig audio;
  Camera camera;
  IdleLoop idle;
  Tuning tuning;
};

// A tensor a network's layers need: its name, its shape (dtype is free) and the layer using it.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  size_t layer = 0;
};

// The tensors `network`'s layers need, in layer order ("layers.<i>.weight", ...). Throws
// AssetError for an unknown or ill-formed layer.
std::vector<TensorSpec> expected_tensors(const Network& network);

// Checks everything the reader checks on the decoded content (counts, ranges, NaN/Inf, indices,
// tensor shapes against the layers, plate headers); throws AssetError naming the first problem.
void validate(const Avatar& avatar);

// Validates, then writes the file atomically: a temporary file in the same directory renamed over
// `path`, so a failed write leaves no partial file and keeps an older one intact.
void write_avatar(const Avatar& avatar, const std::filesystem::path& path);
std::vector<uint8_t> write_avatar_to_memory(const Avatar& avatar);

// Reads and validates; throws AssetError naming the first problem. Never reads other files.
Avatar read_avatar(const std::filesystem::path& path);
Avatar read_avatar_from_memory(const uint8_t* data, size_t size);

// A few lines for people: counts, networks, audio configuration, camera, idle loop.
std::string describe(const Avatar& avatar);

// Tensor values as float32 (float16 widened).
std::vector<float> tensor_values(const Tensor& tensor);

// Width and height from a PNG or JPEG header without decoding; throws AssetError (prefixed with
// `path`) when the bytes are not a well-formed image of `format`.
struct ImageSize {
  int width = 0;
  int height = 0;
};
ImageSize image_size(ImageFormat format, const std::vector<uint8_t>& bytes, const std::string& path);

std::string to_string(LayerType type);
std::string to_string(DType dtype);

}  // namespace being::asset
