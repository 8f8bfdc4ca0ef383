// The training loop (docs/training.md): losses, Adam, densification and pruning, checkpoints.
#include <c10/core/GradMode.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "being/dataset/dataset.h"
#include "being/train/train.h"
#include "export.h"
#include "model.h"

namespace being::train {
namespace fs = std::filesystem;
using detail::Gaussians;

namespace {

struct Schedule {
  int iterations = 0;
  std::int64_t max_gaussians = 0;
  double initial_fraction = 0.6;  // of max_gaussians at the start; densification adds the rest
  int checkpoint_every = 0;
  int eval_frames = 0;
  int progress_every = 0;
  int densify_from = 0, densify_until = 0, densify_every = 0;
  double densify_gradient = 2e-4;  // mean view-space position gradient (NDC units) that densifies
  double split_scale = 0.002;      // metres: larger Gaussians split, smaller ones clone
  double prune_opacity = 0.005;
  // Adam learning rates per parameter group.
  double lr_barycentric = 0.01, lr_offset = 0.005, lr_rotation = 0.001, lr_scale = 0.005, lr_opacity = 0.05;
  double lr_sh0 = 0.01, lr_sh1 = 0.0005;
  double lr_position = 1e-4, lr_position_final = 1e-6;  // head-rigid positions (metres), exponential decay
};

Schedule schedule_of(const TrainOptions& options) {
  Schedule s;
  if (options.config == "gpu") {
    s.iterations = 10000, s.max_gaussians = 60000, s.checkpoint_every = 1000, s.eval_frames = 200, s.progress_every = 50;
    s.densify_from = 500, s.densify_until = 6000, s.densify_every = 250;
  } else if (options.config == "tiny") {
    s.iterations = 150, s.max_gaussians = 2000, s.checkpoint_every = 50, s.eval_frames = 12, s.progress_every = 10;
    s.densify_from = 30, s.densify_until = 120, s.densify_every = 30;
  } else {
    throw TrainError("unknown training config '" + options.config + "': use gpu or tiny");
  }
  if (options.iterations < 0 || options.max_gaussians < 0 || options.checkpoint_every < 0 || options.eval_frames < 0)
    throw TrainError("iterations, max_gaussians, checkpoint_every and eval_frames must not be negative");
  if (options.iterations > 0) {
    const double f = static_cast<double>(options.iterations) / s.iterations;
    s.densify_from = static_cast<int>(s.densify_from * f), s.densify_until = static_cast<int>(s.densify_until * f);
    s.densify_every = std::max(1, static_cast<int>(s.densify_every * f));
    s.iterations = options.iterations;
  }
  if (options.max_gaussians > 0) s.max_gaussians = options.max_gaussians;
  if (s.max_gaussians < 100) throw TrainError("max_gaussians must be at least 100");
  if (options.checkpoint_every > 0) s.checkpoint_every = options.checkpoint_every;
  if (options.eval_frames > 0) s.eval_frames = options.eval_frames;
  return s;
}

// Adam with one learning rate per parameter group (per row for the anchor, whose rows are
// barycentric logits or positions), state kept as plain tensors so densification can grow it and
// checkpoints can store it.
struct Adam {
  std::array<torch::Tensor, Gaussians::kLearned> m, v;
  std::int64_t step = 0;

