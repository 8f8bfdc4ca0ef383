#include "being/render/splat_renderer.h"

#include "being/gpu/context.h"
#include "being/shaders/splat_duplicate_comp.h"
#include "being/shaders/splat_offsets_blocks_comp.h"
#include "being/shaders/splat_offsets_local_comp.h"
#include "being/shaders/splat_project_comp.h"
#include "being/shaders/splat_ranges_comp.h"
#include "being/shaders/splat_rasterize_comp.h"
#include "being/splat/detail/gaussian_math.h"
#include "being/splat/rasterizer_cpu.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace being::render {

namespace {

// The shaders' workgroup shapes (shaders/splat_common.glsl).
constexpr std::uint32_t group_size = 256;
constexpr std::uint32_t scan_block = 1024;
static_assert(splat::kTileSize == 16, "splat_rasterize.comp runs one 16x16 workgroup per tile");

constexpr std::uint32_t overflowed = 0xffffffffu;  // splat_offsets_blocks.comp's intersection count

// Mirrors FrameParams in shaders/splat_common.glsl.
struct FrameParams {
  float rot_trans[3][4];
  float center[4];
  float focal[4];
  float jacobian_limits[4];
  float planes[4];
  float alpha_limits[4];
  float background[4];
  std::uint32_t size[4];
  std::uint32_t counts[4];
};
static_assert(sizeof(FrameParams) == 11 * 16, "FrameParams must match the std430 layout");

gpu::Buffer storage_buffer(const gpu::Context& context, VkDeviceSize bytes) {
  return gpu::Buffer(context, std::max<VkDeviceSize>(bytes, 4), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                     gpu::MemoryLocation::device);
}

gpu::Buffer host_buffer(const gpu::Context& context, VkDeviceSize bytes) {
  return gpu::Buffer(context, std::max<VkDeviceSize>(bytes, 4), 0, gpu::MemoryLocation::host);
}

// Capacity for `needed` elements when `current` is too small: half as much again, so that slowly
// growing needs do not reallocate every frame.
std::uint32_t grown(std::uint32_t needed, std::uint32_t current) {
  const std::uint64_t more = std::uint64_t{current} + current / 2;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(std::max<std::uint64_t>(needed, more), 0xffffffffu));
}

std::uint32_t groups_for(const gpu::Context& context, std::uint64_t items, std::uint32_t per_group) {
  // Every pass loops over its items with a grid stride, so capping the group count is safe.
  const std::uint64_t groups = std::max<std::uint64_t>(1, (items + per_group - 1) / per_group);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(groups, context.limits().maxComputeWorkGroupCount[0]));
}

// Queue family ownership transfers of the geometry buffers to or from the external (CUDA) side,
// which the Vulkan spec asks for before reading memory another API wrote.
void transfer_ownership(VkCommandBuffer cmd, const gpu::Buffer* const (&buffers)[3], std::uint32_t src_family,
                        std::uint32_t dst_family, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                        VkPipelineStageFlags dst_stage, VkAccessFlags dst_access) {
  VkBufferMemoryBarrier barriers[3];
  for (int i = 0; i < 3; ++i) {
    barriers[i] = {VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    barriers[i].srcAccessMask = src_access;
    barriers[i].dstAccessMask = dst_access;
    barriers[i].srcQueueFamilyIndex = src_family;
    barriers[i].dstQueueFamilyIndex = dst_family;
    barriers[i].buffer = buffers[i]->handle();
    barriers[i].offset = 0;
    barriers[i].size = VK_WHOLE_SIZE;
  }
  vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, nullptr, 3, barriers, 0, nullptr);
}

std::uint32_t bits_for(std::uint32_t values) {
  std::uint32_t bits = 1;
  while (bits < 32 && (std::uint64_t{1} << bits) < values) ++bits;
  return bits;
}

