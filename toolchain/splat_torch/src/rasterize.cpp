#include "being/splat_torch/rasterize.h"

#include <torch/torch.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "being/splat/rasterizer_cpu.h"
#ifdef BEING_SPLAT_TORCH_CUDA
#include "being/splat/rasterizer_cuda.h"
#endif

namespace being::splat {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument("splat rasterize: " + message); }

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void expect_shape(const at::Tensor& t, const char* name, std::vector<int64_t> shape, const char* expected) {
  if (t.sizes() != at::IntArrayRef(shape)) fail(std::string(name) + " must have shape " + expected + ", got " + shape_of(t));
}

ColorMode color_mode_of(const at::Tensor& colors, int64_t n) {
  if (colors.dim() == 2 && colors.size(0) == n && colors.size(1) == 3) return ColorMode::kRgb;
  if (colors.dim() == 3 && colors.size(0) == n && colors.size(2) == 3) {
    if (colors.size(1) == 1) return ColorMode::kSh0;
    if (colors.size(1) == 4) return ColorMode::kSh1;
  }
  fail("colors must have shape [N,3] (RGB), [N,1,3] or [N,4,3] (SH degree 0 or 1) with N = " + std::to_string(n) +
       ", got " + shape_of(colors));
}

ColorMode validate(const at::Tensor& means, const at::Tensor& quats, const at::Tensor& scales,
                   const at::Tensor& opacities, const at::Tensor& colors, const at::Tensor& background,
                   const Camera& camera, const Settings& settings) {
  validate_camera(camera, settings);
  const std::pair<const at::Tensor*, const char*> inputs[] = {{&means, "means"},         {&quats, "quats"},
                                                              {&scales, "scales"},       {&opacities, "opacities"},
                                                              {&colors, "colors"},       {&background, "background"}};
  for (const auto& [t, name] : inputs)
    if (!t->defined()) fail(std::string(name) + " is an undefined tensor");
  if (means.dim() != 2) fail("means must have shape [N,3], got " + shape_of(means));
  const int64_t n = means.size(0);
  const std::string ns = std::to_string(n);
  expect_shape(means, "means", {n, 3}, "[N,3]");
  expect_shape(quats, "quats", {n, 4}, ("[N,4] with N = " + ns).c_str());
  expect_shape(scales, "scales", {n, 3}, ("[N,3] with N = " + ns).c_str());
  expect_shape(opacities, "opacities", {n}, ("[N] with N = " + ns).c_str());
  expect_shape(background, "background", {3}, "[3]");
  const ColorMode mode = color_mode_of(colors, n);

  const auto dtype = means.scalar_type();
  const auto device = means.device();
  if (dtype != at::kFloat && dtype != at::kDouble) fail("tensors must be float32 or float64, got " + std::string(c10::toString(dtype)));
  if (device.is_cuda() && dtype != at::kFloat) fail("CUDA tensors must be float32 (float64 runs on the CPU reference only)");
  if (!device.is_cpu() && !device.is_cuda()) fail("tensors must be on the CPU or a CUDA device, got " + device.str());
#ifndef BEING_SPLAT_TORCH_CUDA
  if (device.is_cuda()) fail("this build has no CUDA rasterizer; move the tensors to the CPU");
#endif
  for (const auto& [t, name] : inputs) {
    if (t->scalar_type() != dtype)
      fail(std::string(name) + " is " + c10::toString(t->scalar_type()) + " but means is " + c10::toString(dtype) +
           "; use one dtype for all inputs");
    if (t->device() != device)
      fail(std::string(name) + " is on " + t->device().str() + " but means is on " + device.str() +
           "; put all inputs on one device");
  }
  // One device-to-host read for all checks; the per-input search below only runs on failure.
  std::vector<at::Tensor> checks;
  for (const auto& [t, name] : inputs) checks.push_back(at::isfinite(*t).all());
  checks.push_back(((opacities >= 0) & (opacities <= 1)).all());
  if (!at::stack(checks).all().item<bool>()) {
    for (const auto& [t, name] : inputs)
      if (!at::isfinite(*t).all().item<bool>()) fail(std::string(name) + " contains NaN or Inf");
    fail("opacities must lie in [0, 1] (apply a sigmoid to unbounded logits)");
  }
  return mode;
}

