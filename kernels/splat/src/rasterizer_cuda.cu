// CUDA kernels of the rasterizer. Pipeline: preprocess (project, cull, colour, count tiles) ->
// scan of tile counts -> one (tile, depth) key per tile-Gaussian intersection -> radix sort ->
// per-tile ranges -> per-tile compositing. Backward walks each pixel's contributors back to front,
// sums each Gaussian's screen-space gradients over a warp before one atomic add per value, then
// maps them to the 3D parameters per Gaussian. The math is detail/gaussian_math.h, shared with the
// CPU reference.
#include <cub/cub.cuh>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "being/splat/detail/gaussian_math.h"
#include "being/splat/rasterizer_cpu.h"
#include "being/splat/rasterizer_cuda.h"

namespace being::splat::cuda {
namespace {

using detail::CameraParams;
using detail::Projected;

constexpr int kBlock = kTileSize * kTileSize;
constexpr unsigned kFullMask = 0xffffffffu;

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("splat CUDA: ") + what + " failed: " + cudaGetErrorString(err));
}

// Hands out aligned pieces of one buffer; with a null base it only measures.
class Carver {
 public:
  explicit Carver(void* base) : base_(static_cast<char*>(base)) {}
  template <typename U>
  U* take(std::size_t count) {
    offset_ = (offset_ + 255) / 256 * 256;
    U* p = base_ ? reinterpret_cast<U*>(base_ + offset_) : nullptr;
    offset_ += count * sizeof(U);
    return p;
  }
  std::size_t size() const { return offset_ + 256; }

 private:
  char* base_;
  std::size_t offset_ = 0;
};

struct GeometryBuffer {
  float2* mean2d;
  float4* conic_opacity;
  float* depth;
  float* rgb;  // 3 per Gaussian
  int* radius;
  int4* tile_rect;  // tile_min x, y, tile_max x, y
  unsigned long long* tiles_touched;
  unsigned long long* tile_offsets;  // inclusive scan of tiles_touched
  void* scan_temp;
  std::size_t scan_temp_bytes;

  static GeometryBuffer carve(void* base, std::int64_t n, std::size_t& bytes) {
    GeometryBuffer g{};
    Carver c(base);
    g.mean2d = c.take<float2>(n);
    g.conic_opacity = c.take<float4>(n);
    g.depth = c.take<float>(n);
    g.rgb = c.take<float>(3 * n);
    g.radius = c.take<int>(n);
    g.tile_rect = c.take<int4>(n);
    g.tiles_touched = c.take<unsigned long long>(n);
    g.tile_offsets = c.take<unsigned long long>(n);
    check(cub::DeviceScan::InclusiveSum(nullptr, g.scan_temp_bytes, g.tiles_touched, g.tile_offsets,
                                        static_cast<int>(n)),
          "scan size query");
    g.scan_temp = c.take<char>(g.scan_temp_bytes);
    bytes = c.size();
    return g;
  }
};

struct BinningBuffer {
  unsigned long long* keys_in;
  unsigned long long* keys;
  unsigned* ids_in;
  unsigned* ids;  // Gaussian ids sorted by (tile, depth)
  void* sort_temp;
  std::size_t sort_temp_bytes;

  static BinningBuffer carve(void* base, std::int64_t m, int key_bits, std::size_t& bytes) {
    BinningBuffer b{};
    Carver c(base);
    b.keys_in = c.take<unsigned long long>(m);
    b.keys = c.take<unsigned long long>(m);
    b.ids_in = c.take<unsigned>(m);
    b.ids = c.take<unsigned>(m);
    check(cub::DeviceRadixSort::SortPairs(nullptr, b.sort_temp_bytes, b.keys_in, b.keys, b.ids_in, b.ids,
                                          static_cast<int>(m), 0, key_bits),
          "sort size query");
    b.sort_temp = c.take<char>(b.sort_temp_bytes);
    bytes = c.size();
    return b;
  }
};

struct ImageBuffer {
  uint2* tile_ranges;  // [begin, end) into the sorted ids
  float* final_transmittance;
  unsigned* contrib_end;  // sorted-list position after the pixel's last contributor

