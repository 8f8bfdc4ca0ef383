#include "model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "being/dataset/splat_camera.h"
#include "being/deform/binding_math.h"
#include "being/draw/canvas.h"
#include "being/face_model/canonical_face.h"
#include "being/splat/types.h"
#include "being/splat_torch/rasterize.h"
#include "being/tracking/head_tracker.h"

namespace being::train::detail {
namespace {

torch::Tensor floats(const std::vector<float>& values, std::vector<std::int64_t> shape) {
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat32).clone();
}

torch::Tensor bytes(const dataset::Image& image) {
  std::vector<std::int64_t> shape = {image.height, image.width};
  if (image.channels > 1) shape.push_back(image.channels);
  return torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()), shape, torch::kUInt8).clone();
}

deform::Vec3 vertex(const std::vector<float>& v, int i) { return {v[i * 3], v[i * 3 + 1], v[i * 3 + 2]}; }

// The background plate resampled into frame n's crop window, as ingest crops the frames.
std::vector<std::uint8_t> background_crop(const dataset::Image& bg, const dataset::Dataset& data, int n) {
  const float* crop = &data.tracks().crop[static_cast<std::size_t>(n) * 3];
  return dataset::resample_window(bg, crop[0], crop[1], crop[2], data.manifest().crop_size).pixels;
}

// 255 inside the outer lip loop of frame n's landmarks, in crop pixels.
std::vector<std::uint8_t> lips_mask(const dataset::Dataset& data, int n) {
  const auto& face = face_model::canonical_face();
  const auto it = face.contours.find("FACEMESH_LIPS");
  if (it == face.contours.end() || it->second.empty())
    throw std::runtime_error("canonical face: no FACEMESH_LIPS contour (is the model cache complete? run scripts/setup.sh)");
  const int size = data.manifest().crop_size;
  const float* crop = &data.tracks().crop[n * 3];
  const double s = size / static_cast<double>(crop[2]);
  const float* landmarks = &data.tracks().landmarks[static_cast<std::size_t>(n) * dataset::kLandmarks * 3];
  std::vector<draw::Point> polygon;
  for (int v : it->second.front().vertices) polygon.push_back({(landmarks[v * 3] - crop[0]) * s, (landmarks[v * 3 + 1] - crop[1]) * s});
  draw::Image mask(size, size);
  draw::fill_polygon(mask, polygon, {255, 255, 255}, 1.0);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size) * size);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = mask.rgb[i * 3];
  return out;
}

double area(deform::Vec3 a, deform::Vec3 b, deform::Vec3 c) {
  return 0.5 * deform::length(deform::cross(deform::sub(b, a), deform::sub(c, a)));
}

// Uniform barycentric weights (sqrt trick), as logits bounded away from -inf.
std::array<float, 3> random_bary_logits(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double r1 = std::sqrt(u(rng)), r2 = u(rng);
  const double w[3] = {1 - r1, r1 * (1 - r2), r1 * r2};
  return {static_cast<float>(std::log(std::max(w[0], 0.02))), static_cast<float>(std::log(std::max(w[1], 0.02))),
          static_cast<float>(std::log(std::max(w[2], 0.02)))};
}

float logit(double p) { return static_cast<float>(std::log(p / (1 - p))); }

}  // namespace

Gaussians Gaussians::to(const torch::Device& device) const {
  Gaussians g = *this;
  for (torch::Tensor* t : g.learned()) *t = t->detach().to(device);
  g.triangle = triangle.to(device);
  g.group = group.to(device);
  return g;
}

Gaussians Gaussians::index(const torch::Tensor& rows) const {
  Gaussians g = *this;
  for (torch::Tensor* t : g.learned()) *t = t->detach().index({rows});
  g.triangle = triangle.index({rows});
  g.group = group.index({rows});
  return g;
}

Gaussians concat(const Gaussians& a, const Gaussians& b) {
  Gaussians g = a, bb = b;
  auto ga = g.learned();
  auto gb = bb.learned();
  for (int i = 0; i < Gaussians::kLearned; ++i) *ga[i] = torch::cat({ga[i]->detach(), gb[i]->detach()});
  g.triangle = torch::cat({a.triangle, b.triangle});
  g.group = torch::cat({a.group, b.group});
  return g;
}

