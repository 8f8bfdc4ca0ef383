// Audio -> frame throughput of the runtime, as `being render` and the live path run it per output
// frame: log-mel of the new audio, the audio encoder on its window, mesh deformation and binding,
// the geometry upload and the Vulkan render, and (optionally) the read-back. No FFmpeg: the audio
// is synthesised (noise bursts like syllables), so it runs on the GPU machine too.
//
//   bench_audio_to_frame [--avatar FILE] [--gaussians N] [--seconds S] [--fps F] [--read-back]
//                        [--cuda-deform]   (where CUDA is built: deformation on the GPU, results
//                                           copied back to the host for the upload)
//                        [--cuda-interop]  (where CUDA is built: deformation on the GPU straight into
//                                           the renderer's buffers, runtime/interop; no copies)
#include "being/animate/deform.h"
#include "being/animate/expression.h"
#include "being/animate/pose.h"
#include "being/asset/avatar.h"
#include "being/audio/log_mel.h"
#include "being/gpu/context.h"
#include "being/render/splat_renderer.h"
#ifdef BEING_BENCH_CUDA_DEFORM
#include "being/deform/deform_cuda.h"
#include "being/interop/cuda_deformation.h"
#endif
#include "synthetic_speech.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <cstdio>
#include <random>

namespace {

using Clock = std::chrono::steady_clock;
using namespace being;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// More face Gaussians for a bigger scene: copies of the face-bound ones at other points of the same
// triangles, so they move with the mesh like the originals.
void scale_gaussians(asset::Avatar& avatar, std::size_t target) {
  auto& g = avatar.gaussians;
  auto& b = avatar.binding;
  const std::size_t base = g.count();
  std::vector<std::size_t> face;
  for (std::size_t i = 0; i < base; ++i)
    if (b.groups[i] == static_cast<uint8_t>(asset::GaussianGroup::face)) face.push_back(i);
  if (target <= base || face.empty()) return;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int coefficients = g.sh_coefficients();
  auto copy = [](std::vector<float>& v, std::size_t i, int n) { v.insert(v.end(), v.begin() + i * n, v.begin() + (i + 1) * n); };
  for (std::size_t k = 0; g.count() < target; ++k) {
    const std::size_t i = face[k % face.size()];
    copy(g.positions, i, 3);
    copy(g.rotations, i, 4);
    for (int c = 0; c < 3; ++c) g.log_scales.push_back(g.log_scales[i * 3 + c] - 1.0f);  // smaller: same coverage
    g.opacities.push_back(g.opacities[i]);
    copy(g.sh, i, 3 * coefficients);
    b.groups.push_back(b.groups[i]);
    b.triangles.push_back(b.triangles[i]);
    float w0 = u(rng), w1 = u(rng);
    if (w0 + w1 > 1.0f) w0 = 1.0f - w0, w1 = 1.0f - w1;
    b.barycentrics.insert(b.barycentrics.end(), {w0, w1, 1.0f - w0 - w1});
    b.normal_offsets.push_back(b.normal_offsets[i]);
    copy(b.local_rotations, i, 4);
    for (int c = 0; c < 3; ++c) b.local_log_scales.push_back(b.local_log_scales[i * 3 + c] - 1.0f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmark audio -> frame: features, encoder, deformation, render (device: BEING_VULKAN_DEVICE)"};
  std::string avatar_path = BEING_TEST_AVATAR;
  std::size_t gaussians = 0;
  double seconds = 10.0;
  int fps = 25;
  bool read_back = false;
  bool cuda_deform = false;
  bool cuda_interop = false;
  app.add_option("--avatar", avatar_path, "the .avatar to drive (default: the procedural test avatar)");
  app.add_option("--gaussians", gaussians, "grow the face to this many Gaussians (0: as stored)");
  app.add_option("--seconds", seconds, "seconds of synthetic speech")->check(CLI::Range(1.0, 3600.0));
  app.add_option("--fps", fps, "output frames per second")->check(CLI::Range(1, 240));
  app.add_flag("--read-back", read_back, "copy every frame to host memory, as headless output does");
#ifdef BEING_BENCH_CUDA_DEFORM
  auto* deform_flag =
      app.add_flag("--cuda-deform", cuda_deform, "deform on the GPU (CUDA) and copy the result to the host");
  app.add_flag("--cuda-interop", cuda_interop, "deform on the GPU (CUDA) into the renderer's shared buffers")
      ->excludes(deform_flag);
#endif
  CLI11_PARSE(app, argc, argv);

  try {
    asset::Avatar avatar = asset::read_avatar(avatar_path);
    scale_gaussians(avatar, gaussians);
    const animate::ExpressionEncoder encoder(avatar);
    animate::Deformer deformer(avatar);
#ifdef BEING_BENCH_CUDA_DEFORM
    std::unique_ptr<deform::cuda::Deformer> gpu_deformer;
    if (cuda_deform) gpu_deformer = std::make_unique<deform::cuda::Deformer>(avatar);
#endif
    const int bins = avatar.audio.mel_bins;
    const auto samples = bench::synthetic_speech(seconds, avatar.audio.sample_rate);

    // File mode normalises with the whole utterance's statistics, gathered in a pass before
    // rendering starts (not timed here, as it is not per frame).
    const audio::MelConfig mel_config = animate::mel_config(avatar.audio);
    std::vector<float> all = audio::log_mel(samples.data(), samples.size(), mel_config);
    audio::MelStatistics statistics(bins);
    statistics.add(all.data(), all.size() / bins);
    const bool normalise = avatar.audio.normalisation == asset::MelNormalisation::per_utterance;

    gpu::Context context;
    render::RendererSettings settings;
    settings.gpu_timing = true;
    settings.external_geometry = cuda_interop;
    render::SplatRenderer renderer(context, settings);
    animate::GaussianGeometry geometry;
    std::vector<float> code(encoder.code_dim(), 0.0f);
    deformer.apply(code.data(), geometry);
    render::GaussianArrays arrays = render::arrays_of(avatar.gaussians);
    arrays.positions = geometry.positions.data();
    arrays.rotations = geometry.rotations.data();
    arrays.log_scales = geometry.log_scales.data();
    renderer.set_gaussians(arrays);
    renderer.set_background_color(0.2f, 0.2f, 0.2f);
#ifdef BEING_BENCH_CUDA_DEFORM
    std::unique_ptr<interop::CudaDeformation> shared_deformer;
    if (cuda_interop) shared_deformer = std::make_unique<interop::CudaDeformation>(context, avatar, renderer);
#endif

    const animate::MelWindow& w = encoder.window();
    const int64_t frames = animate::frame_count(static_cast<int64_t>(samples.size()), avatar.audio.sample_rate, fps);
    audio::LogMel stream(mel_config);
    std::vector<float> rows, window(static_cast<std::size_t>(w.rows) * bins), fresh;
    std::size_t fed = 0;
    std::vector<double> t_audio, t_deform, t_render, t_gpu, t_total;
    render::FrameOptions frame_options;
    frame_options.read_back = read_back;
    for (int64_t i = 0; i < frames; ++i) {
      const auto start = Clock::now();
      // Feed the audio up to the end of this frame's window, then encode the window.
      const int64_t last_row = w.first(i, fps) + w.rows - 1;
      while (static_cast<int64_t>(rows.size() / bins) <= last_row && fed < samples.size()) {
        const std::size_t n = std::min<std::size_t>(avatar.audio.hop * 4, samples.size() - fed);
        fresh.clear();
        stream.push(samples.data() + fed, n, fresh);
        fed += n;
        if (fed == samples.size()) stream.finish(fresh);
        if (normalise) statistics.normalize(fresh.data(), fresh.size() / bins);
        rows.insert(rows.end(), fresh.begin(), fresh.end());
      }
      const int64_t total_rows = static_cast<int64_t>(rows.size() / bins);
      animate::gather_window(w.first(i, fps), w.rows, total_rows, bins,
                             [&](int64_t j, float* dst) { std::copy_n(&rows[j * bins], bins, dst); }, window.data());
      encoder.encode(window.data(), code.data());
      const auto after_audio = Clock::now();
#ifdef BEING_BENCH_CUDA_DEFORM
      if (shared_deformer) {
        shared_deformer->apply(code.data());
      } else if (gpu_deformer) {
        gpu_deformer->apply(code.data());
        gpu_deformer->download(geometry.positions, geometry.rotations, geometry.log_scales);
      } else {
        deformer.apply(code.data(), geometry);
      }
#else
      deformer.apply(code.data(), geometry);
#endif
      const auto after_deform = Clock::now();
      if (!cuda_interop)
        renderer.update_geometry(geometry.positions.data(), geometry.rotations.data(), geometry.log_scales.data());
      double view[16];
      animate::head_to_camera(avatar.idle, animate::idle_frame(i, fps, avatar.idle), view);
      const render::FrameInfo info = renderer.render(render::make_camera(avatar.camera, view), frame_options);
      const auto end = Clock::now();
      if (i < 5) continue;  // warm-up
      t_audio.push_back(std::chrono::duration<double, std::milli>(after_audio - start).count());
      t_deform.push_back(std::chrono::duration<double, std::milli>(after_deform - after_audio).count());
      t_render.push_back(std::chrono::duration<double, std::milli>(end - after_deform).count());
      t_gpu.push_back(info.gpu_ms);
      t_total.push_back(ms_since(start));
    }
    std::printf("device: %s\n", context.device_info().name.c_str());
    std::printf("avatar %s: %zu Gaussians, %dx%d, %lld frames at %d fps from %.0f s of audio%s\n", avatar_path.c_str(),
                avatar.gaussians.count(), avatar.camera.width, avatar.camera.height, static_cast<long long>(frames), fps,
                seconds, read_back ? ", with read-back" : "");
    if (cuda_deform) std::printf("deformation on CUDA (+ copy to the host)\n");
    if (cuda_interop)
      std::printf("deformation on CUDA into the renderer's buffers (interop): 'deformation' is the time to queue "
                  "it; the render waits for it on the GPU\n");
    std::printf("median per frame: audio+encoder %.3f ms, deformation %.3f ms, upload+render %.3f ms (GPU %.3f ms), total %.3f ms -> %.0f fps (%.1fx real time)\n",
                median(t_audio), median(t_deform), median(t_render), median(t_gpu), median(t_total),
                1000.0 / median(t_total), 1000.0 / median(t_total) / fps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_audio_to_frame: %s\n", e.what());
    return 1;
  }
  return 0;
}