  static ImageBuffer carve(void* base, int num_tiles, std::int64_t pixels, std::size_t& bytes) {
    ImageBuffer im{};
    Carver c(base);
    im.tile_ranges = c.take<uint2>(num_tiles);
    im.final_transmittance = c.take<float>(pixels);
    im.contrib_end = c.take<unsigned>(pixels);
    bytes = c.size();
    return im;
  }
};

struct ScreenGradBuffer {
  float* mean2d;  // 2 per Gaussian
  float* conic;   // 3 per Gaussian
  float* rgb;     // 3 per Gaussian
  float* depth;

  static ScreenGradBuffer carve(void* base, std::int64_t n, std::size_t& bytes) {
    ScreenGradBuffer s{};
    Carver c(base);
    s.mean2d = c.take<float>(2 * n);
    s.conic = c.take<float>(3 * n);
    s.rgb = c.take<float>(3 * n);
    s.depth = c.take<float>(n);
    bytes = c.size();
    return s;
  }
};

int key_bits_for(int num_tiles) {
  int bits = 0;
  while ((1ll << bits) < static_cast<long long>(num_tiles)) ++bits;
  return 32 + bits;
}

__global__ void preprocess_kernel(CameraParams<float> cam, GaussiansView<float> gs, GeometryBuffer geo) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= gs.count) return;
  geo.radius[i] = 0;
  geo.tiles_touched[i] = 0;
  Projected<float> p;
  if (!detail::project_gaussian(cam, gs.means + 3 * i, gs.quats + 4 * i, gs.scales + 3 * i, gs.opacities[i], p))
    return;
  const int coeffs = 3 * color_coefficients(gs.color_mode);
  float raw[3];
  detail::eval_color(cam, gs.color_mode, gs.means + 3 * i, gs.colors + coeffs * i, p.rgb, raw);
  geo.mean2d[i] = make_float2(p.mean2d[0], p.mean2d[1]);
  geo.conic_opacity[i] = make_float4(p.conic[0], p.conic[1], p.conic[2], p.opacity);
  geo.depth[i] = p.depth;
  for (int c = 0; c < 3; ++c) geo.rgb[3 * i + c] = p.rgb[c];
  geo.radius[i] = p.radius;
  geo.tile_rect[i] = make_int4(p.tile_min[0], p.tile_min[1], p.tile_max[0], p.tile_max[1]);
  geo.tiles_touched[i] =
      static_cast<unsigned long long>(p.tile_max[0] - p.tile_min[0]) * (p.tile_max[1] - p.tile_min[1]);
}

// One key per tile a Gaussian touches: tile id in the high 32 bits, depth bits in the low 32
// (positive floats order like their bit patterns). Written in id order, so the stable radix sort
// breaks depth ties by id, like the CPU reference.
__global__ void emit_keys_kernel(std::int64_t n, int tiles_x, GeometryBuffer geo, BinningBuffer bin) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n || geo.radius[i] == 0) return;
  unsigned long long out = i == 0 ? 0 : geo.tile_offsets[i - 1];
  const int4 r = geo.tile_rect[i];
  const unsigned long long depth_bits = __float_as_uint(geo.depth[i]);
  for (int ty = r.y; ty < r.w; ++ty) {
    for (int tx = r.x; tx < r.z; ++tx) {
      const unsigned long long tile = static_cast<unsigned long long>(ty) * tiles_x + tx;
      bin.keys_in[out] = (tile << 32) | depth_bits;
      bin.ids_in[out] = static_cast<unsigned>(i);
      ++out;
    }
  }
}

__global__ void tile_ranges_kernel(std::int64_t m, const unsigned long long* keys, uint2* ranges) {
  const std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= m) return;
  const unsigned tile = static_cast<unsigned>(keys[k] >> 32);
  if (k == 0 || static_cast<unsigned>(keys[k - 1] >> 32) != tile) ranges[tile].x = static_cast<unsigned>(k);
  if (k == m - 1 || static_cast<unsigned>(keys[k + 1] >> 32) != tile) ranges[tile].y = static_cast<unsigned>(k + 1);
}

// This thread's pixel and its tile's list. Each warp covers an 8x4 patch (two patches across,
// four down), so a small Gaussian touches fewer warps than with 16x2 rows and the warps it touches
// share more of the per-warp gradient reduction.
struct TileThread {
  int rank, col, row;
  bool inside;
  float x, y;  // pixel centre
  uint2 range;  // [begin, end) of the tile's sorted list
  std::int64_t pixel;  // row-major pixel index (0 outside the image)
};

