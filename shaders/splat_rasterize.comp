#version 450
// Pass 5, one workgroup per 16x16 tile, one invocation per pixel: composite the tile's Gaussians
// front to back (3-sigma cut-off, alpha capped at 0.99, contributions under 1/255 skipped, stop
// before the transmittance would fall under 1e-4), then put the result over the background.
// Gaussians are staged through shared memory in batches of 256; the tile stops once every pixel
// is done. Mirrors the pixel loop of forward_cpu() (kernels/splat/src/rasterizer_cpu.cpp).
#include "splat_common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 1) readonly buffer Ranges { uvec2 ranges[]; };
layout(std430, binding = 2) readonly buffer TileValues { uint tile_values[]; };
layout(std430, binding = 3) readonly buffer Projected { vec4 projected[]; };
layout(std430, binding = 4) readonly buffer Plate { uint plate[]; };  // RGBA8 per pixel
layout(std430, binding = 5) writeonly buffer Image { vec4 image[]; };  // premultiplied RGBA
layout(std430, binding = 6) writeonly buffer Depth { float depth_image[]; };

shared vec4 s_mean_conic[GROUP];     // mean2d, conic a, conic b
shared vec4 s_conic_opacity[GROUP];  // conic c, opacity, depth
shared vec3 s_rgb[GROUP];
shared uint s_done;

void main() {
  const uint local = gl_LocalInvocationIndex;
  const uint tiles = tile_count();
  for (uint tile = gl_WorkGroupID.x; tile < tiles; tile += gl_NumWorkGroups.x) {
    const uvec2 pixel = uvec2(tile % frame.size.z, tile / frame.size.z) * TILE + gl_LocalInvocationID.xy;
    const bool inside = pixel.x < frame.size.x && pixel.y < frame.size.y;
    const vec2 centre = vec2(pixel) + 0.5;
    const uvec2 range = ranges[tile];

    if (local == 0u) s_done = 0u;
    barrier();
    bool done = !inside;
    if (done) atomicAdd(s_done, 1u);

    float transmittance = 1.0;
    vec3 color = vec3(0.0);
    float depth = 0.0;
    for (uint start = range.x; start < range.y; start += GROUP) {
      if (start + local < range.y) {
        const uint id = tile_values[start + local];
        s_mean_conic[local] = projected[3u * id];
        s_conic_opacity[local] = projected[3u * id + 1u];
        s_rgb[local] = projected[3u * id + 2u].xyz;
      }
      barrier();
      const uint batch = min(GROUP, range.y - start);
      for (uint k = 0u; k < batch && !done; ++k) {
        const vec4 mc = s_mean_conic[k];
        const vec4 co = s_conic_opacity[k];
        const vec2 d = mc.xy - centre;
        const float power = 0.5 * (mc.z * d.x * d.x + co.x * d.y * d.y) + mc.w * d.x * d.y;
        if (!(power <= frame.planes.w)) continue;
        const float alpha = min(co.y * exp(-power), frame.alpha_limits.y);
        if (alpha < frame.alpha_limits.x) continue;
        const float next = transmittance * (1.0 - alpha);
        if (next < frame.alpha_limits.z) {
          done = true;
          atomicAdd(s_done, 1u);
          break;
        }
        const float weight = alpha * transmittance;
        color += s_rgb[k] * weight;
        depth += co.z * weight;
        transmittance = next;
      }
      barrier();  // the batch is consumed, and s_done is final for this batch
      if (s_done == GROUP) break;
    }

    if (inside) {
      const uint p = pixel.y * frame.size.x + pixel.x;
      const uint mode = frame.counts.z;
      vec4 out_color = vec4(color, 1.0);
      if (mode == BACKGROUND_SOLID) {
        out_color.rgb += transmittance * frame.background.rgb;
      } else if (mode == BACKGROUND_PLATE) {
        out_color.rgb += transmittance * unpackUnorm4x8(plate[p]).rgb;
      } else {
        out_color.a = 1.0 - transmittance;
      }
      image[p] = out_color;
      if (frame.counts.w != 0u) depth_image[p] = depth;
    }
    barrier();  // s_done and the staging arrays are reused by the next tile
  }
}
