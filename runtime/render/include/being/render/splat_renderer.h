// Offscreen Vulkan renderer of the avatar's Gaussians: a compute pipeline that follows the
// trainer's rasterizer (kernels/splat) formula for formula. Passes, buffers and how closely it
// matches the CPU reference: docs/renderer.md.
#pragma once

#include "being/asset/avatar.h"
#include "being/gpu/buffer.h"
#include "being/gpu/compute.h"
#include "being/gpu/external.h"
#include "being/gpu/radix_sort.h"
#include "being/gpu/timestamps.h"
#include "being/splat/types.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace being::render {

// Gaussians in the .avatar layout (asset::Gaussians), borrowed for the duration of a call.
struct GaussianArrays {
  const float* positions = nullptr;   // N*3, world space
  const float* rotations = nullptr;   // N*4 quaternions (x, y, z, w), any non-zero norm
  const float* log_scales = nullptr;  // N*3, natural log of the standard deviations
  const float* opacities = nullptr;   // N, linear 0..1
  const float* sh = nullptr;          // N * (sh_degree+1)^2 * 3: per Gaussian, per coefficient, RGB
  std::uint32_t count = 0;
  int sh_degree = 0;  // 0 or 1
};

GaussianArrays arrays_of(const asset::Gaussians& gaussians);

// The renderer's camera is the rasterizer's (being::splat::Camera: world-to-camera 4x4, pinhole
// intrinsics, +z forward, y down); this builds it from the asset's intrinsics and a pose.
splat::Camera make_camera(const asset::Camera& intrinsics, const double world_to_camera[16]);

enum class BackgroundMode {
  solid,        // colour = splats + transmittance * colour; alpha = 1
  transparent,  // colour = splats (premultiplied); alpha = 1 - transmittance
  plate,        // colour = splats + transmittance * plate pixel; alpha = 1
};

struct RendererSettings {
  splat::Settings splat;    // near/far planes and dilation, as in training
  bool gpu_timing = false;  // measure each frame with GPU timestamps (FrameInfo::gpu_ms)
  // Allocate positions, rotations and log scales in memory another API (CUDA) can import, with a
  // timeline semaphore that orders its writes and render()'s reads (export_geometry()). Needs
  // gpu::Context::supports_external().
  bool external_geometry = false;
};

// The geometry buffers and the timeline semaphore of a renderer with external geometry, as file
// descriptors for an importer (cudaImportExternalMemory, cudaImportExternalSemaphore).
struct ExportedGeometry {
  gpu::ExportedMemory positions;   // capacity*3 floats
  gpu::ExportedMemory rotations;   // capacity*4 floats (x, y, z, w)
  gpu::ExportedMemory log_scales;  // capacity*3 floats
  gpu::FileDescriptor timeline;
  std::uint32_t capacity = 0;  // Gaussians the buffers hold
};

// The timeline values of one external write (SplatRenderer::begin_geometry_write()).
struct GeometryWrite {
  std::uint64_t wait_value = 0;    // the writer waits for it: the last render() has read the geometry
  std::uint64_t signal_value = 0;  // the writer signals it when the geometry is written
};

struct FrameOptions {
  bool read_back = true;       // copy the image (and depth, if written) to host memory
  bool write_depth = false;    // also write the depth image
};

// The frame's passes in the order they run (FrameInfo::pass_ms; docs/renderer.md).
enum class Pass { upload, project, depth_sort, offsets, duplicate, tile_sort, ranges, rasterize, read_back, count };
const char* pass_name(Pass pass);

struct FrameInfo {
  std::uint32_t intersections = 0;  // (tile, Gaussian) pairs this frame
  double gpu_ms = -1;               // GPU time of the frame's commands; -1 without gpu_timing
  // GPU time of each pass (timestamps between them), indexed by Pass; -1 without gpu_timing.
  std::array<double, static_cast<std::size_t>(Pass::count)> pass_ms{-1, -1, -1, -1, -1, -1, -1, -1, -1};
};

// Not thread-safe; uses the context's queue through Context::submit_and_wait().
class SplatRenderer {
 public:
  explicit SplatRenderer(const gpu::Context& context, const RendererSettings& settings = {});
  ~SplatRenderer();
  SplatRenderer(const SplatRenderer&) = delete;
  SplatRenderer& operator=(const SplatRenderer&) = delete;