FrameParams make_frame_params(const splat::Camera& camera, const splat::Settings& settings, std::uint32_t count,
                              std::uint32_t sh_coefficients, BackgroundMode mode, const float background[3],
                              bool write_depth) {
  // The reference's own float camera parameters, so both start from the same rounded values.
  const auto cam = splat::detail::make_camera_params<float>(camera, settings);
  FrameParams p{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) p.rot_trans[r][c] = cam.rot[r * 3 + c];
    p.rot_trans[r][3] = cam.trans[r];
  }
  for (int c = 0; c < 3; ++c) p.center[c] = cam.center[c];
  p.focal[0] = cam.fx, p.focal[1] = cam.fy, p.focal[2] = cam.cx, p.focal[3] = cam.cy;
  p.jacobian_limits[0] = cam.lim_x_neg, p.jacobian_limits[1] = cam.lim_x_pos;
  p.jacobian_limits[2] = cam.lim_y_neg, p.jacobian_limits[3] = cam.lim_y_pos;
  p.planes[0] = cam.near_plane, p.planes[1] = cam.far_plane, p.planes[2] = cam.dilation;
  p.planes[3] = static_cast<float>(splat::kMaxPower);
  p.alpha_limits[0] = static_cast<float>(splat::kMinAlpha);
  p.alpha_limits[1] = static_cast<float>(splat::kMaxAlpha);
  p.alpha_limits[2] = static_cast<float>(splat::kMinTransmittance);
  for (int c = 0; c < 3; ++c) p.background[c] = background[c];
  p.size[0] = static_cast<std::uint32_t>(cam.width), p.size[1] = static_cast<std::uint32_t>(cam.height);
  p.size[2] = static_cast<std::uint32_t>(cam.tiles_x), p.size[3] = static_cast<std::uint32_t>(cam.tiles_y);
  p.counts[0] = count;
  p.counts[1] = sh_coefficients;
  p.counts[2] = static_cast<std::uint32_t>(mode);
  p.counts[3] = write_depth ? 1u : 0u;
  return p;
}

}  // namespace

struct SplatRenderer::Pipelines {
  gpu::ComputePipeline project, offsets_local, offsets_blocks, duplicate, ranges, rasterize;
  std::unique_ptr<gpu::DescriptorPool> pool;
  VkDescriptorSet project_set = VK_NULL_HANDLE, offsets_local_set = VK_NULL_HANDLE,
                  offsets_blocks_set = VK_NULL_HANDLE, duplicate_set = VK_NULL_HANDLE, ranges_set = VK_NULL_HANDLE,
                  rasterize_set = VK_NULL_HANDLE;

  explicit Pipelines(const gpu::Context& context)
      : project(context, shaders::splat_project_comp, 10, 0),
        offsets_local(context, shaders::splat_offsets_local_comp, 5, 0),
        offsets_blocks(context, shaders::splat_offsets_blocks_comp, 3, 0),
        duplicate(context, shaders::splat_duplicate_comp, 7, 0),
        ranges(context, shaders::splat_ranges_comp, 4, 0),
        rasterize(context, shaders::splat_rasterize_comp, 7, 0) {}
};

static_assert(static_cast<std::uint32_t>(BackgroundMode::solid) == 0 &&
                  static_cast<std::uint32_t>(BackgroundMode::transparent) == 1 &&
                  static_cast<std::uint32_t>(BackgroundMode::plate) == 2,
              "background modes must match BACKGROUND_* in shaders/splat_common.glsl");

GaussianArrays arrays_of(const asset::Gaussians& gaussians) {
  if (gaussians.count() > 0xffffffffu) throw std::invalid_argument("render: more than 2^32 Gaussians");
  GaussianArrays a;
  a.positions = gaussians.positions.data();
  a.rotations = gaussians.rotations.data();
  a.log_scales = gaussians.log_scales.data();
  a.opacities = gaussians.opacities.data();
  a.sh = gaussians.sh.data();
  a.count = static_cast<std::uint32_t>(gaussians.count());
  a.sh_degree = gaussians.sh_degree;
  return a;
}

splat::Camera make_camera(const asset::Camera& intrinsics, const double world_to_camera[16]) {
  splat::Camera camera;
  std::memcpy(camera.view, world_to_camera, sizeof(camera.view));
  camera.fx = intrinsics.fx;
  camera.fy = intrinsics.fy;
  camera.cx = intrinsics.cx;
  camera.cy = intrinsics.cy;
  camera.width = intrinsics.width;
  camera.height = intrinsics.height;
  return camera;
}