  void reset(Gaussians& g) {
    auto params = g.learned();
    for (int i = 0; i < Gaussians::kLearned; ++i) m[i] = torch::zeros_like(*params[i]), v[i] = torch::zeros_like(*params[i]);
    step = 0;
  }
  void update(Gaussians& g, const std::array<torch::Tensor, Gaussians::kLearned>& lr) {
    c10::NoGradGuard no_grad;
    ++step;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-15;
    const double c1 = 1 - std::pow(b1, static_cast<double>(step)), c2 = 1 - std::pow(b2, static_cast<double>(step));
    auto params = g.learned();
    for (int i = 0; i < Gaussians::kLearned; ++i) {
      const auto grad = params[i]->grad();
      if (!grad.defined()) continue;
      m[i].mul_(b1).add_(grad, 1 - b1);
      v[i].mul_(b2).addcmul_(grad, grad, 1 - b2);
      params[i]->sub_(lr[i] * (m[i] / c1) / ((v[i] / c2).sqrt() + eps));
      params[i]->mutable_grad().zero_();
    }
  }
};

// Mean over the window of the SSIM map (11x11 Gaussian window, sigma 1.5) of two [H,W,3] images,
// averaged over the channels: [H,W].
torch::Tensor ssim_map(const torch::Tensor& a, const torch::Tensor& b) {
  const auto coords = torch::arange(11, a.options()) - 5;
  auto g = torch::exp(-coords * coords / (2 * 1.5 * 1.5));
  g = g / g.sum();
  const auto window = torch::outer(g, g).expand({3, 1, 11, 11}).contiguous();
  auto blur = [&](const torch::Tensor& x) { return torch::conv2d(x, window, {}, 1, 5, 1, 3); };
  const auto x = a.permute({2, 0, 1}).unsqueeze(0), y = b.permute({2, 0, 1}).unsqueeze(0);
  const auto mx = blur(x), my = blur(y);
  const auto sxx = blur(x * x) - mx * mx, syy = blur(y * y) - my * my, sxy = blur(x * y) - mx * my;
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  const auto map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  return map.squeeze(0).mean(0);
}

double psnr_of(const torch::Tensor& image, const torch::Tensor& target) {
  const double mse = (image.clamp(0, 1) - target).pow(2).mean().item<double>();
  return 10.0 * std::log10(1.0 / std::max(mse, 1e-10));
}

// Up to `count` frames spread evenly over `frames`.
std::vector<int> spread(const std::vector<int>& frames, int count) {
  if (static_cast<int>(frames.size()) <= count) return frames;
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(frames[i * frames.size() / count]);
  return out;
}

std::vector<int> valid_frames(const dataset::Dataset& data, dataset::Range range) {
  std::vector<int> out;
  for (int n = range.begin; n < range.end; ++n)
    if (data.tracks().valid[n]) out.push_back(n);
  return out;
}

double mean_psnr(const Gaussians& g, detail::FrameCache& cache, const std::vector<int>& frames, const torch::Device& device) {
  if (frames.empty()) return 0.0;
  c10::NoGradGuard no_grad;
  double sum = 0;
  for (int n : frames) {
    const auto& f = cache.get(n);
    const auto r = detail::render(g, f.frames.to(device), f.camera, detail::to_float(f.plate, device));
    sum += psnr_of(r.image, detail::to_float(f.target, device));
  }
  return sum / frames.size();
}

// Keeps bound Gaussians near their triangles: face ones within half a triangle scale of the
// surface, mouth ones behind it (at most 6 scales deep), none much larger than their triangle.
torch::Tensor binding_penalty(const Gaussians& g) {
  const auto face = (g.group == detail::kFace).to(torch::kFloat32);
  const auto mouth = (g.group == detail::kMouth).to(torch::kFloat32);
  const auto bound = face + mouth;
  const auto& off = g.normal_offset;
  const auto offset_excess = face * torch::relu(off.abs() - 0.5) + mouth * (torch::relu(off) + torch::relu(-off - 6.0));
  const auto scale_excess = bound * torch::relu(std::get<0>(g.log_scale.max(1)) - std::log(1.5));
  const auto rows = bound.sum().clamp_min(1);
  return (offset_excess.pow(2).sum() + scale_excess.pow(2).sum()) / rows;
}

struct Densification {
  torch::Tensor gradient_sum, seen;  // per Gaussian: sum of view-space gradient norms, frames seen
  void reset(std::int64_t n, const torch::Device& device) {
    gradient_sum = torch::zeros({n}, torch::TensorOptions().device(device));
    seen = torch::zeros({n}, torch::TensorOptions().device(device));
  }
  // means: head-space means fed to the rasterizer, after backward (their grad retained).
  void accumulate(const torch::Tensor& means, const splat::Camera& camera) {
    c10::NoGradGuard no_grad;
    const auto grad = means.grad();
    if (!grad.defined()) return;
    const auto view = torch::tensor(std::vector<double>(camera.view, camera.view + 12)).to(means.options()).view({3, 4});
    const auto z = (means * view.select(0, 2).slice(0, 0, 3)).sum(1) + view[2][3];
    // d loss / d pixel = |d loss / d mean| * z / f; NDC spans 2 units over the image width.
    const auto ndc = grad.norm(2, {1}) * z.abs() / camera.fx * (camera.width / 2.0);
    const auto visible = (grad.abs().sum(1) > 0).to(torch::kFloat32);
    gradient_sum += ndc * visible;
    seen += visible;
  }
};

struct State {
  Gaussians g;
  Adam adam;
  Densification stats;
  int iteration = 0;
};

// The triangle scale k of each Gaussian's triangle on the neutral mesh (1 for head-rigid ones).
torch::Tensor neutral_scale(const Gaussians& g, const detail::TriangleFrames& neutral) {
  const auto k = neutral.scale.index_select(0, g.triangle.clamp_min(0));
  return torch::where(g.triangle >= 0, k, torch::ones_like(k));
}

struct DensifyCounts {
  std::int64_t pruned = 0, split = 0, cloned = 0;
  int steps = 0;
};

// Prunes transparent Gaussians, then splits large and clones small ones whose mean view-space
// gradient is high, never past max_gaussians.
void densify_and_prune(DensifyCounts& counts, State& s, const Schedule& sched, const detail::TriangleFrames& neutral) {
  c10::NoGradGuard no_grad;
  Gaussians& g = s.g;
  const auto keep = torch::sigmoid(g.opacity_logit) >= sched.prune_opacity;
  const std::int64_t pruned = g.count() - keep.sum().item<std::int64_t>();
  auto filter_rows = [&](const torch::Tensor& rows) {
    g = g.index(rows);
    for (int i = 0; i < Gaussians::kLearned; ++i) s.adam.m[i] = s.adam.m[i].index({rows}), s.adam.v[i] = s.adam.v[i].index({rows});
    s.stats.gradient_sum = s.stats.gradient_sum.index({rows});
    s.stats.seen = s.stats.seen.index({rows});
  };
  if (pruned > 0) filter_rows(keep);

  const auto mean_gradient = s.stats.gradient_sum / s.stats.seen.clamp_min(1);
  auto candidates = torch::nonzero(mean_gradient >= sched.densify_gradient).squeeze(1);
  // The room left is shared evenly by the densification steps left, so that later steps, which see
  // where the fit is still poor, still have Gaussians to add.
  const int steps_left = (sched.densify_until - s.iteration) / sched.densify_every + 1;
  const std::int64_t room = (sched.max_gaussians - g.count() + steps_left - 1) / steps_left;
  if (candidates.size(0) > room) {
    const auto order = std::get<1>(mean_gradient.index_select(0, candidates).sort(0, true));
    candidates = candidates.index_select(0, order.slice(0, 0, std::max<std::int64_t>(room, 0)));
  }
  std::int64_t split = 0, cloned = candidates.size(0);
  if (cloned > 0) {
    const auto world_scale = std::get<0>(g.log_scale.index_select(0, candidates).max(1)).exp() *
                             neutral_scale(g.index(candidates), neutral);
    const auto large = world_scale > sched.split_scale;
    split = large.sum().item<std::int64_t>();
    cloned -= split;
    Gaussians born = g.index(candidates);
    // A split shrinks the parent and its child by 1.6 and moves the child by a sample of the parent's
    // extent (head-rigid: along the axes; bound: within the triangle); a clone is an exact copy.
    const auto shrink = large.to(torch::kFloat32) * std::log(1.6);
    born.log_scale -= shrink.unsqueeze(1);
    const auto rigid = born.triangle < 0;
    const auto jitter = torch::randn({born.count(), 3}, born.anchor.options()) * large.unsqueeze(1);
    const auto rigid_step = jitter * born.log_scale.exp();
    born.anchor += torch::where(rigid.unsqueeze(1), rigid_step, 0.5 * jitter);
    auto parent_log_scale = g.log_scale.index_select(0, candidates) - shrink.unsqueeze(1);
    g.log_scale.index_copy_(0, candidates, parent_log_scale);
    g = detail::concat(g, born);
    for (int i = 0; i < Gaussians::kLearned; ++i) {
      auto shape = s.adam.m[i].sizes().vec();
      shape[0] = born.count();
      s.adam.m[i] = torch::cat({s.adam.m[i], torch::zeros(shape, s.adam.m[i].options())});
      s.adam.v[i] = torch::cat({s.adam.v[i], torch::zeros(shape, s.adam.v[i].options())});
    }
  }
  for (torch::Tensor* t : g.learned()) t->set_requires_grad(true);
  s.stats.reset(g.count(), g.opacity_logit.device());
  counts.pruned += pruned, counts.split += split, counts.cloned += cloned, ++counts.steps;
}

// --- checkpoints: work/checkpoint.json names the tensor file of the last finished one ---------------

nlohmann::json fingerprint(const TrainOptions& o, const Schedule& s, const dataset::Dataset& data) {
  return {{"config", o.config}, {"iterations", s.iterations}, {"max_gaussians", s.max_gaussians},
          {"seed", o.seed},     {"frames", data.frames()},     {"crop_size", data.manifest().crop_size},
          {"source", data.manifest().source.path}};
}

void save_checkpoint(const fs::path& work, const State& s, const nlohmann::json& options, double seconds) {
  std::vector<torch::Tensor> tensors;
  Gaussians g = s.g;
  for (torch::Tensor* t : g.learned()) tensors.push_back(t->detach().cpu());
  tensors.push_back(g.triangle.cpu());
  tensors.push_back(g.group.cpu());
  for (int i = 0; i < Gaussians::kLearned; ++i) tensors.push_back(s.adam.m[i].cpu()), tensors.push_back(s.adam.v[i].cpu());
  tensors.push_back(s.stats.gradient_sum.cpu());
  tensors.push_back(s.stats.seen.cpu());
  char name[40];
  std::snprintf(name, sizeof name, "checkpoint-%07d.pt", s.iteration);
  torch::save(tensors, (work / (std::string(name) + ".part")).string());
  fs::rename(work / (std::string(name) + ".part"), work / name);
  const nlohmann::json record = {{"iteration", s.iteration}, {"adam_step", s.adam.step}, {"tensors", name},
                                 {"options", options},       {"seconds", seconds}};
  dataset::write_text(work / "checkpoint.json", record.dump(2));
  // Only now may older tensor files go (also ones a run killed before this point left behind).
  for (const auto& entry : fs::directory_iterator(work)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("checkpoint-", 0) == 0 && file != name) fs::remove(entry.path());
  }
}

// The last checkpoint of these options, or false when there is none.
bool load_checkpoint(const fs::path& work, State& s, const nlohmann::json& options, const torch::Device& device) {
  const fs::path record_path = work / "checkpoint.json";
  if (!fs::exists(record_path)) return false;
  nlohmann::json record;
  try {
    std::ifstream in(record_path);
    record = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw TrainError(record_path.string() + " is not a checkpoint record (" + e.what() + "): delete the folder to start over");
  }
  if (record.value("options", nlohmann::json()) != options)
    throw TrainError("the work folder " + work.string() + " holds a checkpoint of other options or another dataset (" +
                     record.value("options", nlohmann::json()).dump() + ", now " + options.dump() +
                     "): delete it to start over, or pass another work folder");
  std::vector<torch::Tensor> t;
  torch::load(t, (work / record.at("tensors").get<std::string>()).string());
  if (t.size() != 2 + 3 * Gaussians::kLearned + 2)
    throw TrainError("checkpoint " + (work / record.at("tensors").get<std::string>()).string() + " has " +
                     std::to_string(t.size()) + " tensors: delete the work folder to start over");
  std::size_t i = 0;
  for (torch::Tensor* p : s.g.learned()) *p = t[i++].to(device).set_requires_grad(true);
  s.g.triangle = t[i++].to(device);
  s.g.group = t[i++].to(device);
  for (int k = 0; k < Gaussians::kLearned; ++k) s.adam.m[k] = t[i++].to(device), s.adam.v[k] = t[i++].to(device);
  s.stats.gradient_sum = t[i++].to(device);
  s.stats.seen = t[i++].to(device);
  s.adam.step = record.at("adam_step").get<std::int64_t>();
  s.iteration = record.at("iteration").get<int>();
  return true;
}

bool is_out_of_memory(const std::exception& e) { return std::string(e.what()).find("out of memory") != std::string::npos; }

void check_writable(const fs::path& out) {
  if (fs::is_directory(out)) throw TrainError("cannot write " + out.string() + ": it is a folder; name the .avatar file to write");
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const fs::path probe = dir / (out.filename().string() + ".probe");
  std::ofstream file(probe);
  if (!file) throw TrainError("cannot write " + out.string() + ": its folder " + dir.string() + " does not exist or is not writable");
  file.close();
  fs::remove(probe);
}

}  // namespace

