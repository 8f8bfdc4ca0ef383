#include "export.h"

#include <c10/core/GradMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "being/audio_model/audio_encoder.h"
#include "being/deform/binding_math.h"

namespace being::train::detail {
namespace {

std::vector<float> values(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TrainError("cannot read the idle-loop plate " + path.string() + ": re-run bake ingest");
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// (w, x, y, z) rows, normalised -> (x, y, z, w).
std::vector<float> asset_quaternions(const torch::Tensor& wxyz) {
  const auto unit = wxyz / wxyz.norm(2, {1}, true);
  return values(torch::cat({unit.slice(1, 1, 4), unit.slice(1, 0, 1)}, 1));
}

asset::IdleLoop idle_loop(const dataset::Dataset& data) {
  const auto& m = data.manifest();
  asset::IdleLoop idle;
  idle.fps = m.fps;
  for (int n = m.idle_loop.start; n < m.idle_loop.end; ++n) {
    double r[9], t[3];
    head_pose(data, n, r, t);
    const deform::Quat q = deform::quat_from_axes({r[0], r[3], r[6]}, {r[1], r[4], r[7]}, {r[2], r[5], r[8]});
    const float quat[4] = {static_cast<float>(q.x), static_cast<float>(q.y), static_cast<float>(q.z), static_cast<float>(q.w)};
    idle.rotations.insert(idle.rotations.end(), quat, quat + 4);
    for (double v : t) idle.translations.push_back(static_cast<float>(v));
    asset::Plate plate;
    plate.format = asset::ImageFormat::jpeg;
    plate.bytes = file_bytes(dataset::loop_plate_path(data.dir(), n - m.idle_loop.start));
    idle.plates.push_back(std::move(plate));
  }
  return idle;
}

}  // namespace

asset::Avatar build_avatar(const Gaussians& gaussians, const dataset::Dataset& data, const asset::FaceMesh& mesh,
                           const TrainOptions& options) {
  c10::NoGradGuard no_grad;
  const Gaussians g = gaussians.to(torch::kCPU);
  const std::int64_t n = g.count();
  const auto bound = g.triangle >= 0;
  asset::Avatar a;
  a.face = mesh;

  auto& b = a.binding;
  const auto triangle = g.triangle.contiguous();
  const auto group = g.group.contiguous();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t t = triangle.data_ptr<std::int64_t>()[i];
    b.triangles.push_back(t < 0 ? asset::kNoTriangle : static_cast<std::uint32_t>(t));
    b.groups.push_back(static_cast<std::uint8_t>(group.data_ptr<std::int64_t>()[i]));
  }
  const auto bound_column = bound.unsqueeze(1);
  b.barycentrics = values(torch::where(bound_column, torch::softmax(g.anchor, 1), torch::zeros_like(g.anchor)));
  b.normal_offsets = values(torch::where(bound, g.normal_offset, torch::zeros_like(g.normal_offset)));
  b.local_rotations = asset_quaternions(g.rotation);
  b.local_log_scales = values(g.log_scale);

  // The neutral Gaussians: the binding on the mean mesh, with the runtime's own binding math.
  auto& out = a.gaussians;
  out.positions = values(g.anchor);
  out.rotations = b.local_rotations;
  out.log_scales = b.local_log_scales;
  auto v = [&](std::uint32_t index) {
    return deform::Vec3{mesh.vertices[index * 3], mesh.vertices[index * 3 + 1], mesh.vertices[index * 3 + 2]};
  };
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint32_t t = b.triangles[i];
    if (t == asset::kNoTriangle) continue;
    deform::bind_to_triangle(v(mesh.triangles[t * 3]), v(mesh.triangles[t * 3 + 1]), v(mesh.triangles[t * 3 + 2]),
                             &b.barycentrics[i * 3], b.normal_offsets[i], &b.local_rotations[i * 4],
                             &b.local_log_scales[i * 3], &out.positions[i * 3], &out.rotations[i * 4],
                             &out.log_scales[i * 3]);
  }
  out.opacities = values(torch::sigmoid(g.opacity_logit));
  out.sh_degree = 1;
  out.sh = values(g.sh);

  if (options.audio_encoder) {
    asset::Network network = *options.audio_encoder;
    network.name = "audio_encoder";
    a.networks.push_back(std::move(network));
  }
  // The features the dataset and the audio encoder use (runtime/audio's defaults), one definition.
  a.audio = audio_model::audio_config(data.manifest().fps, options.audio_context_before, options.audio_context_after);
  a.audio.mel_mean = options.audio_mel_mean;
  a.audio.mel_std = options.audio_mel_std;