SplatRenderer::SplatRenderer(const gpu::Context& context, const RendererSettings& settings)
    : context_(context),
      settings_(settings),
      pipelines_(std::make_unique<Pipelines>(context)),
      frame_params_(storage_buffer(context, sizeof(FrameParams))),
      counters_(storage_buffer(context, 4)),
      counters_host_(host_buffer(context, 4)),
      plate_(storage_buffer(context, 4)) {
  const splat::Settings& s = settings.splat;
  if (!(s.near_plane > 0 && s.far_plane > s.near_plane && s.dilation >= 0))
    throw std::invalid_argument("render: settings need 0 < near_plane < far_plane and dilation >= 0");
  if (settings.external_geometry) {
    if (!context.supports_external())
      throw std::runtime_error("render: external geometry needs a Vulkan device that exports memory and timeline "
                               "semaphores as file descriptors (VK_KHR_external_memory_fd, "
                               "VK_KHR_external_semaphore_fd); " + context.device_info().name +
                               " does not. Choose another with BEING_VULKAN_DEVICE or deform on the host");
    geometry_timeline_ = std::make_unique<gpu::TimelineSemaphore>(context, true);
  }
  allocate_gaussian_buffers(1);
  ensure_intersection_capacity(1 << 16);
  if (settings.gpu_timing) {
    timestamps_[0] = std::make_unique<gpu::TimestampQueries>(context, 5);  // around upload, project, depth sort, offsets
    timestamps_[1] = std::make_unique<gpu::TimestampQueries>(context, 6);  // duplicate, tile sort, ranges, rasterize, read back
  }
}

SplatRenderer::~SplatRenderer() = default;

const char* pass_name(Pass pass) {
  static const char* const names[] = {"upload",    "project", "depth sort", "offsets",  "duplicate",
                                      "tile sort", "ranges",  "rasterize",  "read back"};
  return pass < Pass::count ? names[static_cast<std::size_t>(pass)] : "?";
}

void SplatRenderer::allocate_gaussian_buffers(std::uint32_t capacity) {
  const VkDeviceSize n = capacity;
  if (n * 48 > context_.limits().maxStorageBufferRange) {
    throw std::runtime_error("render: " + std::to_string(capacity) + " Gaussians exceed what " +
                             context_.device_info().name + " can bind in one storage buffer");
  }
  const bool exportable = settings_.external_geometry;
  const VkBufferUsageFlags storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  positions_ = gpu::Buffer(context_, n * 12, storage, gpu::MemoryLocation::device, exportable);
  rotations_ = gpu::Buffer(context_, n * 16, storage, gpu::MemoryLocation::device, exportable);
  log_scales_ = gpu::Buffer(context_, n * 12, storage, gpu::MemoryLocation::device, exportable);
  opacities_ = storage_buffer(context_, n * 4);
  sh_ = storage_buffer(context_, n * 4 * 3 * 4);
  geometry_staging_ = host_buffer(context_, n * 40);
  projected_ = storage_buffer(context_, n * 48);
  rects_ = storage_buffer(context_, n * 16);
  local_offsets_ = storage_buffer(context_, n * 4);
  block_sums_ = storage_buffer(context_, (n + scan_block - 1) / scan_block * 4);
  depth_sort_ = std::make_unique<gpu::RadixSort>(context_, capacity);
  gaussian_capacity_ = capacity;
  sets_dirty_ = true;
}