  // Uploads every array (waits). Buffers grow when count exceeds what was allocated before.
  void set_gaussians(const GaussianArrays& gaussians);
  // Stages new positions (N*3), rotations (N*4) and log scales (N*3) for the next render(), which
  // copies them to the GPU in its own command buffer. Same count and layout as set_gaussians().
  // Not with external geometry (std::logic_error): there the external writer owns the geometry.
  void update_geometry(const float* positions, const float* rotations, const float* log_scales);
  std::uint32_t gaussian_count() const { return count_; }
  const RendererSettings& settings() const { return settings_; }

  // External geometry (RendererSettings::external_geometry): call once, after set_gaussians(),
  // which may not be called again (std::logic_error). From then on the geometry buffers belong to
  // the external queue family between frames; each render() acquires them and releases them back.
  ExportedGeometry export_geometry();
  // Before an external writer changes the geometry: the value its work must wait for, and the one
  // it must signal once written (always, or render() waits forever). The next render() waits for
  // it before reading the geometry and signals a later value when done reading.
  GeometryWrite begin_geometry_write();
  // The device buffers the passes read (the .avatar layout; capacity-sized).
  const gpu::Buffer& positions() const { return positions_; }
  const gpu::Buffer& rotations() const { return rotations_; }
  const gpu::Buffer& log_scales() const { return log_scales_; }

  void set_background_color(float r, float g, float b);
  void set_transparent_background();
  // An RGB8 plate (row-major, width*height*3 bytes); frames must then have the same size.
  void set_plate(const std::uint8_t* rgb, int width, int height);

  // Renders one frame and waits for it. Throws std::invalid_argument on a malformed camera or a
  // plate of another size, std::runtime_error when the frame needs more than the device offers.
  FrameInfo render(const splat::Camera& camera, const FrameOptions& options = {});

  int width() const { return width_; }
  int height() const { return height_; }
  // The last frame on the GPU: RGBA float per pixel (row-major, colour premultiplied), and depth
  // (sum of camera z * weight, as in the reference; not divided by alpha) when written.
  const gpu::Buffer& image() const { return image_; }
  const gpu::Buffer& depth() const { return depth_; }
  // The last frame in host memory (valid until the next render), when read back.
  const float* host_rgba() const;
  const float* host_depth() const;

 private:
  struct Pipelines;

  const gpu::Context& context_;
  RendererSettings settings_;
  std::unique_ptr<Pipelines> pipelines_;

  std::uint32_t count_ = 0;
  std::uint32_t sh_coefficients_ = 1;
  std::uint32_t gaussian_capacity_ = 0;
  gpu::Buffer positions_, rotations_, log_scales_, opacities_, sh_;
  gpu::Buffer geometry_staging_;  // host: positions | rotations | log scales for update_geometry()
  bool geometry_dirty_ = false;
  gpu::Buffer projected_, rects_, local_offsets_, block_sums_;
  std::unique_ptr<gpu::RadixSort> depth_sort_;  // Gaussians by camera z
  std::unique_ptr<gpu::RadixSort> tile_sort_;   // intersections by tile id (grows)

  gpu::Buffer frame_params_, counters_, counters_host_;
  std::uint32_t tile_capacity_ = 0, pixel_capacity_ = 0;
  gpu::Buffer ranges_, plate_, image_, depth_, image_host_, depth_host_;
  int width_ = 0, height_ = 0;
  bool host_read_back_ = false, depth_read_back_ = false;

  BackgroundMode background_mode_ = BackgroundMode::solid;
  float background_[3] = {0, 0, 0};
  int plate_width_ = 0, plate_height_ = 0;

  // External geometry: every wait and signal takes the next value of one timeline.
  std::unique_ptr<gpu::TimelineSemaphore> geometry_timeline_;
  std::uint64_t timeline_value_ = 0;   // the largest value handed out so far
  std::uint64_t written_value_ = 0;    // the external write the next render() waits for
  std::uint64_t released_value_ = 0;   // signalled by the last render() that read an external write
  bool exported_ = false;

  std::unique_ptr<gpu::TimestampQueries> timestamps_[2];  // one pair per submission
  bool sets_dirty_ = true;  // a buffer was replaced since the descriptor sets were written

  void allocate_gaussian_buffers(std::uint32_t capacity);

  void ensure_image_buffers(int width, int height);
  void ensure_intersection_capacity(std::uint32_t intersections);
  void rebuild_descriptor_sets();
};

}  // namespace being::render