  const auto& cam = data.manifest().camera;
  a.camera.fx = a.camera.fy = cam.focal_px;
  a.camera.cx = cam.cx;
  a.camera.cy = cam.cy;
  a.camera.width = data.manifest().source.width;
  a.camera.height = data.manifest().source.height;
  a.idle = idle_loop(data);
  return a;
}

Gaussians gaussians_of(const asset::Avatar& avatar) {
  const auto& b = avatar.binding;
  const auto& gs = avatar.gaussians;
  const auto n = static_cast<std::int64_t>(gs.count());
  auto tensor = [](const std::vector<float>& v, std::vector<std::int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
  };
  std::vector<std::int64_t> triangle(n), group(n);
  for (std::int64_t i = 0; i < n; ++i) {
    triangle[i] = b.triangles[i] == asset::kNoTriangle ? -1 : static_cast<std::int64_t>(b.triangles[i]);
    group[i] = b.groups[i];
  }
  Gaussians g;
  g.triangle = torch::tensor(triangle, torch::kInt64);
  g.group = torch::tensor(group, torch::kInt64);
  const auto bound = (g.triangle >= 0).unsqueeze(1);
  g.anchor = torch::where(bound, tensor(b.barycentrics, {n, 3}).clamp_min(1e-12).log(), tensor(gs.positions, {n, 3}));
  g.normal_offset = tensor(b.normal_offsets, {n});
  const auto xyzw = tensor(b.local_rotations, {n, 4});
  g.rotation = torch::cat({xyzw.slice(1, 3, 4), xyzw.slice(1, 0, 3)}, 1);
  g.log_scale = tensor(b.local_log_scales, {n, 3});
  g.opacity_logit = torch::logit(tensor(gs.opacities, {n}), 1e-7);
  const auto sh = tensor(gs.sh, {n, gs.sh_coefficients(), 3});
  g.sh = gs.sh_degree == 1 ? sh : torch::cat({sh, torch::zeros({n, 3, 3})}, 1);
  return g;
}

}  // namespace being::train::detail

namespace being::train {

struct FrameRenderer::Impl {
  const dataset::Dataset& data;
  asset::FaceMesh mesh;
  torch::Device device;
  detail::Gaussians gaussians;
  detail::FrameCache cache;

  Impl(const asset::Avatar& avatar, const dataset::Dataset& d, torch::Device dev)
      : data(d), mesh(avatar.face), device(dev), gaussians(detail::gaussians_of(avatar).to(dev)), cache(d, mesh) {}
};

namespace {
RenderedImage image_of(const torch::Tensor& hw3) {
  const auto c = hw3.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  RenderedImage out;
  out.height = static_cast<int>(c.size(0));
  out.width = static_cast<int>(c.size(1));
  out.rgb.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return out;
}
}  // namespace

FrameRenderer::FrameRenderer(const asset::Avatar& avatar, const dataset::Dataset& data, const std::string& device) {
  if (device != "cpu" && device != "cuda") throw TrainError("unknown device '" + device + "': use cuda or cpu");
  const bool cuda = device == "cuda" && torch::cuda::is_available();
  if (avatar.face.expression_dim() != static_cast<std::size_t>(data.manifest().expression.components) ||
      avatar.face.vertex_count() != static_cast<std::size_t>(dataset::kMeshVertices))
    throw TrainError("the avatar's face mesh (" + std::to_string(avatar.face.expression_dim()) +
                     " expression components) does not match the dataset's (" +
                     std::to_string(data.manifest().expression.components) + "): render it with the dataset it was trained on");
  impl_ = std::make_unique<Impl>(avatar, data, cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU));
}

FrameRenderer::~FrameRenderer() = default;

RenderedImage FrameRenderer::render(int frame, const std::vector<float>& code) const {
  if (frame < 0 || frame >= impl_->data.frames())
    throw TrainError("frame " + std::to_string(frame) + " is not in the dataset (0.." + std::to_string(impl_->data.frames() - 1) + ")");
  if (code.size() != impl_->mesh.expression_dim())
    throw TrainError("expression code of " + std::to_string(code.size()) + " values, the avatar takes " +
                     std::to_string(impl_->mesh.expression_dim()));
  c10::NoGradGuard no_grad;
  const auto& f = impl_->cache.get(frame);
  const auto frames = impl_->cache.frames_for_code(code.data()).to(impl_->device);
  const auto r = detail::render(impl_->gaussians, frames, f.camera, detail::to_float(f.plate, impl_->device));
  return image_of(r.image.clamp(0, 1));
}

RenderedImage FrameRenderer::target(int frame) const {
  if (frame < 0 || frame >= impl_->data.frames())
    throw TrainError("frame " + std::to_string(frame) + " is not in the dataset (0.." + std::to_string(impl_->data.frames() - 1) + ")");
  return image_of(detail::to_float(impl_->cache.get(frame).target, torch::kCPU));
}

}  // namespace being::train
