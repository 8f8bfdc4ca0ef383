// Shared by the Gaussian splatting passes (runtime/render/src/splat_renderer.cpp drives them).
// The math follows kernels/splat/include/being/splat/detail/gaussian_math.h line by line, so that
// the runtime render matches the trainer's rasterizer; the constants (3-sigma cut-off, alpha
// limits, ...) come from kernels/splat/include/being/splat/types.h through the frame parameters.

const uint GROUP = 256;          // invocations per workgroup in every 1D pass
const uint TILE = 16;            // being::splat::kTileSize
const uint SCAN_ITEMS = 4;       // counts per invocation in the local scan
const uint SCAN_BLOCK = GROUP * SCAN_ITEMS;
const uint CULLED_KEY = 0xffffffffu;

const uint BACKGROUND_SOLID = 0u;
const uint BACKGROUND_TRANSPARENT = 1u;
const uint BACKGROUND_PLATE = 2u;

// Mirrors FrameParams in splat_renderer.cpp (std430: vec4 members, no padding).
struct FrameParams {
  vec4 rot_trans[3];      // rows of the world-to-camera rotation; w: the translation
  vec4 center;            // camera centre in world space (xyz)
  vec4 focal;             // fx, fy, cx, cy
  vec4 jacobian_limits;   // lim_x_neg, lim_x_pos, lim_y_neg, lim_y_pos
  vec4 planes;            // near, far, dilation, max power (4.5)
  vec4 alpha_limits;      // min alpha (1/255), max alpha (0.99), min transmittance (1e-4)
  vec4 background;        // rgb of the solid background
  uvec4 size;             // width, height, tiles_x, tiles_y
  uvec4 counts;           // Gaussians, SH coefficients per channel (1 or 4), background mode, write depth
};

// Every pass reads the frame parameters at binding 0.
layout(std430, binding = 0) readonly buffer FrameParamsBuffer { FrameParams frame; };

uint tile_count() { return frame.size.z * frame.size.w; }