std::vector<double> pack_camera(const Camera& c, const Settings& s) {
  std::vector<double> v(c.view, c.view + 16);
  v.insert(v.end(), {c.fx, c.fy, c.cx, c.cy, double(c.width), double(c.height), s.near_plane, s.far_plane, s.dilation});
  return v;
}

void unpack_camera(const std::vector<double>& v, Camera& c, Settings& s) {
  std::copy(v.begin(), v.begin() + 16, c.view);
  c.fx = v[16], c.fy = v[17], c.cx = v[18], c.cy = v[19];
  c.width = static_cast<int>(v[20]), c.height = static_cast<int>(v[21]);
  s.near_plane = v[22], s.far_plane = v[23], s.dilation = v[24];
}

template <typename T>
GaussiansView<T> view_of(const variable_list& in, ColorMode mode) {
  return {in[0].data_ptr<T>(), in[1].data_ptr<T>(), in[2].data_ptr<T>(), in[3].data_ptr<T>(),
          in[4].data_ptr<T>(), in[0].size(0),       mode};
}

template <typename T>
T* data_or_null(const at::Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

#ifdef BEING_SPLAT_TORCH_CUDA
const at::Tensor& buffer_holding(const std::vector<at::Tensor>& buffers, const void* p) {
  for (const auto& b : buffers)
    if (b.data_ptr() == p) return b;
  throw std::logic_error("splat rasterize: CUDA state buffer not found");
}
#endif

struct RasterizeFunction : torch::autograd::Function<RasterizeFunction> {
  // inputs: means, quats, scales, opacities, colors, background (contiguous, validated)
  static variable_list forward(AutogradContext* ctx, at::Tensor means, at::Tensor quats, at::Tensor scales,
                               at::Tensor opacities, at::Tensor colors, at::Tensor background, Camera camera,
                               Settings settings, int64_t mode) {
    const variable_list in{means, quats, scales, opacities, colors, background};
    const auto options = means.options();
    auto color = torch::empty({camera.height, camera.width, 3}, options);
    auto alpha = torch::empty({camera.height, camera.width}, options);
    auto depth = torch::empty({camera.height, camera.width}, options);
    const auto color_mode = static_cast<ColorMode>(mode);
    ctx->save_for_backward(in);
    ctx->saved_data["camera"] = pack_camera(camera, settings);
    ctx->saved_data["mode"] = mode;
    if (means.is_cuda()) {
#ifdef BEING_SPLAT_TORCH_CUDA
      std::vector<at::Tensor> buffers;
      const cuda::Allocator allocate = [&](std::size_t bytes) {
        buffers.push_back(torch::empty({static_cast<int64_t>(bytes)}, options.dtype(torch::kUInt8)));
        return buffers.back().data_ptr();
      };
      const auto state = cuda::forward(camera, view_of<float>(in, color_mode), settings, background.data_ptr<float>(),
                                       {color.data_ptr<float>(), alpha.data_ptr<float>(), depth.data_ptr<float>()},
                                       allocate);
      ctx->saved_data["geometry"] = buffer_holding(buffers, state.geometry);
      ctx->saved_data["binning"] = buffer_holding(buffers, state.binning);
      ctx->saved_data["image"] = buffer_holding(buffers, state.image);
      ctx->saved_data["intersections"] = state.num_intersections;
#endif
    } else {
      AT_DISPATCH_FLOATING_TYPES(means.scalar_type(), "splat_forward_cpu", [&] {
        forward_cpu<scalar_t>(camera, view_of<scalar_t>(in, color_mode), settings, background.data_ptr<scalar_t>(),
                              {color.data_ptr<scalar_t>(), alpha.data_ptr<scalar_t>(), depth.data_ptr<scalar_t>()});
      });
    }
    return {color, alpha, depth};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list in = ctx->get_saved_variables();
    Camera camera;
    Settings settings;
    unpack_camera(ctx->saved_data["camera"].toDoubleVector(), camera, settings);
    const auto color_mode = static_cast<ColorMode>(ctx->saved_data["mode"].toInt());
    for (auto& g : grad_outputs)
      if (g.defined()) g = g.contiguous();
    auto g_means = torch::empty_like(in[0]), g_quats = torch::empty_like(in[1]), g_scales = torch::empty_like(in[2]),
         g_opacities = torch::empty_like(in[3]), g_colors = torch::empty_like(in[4]),
         g_background = torch::empty_like(in[5]);
    if (in[0].is_cuda()) {
#ifdef BEING_SPLAT_TORCH_CUDA
      cuda::ForwardState state;
      state.geometry = ctx->saved_data["geometry"].toTensor().data_ptr();
      state.binning = ctx->saved_data["binning"].toTensor().data_ptr();
      state.image = ctx->saved_data["image"].toTensor().data_ptr();
      state.num_gaussians = in[0].size(0);
      state.num_intersections = ctx->saved_data["intersections"].toInt();
      state.width = camera.width;
      state.height = camera.height;
      std::vector<at::Tensor> scratch;
      const cuda::Allocator allocate = [&](std::size_t bytes) {
        scratch.push_back(torch::empty({static_cast<int64_t>(bytes)}, in[0].options().dtype(torch::kUInt8)));
        return scratch.back().data_ptr();
      };
      cuda::backward(camera, view_of<float>(in, color_mode), settings, in[5].data_ptr<float>(), state,
                     {data_or_null<float>(grad_outputs[0]), data_or_null<float>(grad_outputs[1]),
                      data_or_null<float>(grad_outputs[2])},
                     {g_means.data_ptr<float>(), g_quats.data_ptr<float>(), g_scales.data_ptr<float>(),
                      g_opacities.data_ptr<float>(), g_colors.data_ptr<float>(), g_background.data_ptr<float>()},
                     allocate);
#endif
    } else {
      AT_DISPATCH_FLOATING_TYPES(in[0].scalar_type(), "splat_backward_cpu", [&] {
        // The CPU path keeps no state between the passes: it renders again to rebuild the tile
        // lists and per-pixel transmittances (CPU runs are for tests and small jobs).
        const int64_t pixels = int64_t(camera.width) * camera.height;
        std::vector<scalar_t> images(5 * pixels);
        const auto view = view_of<scalar_t>(in, color_mode);
        const auto state = forward_cpu<scalar_t>(camera, view, settings, in[5].data_ptr<scalar_t>(),
                                                 {images.data(), images.data() + 3 * pixels, images.data() + 4 * pixels});
        backward_cpu<scalar_t>(camera, view, settings, in[5].data_ptr<scalar_t>(), state,
                               {data_or_null<scalar_t>(grad_outputs[0]), data_or_null<scalar_t>(grad_outputs[1]),
                                data_or_null<scalar_t>(grad_outputs[2])},
                               {g_means.data_ptr<scalar_t>(), g_quats.data_ptr<scalar_t>(), g_scales.data_ptr<scalar_t>(),
                                g_opacities.data_ptr<scalar_t>(), g_colors.data_ptr<scalar_t>(),
                                g_background.data_ptr<scalar_t>()});
      });
    }
    return {g_means, g_quats, g_scales, g_opacities, g_colors, g_background, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

RenderedImages rasterize(const at::Tensor& means, const at::Tensor& quats, const at::Tensor& scales,
                         const at::Tensor& opacities, const at::Tensor& colors, const at::Tensor& background,
                         const Camera& camera, const Settings& settings) {
  const ColorMode mode = validate(means, quats, scales, opacities, colors, background, camera, settings);
  c10::DeviceGuard guard(means.device());
  auto out = RasterizeFunction::apply(means.contiguous(), quats.contiguous(), scales.contiguous(),
                                      opacities.contiguous(), colors.contiguous(), background.contiguous(), camera,
                                      settings, static_cast<int64_t>(mode));
  return {out[0], out[1], out[2]};
}

}  // namespace being::splat