void SplatRenderer::set_gaussians(const GaussianArrays& g) {
  if (exported_)
    throw std::logic_error("render: set_gaussians after export_geometry(): the exported buffers would be replaced; "
                           "set the Gaussians once, before exporting");
  if (g.sh_degree != 0 && g.sh_degree != 1)
    throw std::invalid_argument("render: SH degree must be 0 or 1, got " + std::to_string(g.sh_degree));
  if (g.count > 0 && (!g.positions || !g.rotations || !g.log_scales || !g.opacities || !g.sh))
    throw std::invalid_argument("render: every Gaussian array (positions, rotations, log scales, opacities, SH) "
                                "is required");
  if (g.count > gaussian_capacity_) allocate_gaussian_buffers(grown(g.count, gaussian_capacity_));
  count_ = g.count;
  sh_coefficients_ = g.sh_degree == 1 ? 4 : 1;
  const VkDeviceSize n = g.count;
  gpu::upload(context_, positions_, g.positions, n * 12);
  gpu::upload(context_, rotations_, g.rotations, n * 16);
  gpu::upload(context_, log_scales_, g.log_scales, n * 12);
  gpu::upload(context_, opacities_, g.opacities, n * 4);
  gpu::upload(context_, sh_, g.sh, n * sh_coefficients_ * 3 * 4);
  geometry_dirty_ = false;
}

void SplatRenderer::update_geometry(const float* positions, const float* rotations, const float* log_scales) {
  if (settings_.external_geometry)
    throw std::logic_error("render: update_geometry on a renderer with external geometry; write through "
                           "export_geometry() instead");
  if (!positions || !rotations || !log_scales)
    throw std::invalid_argument("render: update_geometry needs positions, rotations and log scales");
  auto* staging = static_cast<char*>(geometry_staging_.mapped());
  const std::size_t n = count_;
  std::memcpy(staging, positions, n * 12);
  std::memcpy(staging + n * 12, rotations, n * 16);
  std::memcpy(staging + n * 28, log_scales, n * 12);
  geometry_dirty_ = true;
}

ExportedGeometry SplatRenderer::export_geometry() {
  if (!settings_.external_geometry)
    throw std::logic_error("render: export_geometry needs RendererSettings::external_geometry");
  if (exported_) throw std::logic_error("render: export_geometry was called before; export once");
  const gpu::Buffer* const geometry[3] = {&positions_, &rotations_, &log_scales_};
  // Hand the uploaded buffers to the external side: from here on every render() acquires them.
  context_.submit_and_wait([&](VkCommandBuffer cmd) {
    transfer_ownership(cmd, geometry, context_.queue_family(), VK_QUEUE_FAMILY_EXTERNAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0);
  });
  ExportedGeometry exported;
  exported.positions = positions_.export_memory();
  exported.rotations = rotations_.export_memory();
  exported.log_scales = log_scales_.export_memory();
  exported.timeline = geometry_timeline_->export_fd();
  exported.capacity = gaussian_capacity_;
  exported_ = true;
  return exported;
}

GeometryWrite SplatRenderer::begin_geometry_write() {
  if (!exported_) throw std::logic_error("render: begin_geometry_write needs export_geometry() first");
  GeometryWrite write;
  write.wait_value = released_value_;
  write.signal_value = ++timeline_value_;
  written_value_ = write.signal_value;
  return write;
}

void SplatRenderer::set_background_color(float r, float g, float b) {
  background_mode_ = BackgroundMode::solid;
  background_[0] = r, background_[1] = g, background_[2] = b;
}

void SplatRenderer::set_transparent_background() { background_mode_ = BackgroundMode::transparent; }

void SplatRenderer::set_plate(const std::uint8_t* rgb, int width, int height) {
  if (!rgb || width <= 0 || height <= 0)
    throw std::invalid_argument("render: a plate needs pixels and a positive size, got " + std::to_string(width) +
                                "x" + std::to_string(height));
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  std::vector<std::uint32_t> packed(pixels);
  for (std::size_t i = 0; i < pixels; ++i)
    packed[i] = rgb[3 * i] | (std::uint32_t{rgb[3 * i + 1]} << 8) | (std::uint32_t{rgb[3 * i + 2]} << 16) |
                (0xffu << 24);
  if (plate_.size() < pixels * 4) {
    plate_ = storage_buffer(context_, pixels * 4);
    sets_dirty_ = true;
  }
  gpu::upload(context_, plate_, packed.data(), pixels * 4);
  plate_width_ = width;
  plate_height_ = height;
  background_mode_ = BackgroundMode::plate;
}