__device__ TileThread tile_thread(const CameraParams<float>& cam, const uint2* tile_ranges) {
  TileThread t;
  t.rank = threadIdx.x;
  const int warp = t.rank / 32, lane = t.rank % 32;
  t.col = int(blockIdx.x) * kTileSize + (warp % 2) * 8 + lane % 8;
  t.row = int(blockIdx.y) * kTileSize + (warp / 2) * 4 + lane / 8;
  t.inside = t.col < cam.width && t.row < cam.height;
  t.x = t.col + 0.5f;
  t.y = t.row + 0.5f;
  t.range = tile_ranges[blockIdx.y * cam.tiles_x + blockIdx.x];
  t.pixel = t.inside ? static_cast<std::int64_t>(t.row) * cam.width + t.col : 0;
  return t;
}

struct SharedBatch {
  int id[kBlock];
  float2 mean2d[kBlock];
  float4 conic_opacity[kBlock];
  float rgb[3 * kBlock];
  float depth[kBlock];
};

__device__ void load_batch(SharedBatch& s, int slot, unsigned id, const GeometryBuffer& geo) {
  s.id[slot] = static_cast<int>(id);
  s.mean2d[slot] = geo.mean2d[id];
  s.conic_opacity[slot] = geo.conic_opacity[id];
  for (int c = 0; c < 3; ++c) s.rgb[3 * slot + c] = geo.rgb[3 * id + c];
  s.depth[slot] = geo.depth[id];
}

__global__ void __launch_bounds__(kBlock)
    render_forward_kernel(CameraParams<float> cam, const float* background, GeometryBuffer geo, BinningBuffer bin,
                          ImageBuffer img, ImagesView<float> out) {
  __shared__ SharedBatch s;
  const TileThread t = tile_thread(cam, img.tile_ranges);
  const uint2 range = t.range;

  bool done = !t.inside;
  float transmittance = 1.f, color[3] = {0.f, 0.f, 0.f}, depth = 0.f;
  unsigned end = range.x;
  for (unsigned start = range.x; start < range.y; start += kBlock) {
    if (__syncthreads_count(done) == kBlock) break;  // also: everyone is done reading the last batch
    if (start + t.rank < range.y) load_batch(s, t.rank, bin.ids[start + t.rank], geo);
    __syncthreads();
    const unsigned count = min(static_cast<unsigned>(kBlock), range.y - start);
    for (unsigned j = 0; j < count && !done; ++j) {
      const float4 co = s.conic_opacity[j];
      const float mean[2] = {s.mean2d[j].x, s.mean2d[j].y}, conic[3] = {co.x, co.y, co.z};
      float g, dx, dy;
      const float alpha = detail::pixel_alpha(mean, conic, co.w, t.x, t.y, g, dx, dy);
      if (alpha == 0.f) continue;
      const float next = transmittance * (1.f - alpha);
      if (next < float(kMinTransmittance)) {
        done = true;
        break;
      }
      const float weight = alpha * transmittance;
      for (int c = 0; c < 3; ++c) color[c] += s.rgb[3 * j + c] * weight;
      depth += s.depth[j] * weight;
      transmittance = next;
      end = start + j + 1;
    }
  }
  if (!t.inside) return;
  const std::int64_t pix = t.pixel;
  img.final_transmittance[pix] = transmittance;
  img.contrib_end[pix] = end;
  for (int c = 0; c < 3; ++c) out.color[3 * pix + c] = color[c] + transmittance * background[c];
  out.alpha[pix] = 1.f - transmittance;
  out.depth[pix] = depth;
}

__device__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFullMask, v, offset);
  return v;
}