asset::FaceMesh face_mesh_of(const dataset::Tracks& tracks, int components) {
  asset::FaceMesh mesh;
  mesh.vertices.resize(tracks.expression_mean.size());
  for (std::size_t i = 0; i < mesh.vertices.size(); ++i) mesh.vertices[i] = tracks.expression_mean[i] / 100.0f;
  mesh.expression_basis.resize(tracks.expression_basis.size());
  for (std::size_t i = 0; i < mesh.expression_basis.size(); ++i) mesh.expression_basis[i] = tracks.expression_basis[i] / 100.0f;
  for (int k = 0; k < components; ++k) mesh.expression_names.push_back("pca_" + std::to_string(k));
  for (const auto& t : face_model::canonical_face().triangles)
    for (int v : t) mesh.triangles.push_back(static_cast<std::uint32_t>(v));
  return mesh;
}

std::vector<float> deform_mesh(const asset::FaceMesh& mesh, const float* code) {
  std::vector<float> vertices = mesh.vertices;
  const std::size_t n = vertices.size();
  for (std::size_t k = 0; k < mesh.expression_dim(); ++k) {
    if (code[k] == 0.0f) continue;
    const float* delta = &mesh.expression_basis[k * n];
    for (std::size_t i = 0; i < n; ++i) vertices[i] += code[k] * delta[i];
  }
  return vertices;
}

TriangleFrames TriangleFrames::to(const torch::Device& device) const {
  return {corners.to(device), normal.to(device), scale.to(device), rotation.to(device)};
}

TriangleFrames triangle_frames(const asset::FaceMesh& mesh, const std::vector<float>& vertices) {
  const std::int64_t count = static_cast<std::int64_t>(mesh.triangle_count());
  std::vector<float> corners(count * 9), normal(count * 3), scale(count), rotation(count * 4);
  for (std::int64_t t = 0; t < count; ++t) {
    const deform::Vec3 v[3] = {vertex(vertices, mesh.triangles[t * 3]), vertex(vertices, mesh.triangles[t * 3 + 1]),
                               vertex(vertices, mesh.triangles[t * 3 + 2])};
    const deform::Vec3 e01 = deform::sub(v[1], v[0]), e02 = deform::sub(v[2], v[0]), e12 = deform::sub(v[2], v[1]);
    const deform::Vec3 x = deform::normalized(e01);
    const deform::Vec3 z = deform::normalized(deform::cross(e01, e02));
    const deform::Vec3 y = deform::cross(z, x);
    const deform::Quat q = deform::quat_from_axes(x, y, z);
    for (int c = 0; c < 3; ++c) {
      corners[t * 9 + c * 3] = static_cast<float>(v[c].x);
      corners[t * 9 + c * 3 + 1] = static_cast<float>(v[c].y);
      corners[t * 9 + c * 3 + 2] = static_cast<float>(v[c].z);
    }
    normal[t * 3] = static_cast<float>(z.x), normal[t * 3 + 1] = static_cast<float>(z.y), normal[t * 3 + 2] = static_cast<float>(z.z);
    scale[t] = static_cast<float>((deform::length(e01) + deform::length(e12) + deform::length(e02)) / 3.0);
    rotation[t * 4] = static_cast<float>(q.w), rotation[t * 4 + 1] = static_cast<float>(q.x);
    rotation[t * 4 + 2] = static_cast<float>(q.y), rotation[t * 4 + 3] = static_cast<float>(q.z);
  }
  return {floats(corners, {count, 3, 3}), floats(normal, {count, 3}), floats(scale, {count}), floats(rotation, {count, 4})};
}

torch::Tensor quat_multiply(const torch::Tensor& a, const torch::Tensor& b) {
  const auto aw = a.select(1, 0), ax = a.select(1, 1), ay = a.select(1, 2), az = a.select(1, 3);
  const auto bw = b.select(1, 0), bx = b.select(1, 1), by = b.select(1, 2), bz = b.select(1, 3);
  return torch::stack({aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                       aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw},
                      1);
}

