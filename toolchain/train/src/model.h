// The trainable head model (docs/training.md, "Model") and what one dataset frame gives it: the
// Gaussians' parameters, the face mesh of an expression code, its triangle frames (the binding
// math of kernels/deform/binding_math.h, in double precision, as the runtime evaluates it), and the
// differentiable render of one frame composited over its torso plate.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "being/asset/avatar.h"
#include "being/dataset/dataset.h"
#include "being/splat/types.h"

namespace being::train::detail {

// The asset's group values.
enum Group : std::int64_t { kFace = 0, kRigid = 1, kMouth = 2 };

// One row per Gaussian. Bound Gaussians (face, mouth) live in their triangle's frame, head-rigid
// ones in head space (metres). Rotations are quaternions (w, x, y, z) of any norm.
struct Gaussians {
  torch::Tensor anchor;         // [N,3] bound: barycentric logits (softmax = weights); rigid: position
  torch::Tensor normal_offset;  // [N] bound: along the normal, triangle-scale units; rigid: unused
  torch::Tensor rotation;       // [N,4] local rotation (triangle frame, or head space)
  torch::Tensor log_scale;      // [N,3] local log scale (triangle-scale units, or metres)
  torch::Tensor opacity_logit;  // [N]
  torch::Tensor sh;             // [N,4,3] SH degree 1
  torch::Tensor triangle;       // [N] int64, -1 for rigid; not learned
  torch::Tensor group;          // [N] int64 Group; not learned

  static constexpr int kLearned = 6;
  std::array<torch::Tensor*, kLearned> learned() {
    return {&anchor, &normal_offset, &rotation, &log_scale, &opacity_logit, &sh};
  }
  std::int64_t count() const { return opacity_logit.size(0); }
  Gaussians to(const torch::Device& device) const;
  Gaussians index(const torch::Tensor& rows) const;  // rows: int64 indices or a bool mask
};

// The concatenation of two sets (learned tensors stay leaves that require grad when `a`'s do).
Gaussians concat(const Gaussians& a, const Gaussians& b);

// The avatar's face mesh: neutral vertices and basis in metres (tracks / 100), canonical triangles.
asset::FaceMesh face_mesh_of(const dataset::Tracks& tracks, int components);

// neutral + sum_k code[k] * basis[k], in float as the runtime's Deformer computes it.
std::vector<float> deform_mesh(const asset::FaceMesh& mesh, const float* code);

// The frame of every triangle of one deformed mesh (binding_math.h): corners, unit normal, scale k
// (mean edge length) and the frame's rotation (w, x, y, z).
struct TriangleFrames {
  torch::Tensor corners;   // [T,3,3]
  torch::Tensor normal;    // [T,3]
  torch::Tensor scale;     // [T]
  torch::Tensor rotation;  // [T,4]
  TriangleFrames to(const torch::Device& device) const;
};
TriangleFrames triangle_frames(const asset::FaceMesh& mesh, const std::vector<float>& vertices);

// Head-space Gaussians of one mesh, differentiable in the learned parameters.
struct HeadGaussians {
  torch::Tensor means;       // [N,3]
  torch::Tensor quats;       // [N,4] (w, x, y, z), unit
  torch::Tensor log_scales;  // [N,3]
};
HeadGaussians bind(const Gaussians& g, const TriangleFrames& frames);

// Quaternion product a * b (apply b, then a), (w, x, y, z) rows.
torch::Tensor quat_multiply(const torch::Tensor& a, const torch::Tensor& b);

// x_camera = R * x_head + t of dataset frame n: R row-major, t metres.
void head_pose(const dataset::Dataset& data, int n, double r[9], double t[3]);

// One training frame, kept on the CPU.
struct FrameData {
  torch::Tensor target;  // [H,W,3] uint8, the crop
  torch::Tensor plate;   // [H,W,3] uint8: the crop where the label is background or torso, else the background plate
  torch::Tensor weight;  // [H,W] uint8 loss weight: 1, 2 on the eyes, 3 on the mouth interior and lips
  torch::Tensor labels;  // [H,W] uint8
  splat::Camera camera;
  TriangleFrames frames;
};

// Loads frames on first use and keeps them (the background plate is decoded once).
class FrameCache {
 public:
  FrameCache(const dataset::Dataset& data, const asset::FaceMesh& mesh);
  const FrameData& get(int n);
  // The frames of an expression code other than the tracked one (evaluation with other codes).
  TriangleFrames frames_for_code(const float* code) const;

 private:
  const dataset::Dataset& data_;
  const asset::FaceMesh& mesh_;
  dataset::Image background_;
  std::map<int, FrameData> frames_;
};

struct Rendered {
  torch::Tensor image;  // [H,W,3] float, composited over the plate
  torch::Tensor alpha;  // [H,W]
  torch::Tensor means;  // [N,3] head-space means fed to the rasterizer
};
// `plate` is [H,W,3] float on the Gaussians' device.
Rendered render(const Gaussians& g, const TriangleFrames& frames, const splat::Camera& camera,
                const torch::Tensor& plate);

// An uint8 [H,W,C] image as float in [0, 1] on `device`.
torch::Tensor to_float(const torch::Tensor& image, const torch::Device& device);

// The initial Gaussians (docs/training.md, "Initialisation"): `count` in all, on the CPU.
Gaussians initialise(const dataset::Dataset& data, const asset::FaceMesh& mesh, FrameCache& cache,
                     const std::vector<int>& train_frames, std::int64_t count, std::uint64_t seed);

}  // namespace being::train::detail