__global__ void __launch_bounds__(kBlock)
    render_backward_kernel(CameraParams<float> cam, const float* background, GeometryBuffer geo,
                           BinningBuffer bin, ImageBuffer img, ImageGradsView<float> image_grads,
                           ScreenGradBuffer screen, float* g_opacity, float* g_background) {
  __shared__ SharedBatch s;
  __shared__ unsigned block_end;
  const TileThread t = tile_thread(cam, img.tile_ranges);
  const bool inside = t.inside;
  const int rank = t.rank;
  const uint2 range = t.range;
  const std::int64_t pix = t.pixel;

  const float final_t = inside ? img.final_transmittance[pix] : 1.f;
  const unsigned end = inside ? img.contrib_end[pix] : range.x;
  float gc[3] = {0.f, 0.f, 0.f}, ga = 0.f, gd = 0.f;
  if (inside) {
    if (image_grads.color)
      for (int c = 0; c < 3; ++c) gc[c] = image_grads.color[3 * pix + c];
    if (image_grads.alpha) ga = image_grads.alpha[pix];
    if (image_grads.depth) gd = image_grads.depth[pix];
  }
  // Background: dC/dbg = final transmittance.
  for (int c = 0; c < 3; ++c) {
    const float sum = warp_sum(final_t * gc[c]);
    if ((rank & 31) == 0 && sum != 0.f) atomicAdd(&g_background[c], sum);
  }

  if (rank == 0) block_end = range.x;
  __syncthreads();
  if (end > range.x) atomicMax(&block_end, end);
  __syncthreads();
  const unsigned last = block_end;

  float transmittance = final_t;
  float behind_color[3] = {final_t * background[0], final_t * background[1], final_t * background[2]};
  float behind_depth = 0.f;
  for (unsigned batch_end = last; batch_end > range.x;) {
    const unsigned batch_start = batch_end - range.x > kBlock ? batch_end - kBlock : range.x;
    __syncthreads();  // everyone is done with the previous batch
    if (batch_start + rank < batch_end) load_batch(s, rank, bin.ids[batch_start + rank], geo);
    __syncthreads();
    for (int j = static_cast<int>(batch_end - batch_start) - 1; j >= 0; --j) {
      const unsigned k = batch_start + j;
      float g_mean[2] = {0.f, 0.f}, g_conic[3] = {0.f, 0.f, 0.f}, g_op = 0.f, g_rgb[3] = {0.f, 0.f, 0.f},
            g_depth = 0.f;
      bool contributes = false;
      if (k < end) {
        const float4 co = s.conic_opacity[j];
        const float mean[2] = {s.mean2d[j].x, s.mean2d[j].y}, conic[3] = {co.x, co.y, co.z};
        float g, dx, dy;
        const float alpha = detail::pixel_alpha(mean, conic, co.w, t.x, t.y, g, dx, dy);
        if (alpha != 0.f) {
          contributes = true;
          const float one_minus = 1.f - alpha;
          transmittance /= one_minus;
          const float weight = alpha * transmittance;
          float g_alpha = ga * final_t / one_minus;
          for (int c = 0; c < 3; ++c) {
            const float rgb = s.rgb[3 * j + c];
            g_rgb[c] = weight * gc[c];
            g_alpha += gc[c] * (transmittance * rgb - behind_color[c] / one_minus);
            behind_color[c] += rgb * weight;
          }
          g_depth = weight * gd;
          g_alpha += gd * (transmittance * s.depth[j] - behind_depth / one_minus);
          behind_depth += s.depth[j] * weight;
          detail::pixel_alpha_backward(conic, co.w, g, dx, dy, alpha, g_alpha, g_mean, g_conic, g_op);
        }
      }
      const unsigned lanes = __ballot_sync(kFullMask, contributes);
      if (lanes == 0) continue;
      const int id = s.id[j];
      if (__popc(lanes) == 1) {  // one pixel of the warp: nothing to sum
        if (contributes) {
          atomicAdd(&screen.mean2d[2 * id], g_mean[0]);
          atomicAdd(&screen.mean2d[2 * id + 1], g_mean[1]);
          for (int e = 0; e < 3; ++e) atomicAdd(&screen.conic[3 * id + e], g_conic[e]);
          atomicAdd(&g_opacity[id], g_op);
          for (int e = 0; e < 3; ++e) atomicAdd(&screen.rgb[3 * id + e], g_rgb[e]);
          atomicAdd(&screen.depth[id], g_depth);
        }
        continue;
      }
      float v[10] = {g_mean[0], g_mean[1], g_conic[0], g_conic[1], g_conic[2], g_op, g_rgb[0], g_rgb[1], g_rgb[2],
                     g_depth};
      for (int e = 0; e < 10; ++e) v[e] = warp_sum(v[e]);
      if ((rank & 31) == 0) {
        atomicAdd(&screen.mean2d[2 * id], v[0]);
        atomicAdd(&screen.mean2d[2 * id + 1], v[1]);
        for (int e = 0; e < 3; ++e) atomicAdd(&screen.conic[3 * id + e], v[2 + e]);
        atomicAdd(&g_opacity[id], v[5]);
        for (int e = 0; e < 3; ++e) atomicAdd(&screen.rgb[3 * id + e], v[6 + e]);
        atomicAdd(&screen.depth[id], v[9]);
      }
    }
    batch_end = batch_start;
  }
}