HeadGaussians bind(const Gaussians& g, const TriangleFrames& frames) {
  const auto bound = (g.triangle >= 0).unsqueeze(1);
  const auto tri = g.triangle.clamp_min(0);
  const auto corners = frames.corners.index_select(0, tri);
  const auto normal = frames.normal.index_select(0, tri);
  const auto k = frames.scale.index_select(0, tri);
  const auto frame_rotation = frames.rotation.index_select(0, tri);
  const auto bary = torch::softmax(g.anchor, 1);
  const auto bound_position = (bary.unsqueeze(2) * corners).sum(1) + (k * g.normal_offset).unsqueeze(1) * normal;
  const auto local_rotation = g.rotation / g.rotation.norm(2, {1}, true);
  const auto bound_rotation = quat_multiply(frame_rotation, local_rotation);
  const auto bound_log_scale = g.log_scale + k.log().unsqueeze(1);
  return {torch::where(bound, bound_position, g.anchor), torch::where(bound, bound_rotation, local_rotation),
          torch::where(bound, bound_log_scale, g.log_scale)};
}

void head_pose(const dataset::Dataset& data, int n, double r[9], double t[3]) {
  const auto c = dataset::frame_camera(data.manifest(), data.tracks(), n);
  std::copy(c.rotation, c.rotation + 9, r);
  std::copy(c.translation, c.translation + 3, t);
}


FrameCache::FrameCache(const dataset::Dataset& data, const asset::FaceMesh& mesh)
    : data_(data), mesh_(mesh), background_(data.background()) {}

const FrameData& FrameCache::get(int n) {
  const auto found = frames_.find(n);
  if (found != frames_.end()) return found->second;
  FrameData f;
  const dataset::Image frame = data_.frame(n);
  const dataset::Image labels = data_.labels(n);
  f.target = bytes(frame);
  f.labels = bytes(labels);
  const std::vector<std::uint8_t> bg = background_crop(background_, data_, n);
  const auto head = (f.labels >= 2).unsqueeze(2);
  const auto bg_tensor = torch::from_blob(const_cast<std::uint8_t*>(bg.data()), f.target.sizes(), torch::kUInt8);
  f.plate = torch::where(head, bg_tensor, f.target).contiguous();
  const std::vector<std::uint8_t> lips = lips_mask(data_, n);
  const auto lips_tensor = torch::from_blob(const_cast<std::uint8_t*>(lips.data()), f.labels.sizes(), torch::kUInt8) > 0;
  auto weight = torch::ones_like(f.labels);
  weight.masked_fill_(f.labels == 6, 2);
  weight.masked_fill_((f.labels == 5).logical_or(lips_tensor), 3);
  f.weight = weight;
  f.camera = dataset::splat_camera(data_, n);
  const int k = data_.manifest().expression.components;
  f.frames = frames_for_code(&data_.tracks().expression[static_cast<std::size_t>(n) * k]);
  return frames_.emplace(n, std::move(f)).first->second;
}

TriangleFrames FrameCache::frames_for_code(const float* code) const {
  return triangle_frames(mesh_, deform_mesh(mesh_, code));
}

torch::Tensor to_float(const torch::Tensor& image, const torch::Device& device) {
  return image.to(device).to(torch::kFloat32).div(255.0);
}

Rendered render(const Gaussians& g, const TriangleFrames& frames, const splat::Camera& camera, const torch::Tensor& plate) {
  const HeadGaussians h = bind(g, frames);
  const auto images = splat::rasterize(h.means, h.quats, h.log_scales.exp(), torch::sigmoid(g.opacity_logit), g.sh,
                                       torch::zeros({3}, plate.options()), camera);
  return {images.color + (1 - images.alpha).unsqueeze(2) * plate, images.alpha, h.means};
}