void SplatRenderer::ensure_image_buffers(int width, int height) {
  width_ = width;
  height_ = height;
  const std::uint32_t pixels = static_cast<std::uint32_t>(width) * static_cast<std::uint32_t>(height);
  const std::uint32_t tiles = static_cast<std::uint32_t>((width + splat::kTileSize - 1) / splat::kTileSize) *
                              static_cast<std::uint32_t>((height + splat::kTileSize - 1) / splat::kTileSize);
  if (pixels > pixel_capacity_) {
    const std::uint32_t capacity = grown(pixels, pixel_capacity_);
    if (VkDeviceSize{capacity} * 16 > context_.limits().maxStorageBufferRange)
      throw std::runtime_error("render: a " + std::to_string(width) + "x" + std::to_string(height) +
                               " image exceeds what " + context_.device_info().name +
                               " can bind in one storage buffer");
    image_ = storage_buffer(context_, VkDeviceSize{capacity} * 16);
    depth_ = storage_buffer(context_, VkDeviceSize{capacity} * 4);
    image_host_ = host_buffer(context_, VkDeviceSize{capacity} * 16);
    depth_host_ = host_buffer(context_, VkDeviceSize{capacity} * 4);
    pixel_capacity_ = capacity;
    sets_dirty_ = true;
  }
  if (tiles > tile_capacity_) {
    tile_capacity_ = grown(tiles, tile_capacity_);
    ranges_ = storage_buffer(context_, VkDeviceSize{tile_capacity_} * 8);
    sets_dirty_ = true;
  }
}

void SplatRenderer::ensure_intersection_capacity(std::uint32_t intersections) {
  if (tile_sort_ && intersections <= tile_sort_->capacity()) return;
  const std::uint32_t capacity = grown(intersections, tile_sort_ ? tile_sort_->capacity() : 0);
  tile_sort_.reset();  // free the old buffers before allocating the larger ones
  tile_sort_ = std::make_unique<gpu::RadixSort>(context_, capacity);
  sets_dirty_ = true;
}

void SplatRenderer::rebuild_descriptor_sets() {
  Pipelines& p = *pipelines_;
  p.pool = std::make_unique<gpu::DescriptorPool>(context_, 6, 10 + 5 + 3 + 7 + 4 + 7);
  p.project_set = p.pool->allocate(p.project, {&frame_params_, &positions_, &rotations_, &log_scales_, &opacities_,
                                               &sh_, &projected_, &rects_, &depth_sort_->keys(),
                                               &depth_sort_->values()});
  p.offsets_local_set = p.pool->allocate(
      p.offsets_local, {&frame_params_, &rects_, &depth_sort_->values(), &local_offsets_, &block_sums_});
  p.offsets_blocks_set = p.pool->allocate(p.offsets_blocks, {&frame_params_, &block_sums_, &counters_});
  p.duplicate_set = p.pool->allocate(p.duplicate, {&frame_params_, &rects_, &depth_sort_->values(), &local_offsets_,
                                                   &block_sums_, &tile_sort_->keys(), &tile_sort_->values()});
  p.ranges_set = p.pool->allocate(p.ranges, {&frame_params_, &counters_, &tile_sort_->keys(), &ranges_});
  p.rasterize_set = p.pool->allocate(
      p.rasterize, {&frame_params_, &ranges_, &tile_sort_->values(), &projected_, &plate_, &image_, &depth_});
  sets_dirty_ = false;
}