__global__ void project_backward_kernel(CameraParams<float> cam, GaussiansView<float> gs, GeometryBuffer geo,
                                        ScreenGradBuffer screen, GaussianGradsView<float> grads) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= gs.count) return;
  const int coeffs = 3 * color_coefficients(gs.color_mode);
  float* gm = grads.means + 3 * i;
  float* gq = grads.quats + 4 * i;
  float* gsc = grads.scales + 3 * i;
  float* gcol = grads.colors + coeffs * i;
  if (geo.radius[i] == 0) {
    for (int c = 0; c < 3; ++c) gm[c] = gsc[c] = 0.f;
    for (int c = 0; c < 4; ++c) gq[c] = 0.f;
    for (int c = 0; c < coeffs; ++c) gcol[c] = 0.f;
    return;
  }
  detail::project_gaussian_backward(cam, gs.color_mode, gs.means + 3 * i, gs.quats + 4 * i, gs.scales + 3 * i,
                                    gs.colors + coeffs * i, screen.mean2d + 2 * i, screen.conic + 3 * i,
                                    screen.depth[i], screen.rgb + 3 * i, gm, gq, gsc, gcol);
}

unsigned blocks_for(std::int64_t n, int block) { return static_cast<unsigned>((n + block - 1) / block); }

void require_views(const GaussiansView<float>& g) {
  if (g.count < 0 || g.count >= (1ll << 31)) throw std::invalid_argument("splat CUDA: Gaussian count out of range");
  if (g.count > 0 && (!g.means || !g.quats || !g.scales || !g.opacities || !g.colors))
    throw std::invalid_argument("splat CUDA: every Gaussian array (means, quats, scales, opacities, colors) is required");
}

}  // namespace

bool device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

ForwardState forward(const Camera& camera, const GaussiansView<float>& gaussians, const Settings& settings,
                     const float* background, const ImagesView<float>& out, const Allocator& allocate,
                     void* stream) {
  validate_camera(camera, settings);
  require_views(gaussians);
  if (!background || !out.color || !out.alpha || !out.depth)
    throw std::invalid_argument("splat CUDA: forward needs the background and all three output images");
  const auto cam = detail::make_camera_params<float>(camera, settings);
  const auto s = static_cast<cudaStream_t>(stream);
  const std::int64_t n = gaussians.count;
  const int num_tiles = cam.tiles_x * cam.tiles_y;
  const std::int64_t pixels = static_cast<std::int64_t>(camera.width) * camera.height;

  ForwardState state;
  state.num_gaussians = n;
  state.width = camera.width;
  state.height = camera.height;
  std::size_t bytes = 0;
  GeometryBuffer::carve(nullptr, n, bytes);
  state.geometry = allocate(bytes);
  const auto geo = GeometryBuffer::carve(state.geometry, n, bytes);
  ImageBuffer::carve(nullptr, num_tiles, pixels, bytes);
  state.image = allocate(bytes);
  const auto img = ImageBuffer::carve(state.image, num_tiles, pixels, bytes);

  unsigned long long total = 0;
  if (n > 0) {
    preprocess_kernel<<<blocks_for(n, 256), 256, 0, s>>>(cam, gaussians, geo);
    check(cudaGetLastError(), "preprocess kernel");
    std::size_t scan_bytes = geo.scan_temp_bytes;
    check(cub::DeviceScan::InclusiveSum(geo.scan_temp, scan_bytes, geo.tiles_touched, geo.tile_offsets,
                                        static_cast<int>(n), s),
          "tile count scan");
    check(cudaMemcpyAsync(&total, geo.tile_offsets + (n - 1), sizeof(total), cudaMemcpyDeviceToHost, s),
          "reading the intersection count");
    check(cudaStreamSynchronize(s), "preprocess");
  }
  if (total >= (1ull << 31))
    throw std::runtime_error("splat CUDA: " + std::to_string(total) +
                             " tile-Gaussian intersections exceed 2^31; render fewer or smaller Gaussians or "
                             "split the image");
  state.num_intersections = static_cast<std::int64_t>(total);
  const int key_bits = key_bits_for(num_tiles);
  BinningBuffer::carve(nullptr, state.num_intersections, key_bits, bytes);
  state.binning = allocate(bytes);
  const auto bin = BinningBuffer::carve(state.binning, state.num_intersections, key_bits, bytes);

  check(cudaMemsetAsync(img.tile_ranges, 0, sizeof(uint2) * num_tiles, s), "clearing tile ranges");
  if (total > 0) {
    emit_keys_kernel<<<blocks_for(n, 256), 256, 0, s>>>(n, cam.tiles_x, geo, bin);
    check(cudaGetLastError(), "key kernel");
    std::size_t sort_bytes = bin.sort_temp_bytes;
    check(cub::DeviceRadixSort::SortPairs(bin.sort_temp, sort_bytes, bin.keys_in, bin.keys, bin.ids_in, bin.ids,
                                          static_cast<int>(total), 0, key_bits, s),
          "depth sort");
    tile_ranges_kernel<<<blocks_for(state.num_intersections, 256), 256, 0, s>>>(state.num_intersections, bin.keys,
                                                                                 img.tile_ranges);
    check(cudaGetLastError(), "tile range kernel");
  }
  render_forward_kernel<<<dim3(cam.tiles_x, cam.tiles_y), kBlock, 0, s>>>(cam, background, geo,
                                                                                            bin, img, out);
  check(cudaGetLastError(), "forward render kernel");
  return state;
}