TrainResult train_avatar(const fs::path& dataset_dir, const fs::path& out_avatar, const TrainOptions& options,
                         const ProgressCallback& progress) {
  const auto started = std::chrono::steady_clock::now();
  const Schedule sched = schedule_of(options);
  auto say = [&](const std::string& line) {
    if (options.message) options.message(line);
  };
  if (options.device != "cuda" && options.device != "cpu")
    throw TrainError("unknown device '" + options.device + "': use cuda or cpu");
  check_writable(out_avatar);
  std::unique_ptr<dataset::Dataset> data;
  try {
    data = std::make_unique<dataset::Dataset>(dataset_dir);
  } catch (const std::exception& e) {
    throw TrainError(std::string("cannot train on ") + dataset_dir.string() + ": " + e.what());
  }
  const std::vector<int> train_frames = valid_frames(*data, data->manifest().train);
  const std::vector<int> validation_frames = valid_frames(*data, data->manifest().validation);
  if (train_frames.empty())
    throw TrainError("dataset " + dataset_dir.string() + " has no tracked (valid) frames in its training split: re-run bake ingest on a video with a visible face");

  TrainResult result;
  torch::Device device(torch::kCPU);
  if (options.device == "cuda") {
    if (torch::cuda::is_available()) device = torch::Device(torch::kCUDA);
    else say("no CUDA device available to LibTorch: training on the CPU");
  }
  result.device = device.is_cuda() ? "cuda" : "cpu";

  const fs::path work = options.work.empty() ? fs::path(out_avatar.string() + ".work") : options.work;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) throw TrainError("cannot create the work folder " + work.string() + ": " + ec.message());

  const int components = data->manifest().expression.components;
  const asset::FaceMesh mesh = detail::face_mesh_of(data->tracks(), components);
  const detail::TriangleFrames neutral = detail::triangle_frames(mesh, mesh.vertices).to(device);
  detail::FrameCache cache(*data, mesh);
  const nlohmann::json fp = fingerprint(options, sched, *data);
  const std::vector<int> train_eval = spread(train_frames, sched.eval_frames);
  const std::vector<int> validation_eval = spread(validation_frames, sched.eval_frames);

  State s;
  double seconds_before = 0;
  try {
    torch::manual_seed(options.seed);
    const auto initial_count = static_cast<std::int64_t>(sched.max_gaussians * sched.initial_fraction);
    const Gaussians initial = detail::initialise(*data, mesh, cache, train_frames, initial_count, options.seed).to(device);
    result.validation_psnr_initial = mean_psnr(initial, cache, validation_eval, device);
    if (load_checkpoint(work, s, fp, device)) {
      result.resumed_from = s.iteration;
      std::ifstream in(work / "checkpoint.json");
      seconds_before = nlohmann::json::parse(in).value("seconds", 0.0);
      say("resuming from the checkpoint at iteration " + std::to_string(s.iteration) + " in " + work.string());
    } else {
      s.g = initial;
      for (torch::Tensor* t : s.g.learned()) t->set_requires_grad(true);
      s.adam.reset(s.g);
      s.stats.reset(s.g.count(), device);
    }

    const double position_decay = std::pow(sched.lr_position_final / sched.lr_position, 1.0 / std::max(1, sched.iterations));
    const int start = s.iteration;
    DensifyCounts densified;
    while (s.iteration < sched.iterations) {
      const int it = s.iteration;
      std::mt19937_64 rng(options.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(it));
      const int n = train_frames[std::uniform_int_distribution<std::size_t>(0, train_frames.size() - 1)(rng)];
      const detail::FrameData& f = cache.get(n);
      const auto target = detail::to_float(f.target, device);
      const auto weight = f.weight.to(device).to(torch::kFloat32);

      detail::Rendered r;
      try {
        r = detail::render(s.g, f.frames.to(device), f.camera, detail::to_float(f.plate, device));
      } catch (const std::invalid_argument& e) {
        // The rasterizer refuses non-finite parameters: the optimisation diverged.
        throw TrainError("training diverged at iteration " + std::to_string(it) + " (" + e.what() +
                         "): delete the work folder " + work.string() + " and train with another seed");
      }
      r.means.retain_grad();
      const auto l1 = (weight.unsqueeze(2) * (r.image - target).abs()).sum() / (weight.sum() * 3);
      const auto dssim = (weight * (1 - ssim_map(r.image, target))).sum() / weight.sum();
      const auto loss = l1 + 0.2 * dssim + binding_penalty(s.g);
      loss.backward();

      const auto opts = s.g.anchor.options();
      const double lr_position = sched.lr_position * std::pow(position_decay, it);
      const auto anchor_lr = torch::where(s.g.triangle >= 0, torch::full({1}, sched.lr_barycentric, opts),
                                          torch::full({1}, lr_position, opts)).unsqueeze(1);
      auto sh_lr = torch::full({1, 4, 1}, sched.lr_sh1, opts);
      sh_lr[0][0][0] = sched.lr_sh0;
      s.adam.update(s.g, {anchor_lr, torch::full({1}, sched.lr_offset, opts), torch::full({1}, sched.lr_rotation, opts),
                          torch::full({1}, sched.lr_scale, opts), torch::full({1}, sched.lr_opacity, opts), sh_lr});
      {
        // The asset bounds log scales to +-30 after adding ln k; no useful Gaussian comes near these.
        c10::NoGradGuard no_grad;
        s.g.log_scale.clamp_(-20.0, 5.0);
      }
      if (it < sched.densify_until) s.stats.accumulate(r.means, f.camera);
      s.iteration = it + 1;

      if (s.iteration >= sched.densify_from && s.iteration <= sched.densify_until && s.iteration % sched.densify_every == 0) {
        torch::manual_seed(options.seed + static_cast<std::uint64_t>(s.iteration));
        densify_and_prune(densified, s, sched, neutral);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (s.iteration % sched.checkpoint_every == 0 || s.iteration == sched.iterations)
        save_checkpoint(work, s, fp, seconds_before + seconds);
      if (progress && (s.iteration % sched.progress_every == 0 || s.iteration == sched.iterations)) {
        TrainProgress p;
        p.iteration = s.iteration, p.total = sched.iterations, p.gaussians = static_cast<int>(s.g.count());
        p.loss = loss.item<double>();
        p.psnr = psnr_of(r.image.detach(), target);
        p.eta_s = seconds / (s.iteration - start) * (sched.iterations - s.iteration);
        progress(p);
      }
    }
    if (densified.steps > 0) {
      std::ostringstream line;
      line << "densification (" << densified.steps << " steps): pruned " << densified.pruned << ", split "
           << densified.split << ", cloned " << densified.cloned << " -> " << s.g.count() << " Gaussians";
      say(line.str());
    }
    result.train_psnr = mean_psnr(s.g, cache, train_eval, device);
    result.validation_psnr_tracked = mean_psnr(s.g, cache, validation_eval, device);
  } catch (const TrainError&) {
    throw;
  } catch (const std::exception& e) {
    if (!is_out_of_memory(e)) throw;
    throw TrainError(std::string("out of memory on ") + result.device + " with " + std::to_string(s.g.opacity_logit.defined() ? s.g.count() : 0) +
                     " Gaussians at crop size " + std::to_string(data->manifest().crop_size) +
                     ": lower max_gaussians (--max-gaussians) or use a dataset of a smaller crop (bake ingest --size); " + e.what());
  }

  asset::write_avatar(detail::build_avatar(s.g.to(torch::kCPU), *data, mesh, options), out_avatar);
  result.iterations = s.iteration;
  result.gaussians = static_cast<int>(s.g.count());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

double psnr(const RenderedImage& a, const RenderedImage& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size())
    throw std::invalid_argument("psnr: images of different sizes");
  double sum = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) {
    const double d = std::clamp<double>(a.rgb[i], 0, 1) - std::clamp<double>(b.rgb[i], 0, 1);
    sum += d * d;
  }
  return 10.0 * std::log10(1.0 / std::max(sum / a.rgb.size(), 1e-10));
}

}  // namespace being::train