FrameInfo SplatRenderer::render(const splat::Camera& camera, const FrameOptions& options) {
  splat::validate_camera(camera, settings_.splat);
  if (background_mode_ == BackgroundMode::plate && (camera.width != plate_width_ || camera.height != plate_height_))
    throw std::invalid_argument("render: the plate is " + std::to_string(plate_width_) + "x" +
                                std::to_string(plate_height_) + " but the camera renders " +
                                std::to_string(camera.width) + "x" + std::to_string(camera.height) +
                                "; set a plate of the frame's size");
  ensure_image_buffers(camera.width, camera.height);
  if (sets_dirty_) rebuild_descriptor_sets();
  const FrameParams params = make_frame_params(camera, settings_.splat, count_, sh_coefficients_, background_mode_,
                                               background_, options.write_depth);
  const std::uint32_t tiles = params.size[2] * params.size[3];
  const std::uint32_t pixels = params.size[0] * params.size[1];
  Pipelines& p = *pipelines_;
  FrameInfo info;

  // External geometry: wait for the writer's signal (if it wrote since the last frame) and take the
  // buffers from the external queue family; give them back, and signal that they were read, once
  // projection is done with them (submission 2 does not read them).
  const gpu::Buffer* const geometry[3] = {&positions_, &rotations_, &log_scales_};
  gpu::TimelineSync sync;
  if (exported_ && written_value_ > released_value_) {
    sync.semaphore = geometry_timeline_->handle();
    sync.wait_value = written_value_;
    sync.wait_stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    sync.signal_value = ++timeline_value_;
  }

  // Submission 1: project, sort by depth, count the tile intersections (read back to size pass 3).
  context_.submit_and_wait([&](VkCommandBuffer cmd) {
    if (timestamps_[0]) {
      timestamps_[0]->reset(cmd);
      timestamps_[0]->write(cmd, 0);
    }
    if (exported_)
      transfer_ownership(cmd, geometry, VK_QUEUE_FAMILY_EXTERNAL, context_.queue_family(),
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_ACCESS_SHADER_READ_BIT);  // source stage = the semaphore's wait stage, so they chain
    // The previous frame's commands (and host uploads) are done with every buffer written below.
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT,
                        VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    if (geometry_dirty_) {
      const VkDeviceSize n = count_;
      const VkBufferCopy regions[3] = {{0, 0, n * 12}, {n * 12, 0, n * 16}, {n * 28, 0, n * 12}};
      vkCmdCopyBuffer(cmd, geometry_staging_.handle(), positions_.handle(), 1, &regions[0]);
      vkCmdCopyBuffer(cmd, geometry_staging_.handle(), rotations_.handle(), 1, &regions[1]);
      vkCmdCopyBuffer(cmd, geometry_staging_.handle(), log_scales_.handle(), 1, &regions[2]);
    }
    vkCmdUpdateBuffer(cmd, frame_params_.handle(), 0, sizeof(params), &params);
    if (count_ == 0) vkCmdFillBuffer(cmd, counters_.handle(), 0, 4, 0);
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT);
    if (timestamps_[0]) timestamps_[0]->write(cmd, 1);
    if (count_ > 0) {
      p.project.dispatch(cmd, p.project_set, nullptr, 0, groups_for(context_, count_, group_size));
      if (timestamps_[0]) timestamps_[0]->write(cmd, 2);
      depth_sort_->record(cmd, count_, 32);
      if (timestamps_[0]) timestamps_[0]->write(cmd, 3);
      p.offsets_local.dispatch(cmd, p.offsets_local_set, nullptr, 0, groups_for(context_, count_, scan_block));
      gpu::compute_barrier(cmd);
      p.offsets_blocks.dispatch(cmd, p.offsets_blocks_set, nullptr, 0, 1);
    }
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_READ_BIT);
    const VkBufferCopy counter_region{0, 0, 4};
    vkCmdCopyBuffer(cmd, counters_.handle(), counters_host_.handle(), 1, &counter_region);
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                        VK_ACCESS_HOST_READ_BIT);
    if (exported_)
      transfer_ownership(cmd, geometry, context_.queue_family(), VK_QUEUE_FAMILY_EXTERNAL,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0);
    if (timestamps_[0]) {
      // Without Gaussians the passes are empty: their marks coincide with the end.
      if (count_ == 0) {
        timestamps_[0]->write(cmd, 2);
        timestamps_[0]->write(cmd, 3);
      }
      timestamps_[0]->write(cmd, 4);
    }
  }, sync);
  if (sync.semaphore) released_value_ = sync.signal_value;
  geometry_dirty_ = false;
  double gpu_ns = 0;
  if (timestamps_[0]) {
    const auto ns = timestamps_[0]->read_ns();
    gpu_ns += ns[4] - ns[0];
    for (Pass pass : {Pass::upload, Pass::project, Pass::depth_sort, Pass::offsets}) {
      const auto i = static_cast<std::size_t>(pass);
      info.pass_ms[i] = (ns[i + 1] - ns[i]) * 1e-6;
    }
  }

  std::uint32_t intersections = 0;
  std::memcpy(&intersections, counters_host_.mapped(), 4);
  if (intersections == overflowed)
    throw std::runtime_error("render: the frame has more than 2^32 tile intersections; use fewer or smaller "
                             "Gaussians or a smaller image");
  info.intersections = intersections;
  ensure_intersection_capacity(intersections);
  if (sets_dirty_) rebuild_descriptor_sets();

  // Submission 2: list (tile, Gaussian) pairs, sort them by tile, find each tile's range, rasterize.
  context_.submit_and_wait([&](VkCommandBuffer cmd) {
    if (timestamps_[1]) {
      timestamps_[1]->reset(cmd);
      timestamps_[1]->write(cmd, 0);
    }
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdFillBuffer(cmd, ranges_.handle(), 0, VkDeviceSize{tiles} * 8, 0);
    if (intersections > 0) {
      p.duplicate.dispatch(cmd, p.duplicate_set, nullptr, 0, groups_for(context_, count_, group_size));
      if (timestamps_[1]) timestamps_[1]->write(cmd, 1);
      tile_sort_->record(cmd, intersections, bits_for(tiles));
      if (timestamps_[1]) timestamps_[1]->write(cmd, 2);
      gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      p.ranges.dispatch(cmd, p.ranges_set, nullptr, 0, groups_for(context_, intersections, group_size));
    } else if (timestamps_[1]) {
      timestamps_[1]->write(cmd, 1);
      timestamps_[1]->write(cmd, 2);
    }
    if (timestamps_[1]) timestamps_[1]->write(cmd, 3);
    gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    p.rasterize.dispatch(cmd, p.rasterize_set, nullptr, 0, groups_for(context_, tiles, 1));
    if (timestamps_[1]) timestamps_[1]->write(cmd, 4);
    if (options.read_back) {
      gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                          VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      const VkBufferCopy image_region{0, 0, VkDeviceSize{pixels} * 16};
      vkCmdCopyBuffer(cmd, image_.handle(), image_host_.handle(), 1, &image_region);
      if (options.write_depth) {
        const VkBufferCopy depth_region{0, 0, VkDeviceSize{pixels} * 4};
        vkCmdCopyBuffer(cmd, depth_.handle(), depth_host_.handle(), 1, &depth_region);
      }
      gpu::memory_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                          VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    }
    if (timestamps_[1]) timestamps_[1]->write(cmd, 5);
  });
  if (timestamps_[1]) {
    const auto ns = timestamps_[1]->read_ns();
    gpu_ns += ns[5] - ns[0];
    info.gpu_ms = gpu_ns * 1e-6;
    for (Pass pass : {Pass::duplicate, Pass::tile_sort, Pass::ranges, Pass::rasterize, Pass::read_back}) {
      const auto i = static_cast<std::size_t>(pass) - static_cast<std::size_t>(Pass::duplicate);
      info.pass_ms[static_cast<std::size_t>(pass)] = (ns[i + 1] - ns[i]) * 1e-6;
    }
  }
  host_read_back_ = options.read_back;
  depth_read_back_ = options.read_back && options.write_depth;
  return info;
}

const float* SplatRenderer::host_rgba() const {
  if (!host_read_back_) throw std::logic_error("render: the last frame was not read back (FrameOptions::read_back)");
  return static_cast<const float*>(image_host_.mapped());
}

const float* SplatRenderer::host_depth() const {
  if (!depth_read_back_)
    throw std::logic_error("render: the last frame's depth was not read back (FrameOptions::write_depth)");
  return static_cast<const float*>(depth_host_.mapped());
}

}  // namespace being::render