void backward(const Camera& camera, const GaussiansView<float>& gaussians, const Settings& settings,
              const float* background, const ForwardState& state, const ImageGradsView<float>& image_grads,
              const GaussianGradsView<float>& grads, const Allocator& allocate, void* stream) {
  validate_camera(camera, settings);
  require_views(gaussians);
  if (!background || !grads.means || !grads.quats || !grads.scales || !grads.opacities || !grads.colors ||
      !grads.background)
    throw std::invalid_argument("splat CUDA: backward needs the background and every gradient array");
  if (state.num_gaussians != gaussians.count || state.width != camera.width || state.height != camera.height ||
      !state.geometry || !state.image || !state.binning)
    throw std::invalid_argument("splat CUDA: backward state does not belong to these Gaussians and camera");
  const auto cam = detail::make_camera_params<float>(camera, settings);
  const auto s = static_cast<cudaStream_t>(stream);
  const std::int64_t n = gaussians.count;
  const int num_tiles = cam.tiles_x * cam.tiles_y;
  const std::int64_t pixels = static_cast<std::int64_t>(camera.width) * camera.height;
  std::size_t bytes = 0;
  const auto geo = GeometryBuffer::carve(state.geometry, n, bytes);
  const auto img = ImageBuffer::carve(state.image, num_tiles, pixels, bytes);
  const auto bin = BinningBuffer::carve(state.binning, state.num_intersections, key_bits_for(num_tiles), bytes);
  ScreenGradBuffer::carve(nullptr, n, bytes);
  void* screen_memory = allocate(bytes);
  const auto screen = ScreenGradBuffer::carve(screen_memory, n, bytes);

  check(cudaMemsetAsync(screen_memory, 0, bytes, s), "clearing gradients");
  if (n > 0) check(cudaMemsetAsync(grads.opacities, 0, sizeof(float) * n, s), "clearing gradients");
  check(cudaMemsetAsync(grads.background, 0, sizeof(float) * 3, s), "clearing gradients");
  render_backward_kernel<<<dim3(cam.tiles_x, cam.tiles_y), kBlock, 0, s>>>(
      cam, background, geo, bin, img, image_grads, screen, grads.opacities, grads.background);
  check(cudaGetLastError(), "backward render kernel");
  if (n > 0) {
    project_backward_kernel<<<blocks_for(n, 256), 256, 0, s>>>(cam, gaussians, geo, screen, grads);
    check(cudaGetLastError(), "projection backward kernel");
  }
}

}  // namespace being::splat::cuda