Gaussians initialise(const dataset::Dataset& data, const asset::FaceMesh& mesh, FrameCache& cache,
                     const std::vector<int>& train_frames, std::int64_t count, std::uint64_t seed) {
  if (train_frames.empty()) throw std::runtime_error("no valid training frames to initialise from");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);

  std::vector<int> init_frames;
  const int views = std::min<int>(4, static_cast<int>(train_frames.size()));
  for (int i = 0; i < views; ++i) init_frames.push_back(train_frames[i * train_frames.size() / views]);

  // Head-rigid candidates: head-other and hair pixels of the initialisation frames.
  struct Pixel {
    int frame, x, y;
  };
  std::vector<Pixel> candidates;
  for (int f : init_frames) {
    const auto labels = cache.get(f).labels;
    const auto* l = labels.data_ptr<std::uint8_t>();
    const int w = static_cast<int>(labels.size(1)), h = static_cast<int>(labels.size(0));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if (l[y * w + x] == 2 || l[y * w + x] == 4) candidates.push_back({f, x, y});
  }
  const std::int64_t n_mouth = std::max<std::int64_t>(count / 20, 1);
  const std::int64_t n_rigid = candidates.empty() ? 0 : count * 35 / 100;
  const std::int64_t n_face = count - n_mouth - n_rigid;
  const std::int64_t n = count;

  std::vector<float> anchor(n * 3, 0.0f), offset(n, 0.0f), rotation(n * 4, 0.0f), log_scale(n * 3), opacity(n), sh(n * 12, 0.0f);
  std::vector<std::int64_t> triangle(n, -1), group(n, kRigid);
  for (std::int64_t i = 0; i < n; ++i) rotation[i * 4] = 1.0f;

  const std::size_t tris = mesh.triangle_count();
  std::vector<double> areas(tris), scales(tris);
  double total_area = 0;
  for (std::size_t t = 0; t < tris; ++t) {
    const auto a = vertex(mesh.vertices, mesh.triangles[t * 3]), b = vertex(mesh.vertices, mesh.triangles[t * 3 + 1]),
               c = vertex(mesh.vertices, mesh.triangles[t * 3 + 2]);
    areas[t] = area(a, b, c);
    scales[t] = (deform::length(deform::sub(b, a)) + deform::length(deform::sub(c, b)) + deform::length(deform::sub(a, c))) / 3.0;
    total_area += areas[t];
  }
  // Face: triangles by area, flat discs about as wide as the spacing of the Gaussians.
  std::discrete_distribution<std::size_t> by_area(areas.begin(), areas.end());
  const double spacing = std::sqrt(total_area / std::max<std::int64_t>(n_face, 1));
  for (std::int64_t i = 0; i < n_face; ++i) {
    const std::size_t t = by_area(rng);
    const auto logits = random_bary_logits(rng);
    std::copy(logits.begin(), logits.end(), &anchor[i * 3]);
    triangle[i] = static_cast<std::int64_t>(t), group[i] = kFace;
    const float local = static_cast<float>(std::log(0.7 * spacing / scales[t]));
    log_scale[i * 3] = log_scale[i * 3 + 1] = local;
    log_scale[i * 3 + 2] = local + std::log(0.3f);
    opacity[i] = logit(0.5);
  }
  // Mouth interior: behind the triangles that touch the inner lip loop.
  const auto& face = face_model::canonical_face();
  const auto lips = face.contours.find("FACEMESH_LIPS");
  if (lips == face.contours.end() || lips->second.size() < 2)
    throw std::runtime_error("canonical face: no inner lip contour (is the model cache complete? run scripts/setup.sh)");
  std::vector<bool> inner(dataset::kMeshVertices, false);
  for (int v : lips->second[1].vertices) inner[v] = true;
  std::vector<std::size_t> lip_triangles;
  for (std::size_t t = 0; t < tris; ++t)
    if (inner[mesh.triangles[t * 3]] || inner[mesh.triangles[t * 3 + 1]] || inner[mesh.triangles[t * 3 + 2]]) lip_triangles.push_back(t);
  for (std::int64_t i = n_face; i < n_face + n_mouth; ++i) {
    const std::size_t t = lip_triangles[static_cast<std::size_t>(uniform(rng) * lip_triangles.size()) % lip_triangles.size()];
    const auto logits = random_bary_logits(rng);
    std::copy(logits.begin(), logits.end(), &anchor[i * 3]);
    triangle[i] = static_cast<std::int64_t>(t), group[i] = kMouth;
    offset[i] = static_cast<float>(-0.5 - 2.5 * uniform(rng));
    log_scale[i * 3] = log_scale[i * 3 + 1] = log_scale[i * 3 + 2] = std::log(0.5f);
    opacity[i] = logit(0.3);
    const float dark[3] = {0.45f, 0.3f, 0.3f};
    for (int c = 0; c < 3; ++c) sh[i * 12 + c] = static_cast<float>((dark[c] - 0.5) / splat::kShC0);
  }
  // Head-rigid: head-label pixels put back at the depth of the head's silhouette (the back of the
  // face mesh), where hair, ears and neck are seen from the front.
  double centre[3] = {0, 0, 1e9};
  for (std::size_t v = 0; v < mesh.vertex_count(); ++v) {
    centre[0] += mesh.vertices[v * 3] / mesh.vertex_count();
    centre[1] += mesh.vertices[v * 3 + 1] / mesh.vertex_count();
    centre[2] = std::min<double>(centre[2], mesh.vertices[v * 3 + 2]);
  }
  const double per_view_density = static_cast<double>(candidates.size()) / (init_frames.size() * std::max<std::int64_t>(n_rigid, 1));
  for (std::int64_t i = n_face + n_mouth; i < n; ++i) {
    const Pixel& p = candidates[static_cast<std::size_t>(uniform(rng) * candidates.size()) % candidates.size()];
    const FrameData& f = cache.get(p.frame);
    double r[9], t[3];
    head_pose(data, p.frame, r, t);
    const double z = r[6] * centre[0] + r[7] * centre[1] + r[8] * centre[2] + t[2] + 0.01 * normal(rng);
    const double cam[3] = {(p.x + 0.5 - f.camera.cx) / f.camera.fx * z, (p.y + 0.5 - f.camera.cy) / f.camera.fy * z, z};
    for (int a = 0; a < 3; ++a)
      anchor[i * 3 + a] = static_cast<float>(r[a] * (cam[0] - t[0]) + r[3 + a] * (cam[1] - t[1]) + r[6 + a] * (cam[2] - t[2]));
    const double footprint = z / f.camera.fx;
    const float s = static_cast<float>(std::log(footprint * std::max(1.0, 0.7 * std::sqrt(per_view_density))));
    log_scale[i * 3] = log_scale[i * 3 + 1] = log_scale[i * 3 + 2] = s;
    opacity[i] = logit(0.2);
    const auto* rgb = f.target.data_ptr<std::uint8_t>() + (static_cast<std::size_t>(p.y) * f.camera.width + p.x) * 3;
    for (int c = 0; c < 3; ++c) sh[i * 12 + c] = static_cast<float>((rgb[c] / 255.0 - 0.5) / splat::kShC0);
  }

  Gaussians g;
  g.anchor = floats(anchor, {n, 3});
  g.normal_offset = floats(offset, {n});
  g.rotation = floats(rotation, {n, 4});
  g.log_scale = floats(log_scale, {n, 3});
  g.opacity_logit = floats(opacity, {n});
  g.sh = floats(sh, {n, 4, 3});
  g.triangle = torch::tensor(triangle, torch::kInt64);
  g.group = torch::tensor(group, torch::kInt64);

  // Face colours: the mean over the initialisation frames of the pixel each Gaussian lands on.
  if (n_face > 0) {
    c10::NoGradGuard no_grad;
    const auto face_rows = torch::arange(n_face, torch::kInt64);
    const Gaussians face_gaussians = g.index(face_rows);
    auto sum = torch::zeros({n_face, 3});
    for (int fi : init_frames) {
      const FrameData& f = cache.get(fi);
      const auto means = bind(face_gaussians, f.frames).means.to(torch::kFloat64);
      const auto view = torch::tensor(std::vector<double>(f.camera.view, f.camera.view + 12), torch::kFloat64).view({3, 4});
      const auto cam = means.matmul(view.slice(1, 0, 3).t()) + view.select(1, 3);
      const auto u = (cam.select(1, 0) / cam.select(1, 2) * f.camera.fx + f.camera.cx).floor().clamp(0, f.camera.width - 1).to(torch::kInt64);
      const auto v = (cam.select(1, 1) / cam.select(1, 2) * f.camera.fy + f.camera.cy).floor().clamp(0, f.camera.height - 1).to(torch::kInt64);
      sum += f.target.view({-1, 3}).index_select(0, v * f.camera.width + u).to(torch::kFloat32) / 255.0;
    }
    const auto rgb = sum / static_cast<double>(init_frames.size());
    g.sh.select(1, 0).slice(0, 0, n_face).copy_((rgb - 0.5) / splat::kShC0);
  }
  return g;
}

}  // namespace being::train::detail
