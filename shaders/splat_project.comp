#version 450
// Pass 1, one invocation per Gaussian: project it to the screen (EWA: 2D covariance J R Sigma R^T J^T
// plus the anti-aliasing dilation), cull it, evaluate its colour from SH for the view direction and
// find the tiles its 3-sigma circle touches. Writes the depth sort's keys (camera z as float bits,
// CULLED_KEY when culled) and values (the Gaussian's index). Mirrors project_gaussian() and
// eval_color() in kernels/splat/include/being/splat/detail/gaussian_math.h.
#include "splat_common.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 1) readonly buffer Positions { float positions[]; };    // N*3
layout(std430, binding = 2) readonly buffer Rotations { float rotations[]; };    // N*4 (x, y, z, w)
layout(std430, binding = 3) readonly buffer LogScales { float log_scales[]; };   // N*3
layout(std430, binding = 4) readonly buffer Opacities { float opacities[]; };    // N
layout(std430, binding = 5) readonly buffer Sh { float sh[]; };                  // N*K*3
layout(std430, binding = 6) writeonly buffer Projected { vec4 projected[]; };    // N*3
layout(std430, binding = 7) writeonly buffer Rects { uvec4 rects[]; };           // N: tile min xy, max xy
layout(std430, binding = 8) writeonly buffer DepthKeys { uint depth_keys[]; };
layout(std430, binding = 9) writeonly buffer DepthIds { uint depth_ids[]; };

const float SH_C0 = 0.28209479177387814;
const float SH_C1 = 0.4886025119029199;

vec3 gaussian_color(uint i, vec3 mean) {
  const uint k = frame.counts.y;
  const uint base = i * k * 3u;
  vec3 raw = SH_C0 * vec3(sh[base], sh[base + 1u], sh[base + 2u]) + 0.5;
  if (k == 4u) {
    vec3 d = mean - frame.center.xyz;
    d *= 1.0 / sqrt(dot(d, d));
    const vec3 c1 = vec3(sh[base + 3u], sh[base + 4u], sh[base + 5u]);
    const vec3 c2 = vec3(sh[base + 6u], sh[base + 7u], sh[base + 8u]);
    const vec3 c3 = vec3(sh[base + 9u], sh[base + 10u], sh[base + 11u]);
    raw += SH_C1 * (-d.y * c1 + d.z * c2 - d.x * c3);
  }
  return max(raw, vec3(0.0));
}

// Returns false when the Gaussian cannot reach any pixel.
bool project(uint i) {
  const float opacity = opacities[i];
  if (!(opacity >= frame.alpha_limits.x)) return false;
  const vec3 mean = vec3(positions[3u * i], positions[3u * i + 1u], positions[3u * i + 2u]);
  const vec3 r0 = frame.rot_trans[0].xyz, r1 = frame.rot_trans[1].xyz, r2 = frame.rot_trans[2].xyz;
  const float px = dot(r0, mean) + frame.rot_trans[0].w;
  const float py = dot(r1, mean) + frame.rot_trans[1].w;
  const float pz = dot(r2, mean) + frame.rot_trans[2].w;
  if (!(pz > frame.planes.x && pz < frame.planes.y)) return false;

  // The asset stores (x, y, z, w); the reference's math is written for (w, x, y, z).
  const vec4 q_in = vec4(rotations[4u * i + 3u], rotations[4u * i], rotations[4u * i + 1u], rotations[4u * i + 2u]);
  const float qn = sqrt(dot(q_in, q_in));
  if (!(qn > 0.0)) return false;
  const vec4 q = q_in / qn;
  const float w = q.x, x = q.y, y = q.z, z = q.w;
  // Columns of the rotation matrix (GLSL matrices are column-major).
  const mat3 rq = mat3(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y),
                       2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x),
                       2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y));
  const vec3 scale = exp(vec3(log_scales[3u * i], log_scales[3u * i + 1u], log_scales[3u * i + 2u]));
  const mat3 m = mat3(rq[0] * scale.x, rq[1] * scale.y, rq[2] * scale.z);
  const mat3 sigma = m * transpose(m);

  const float inv_z = 1.0 / pz;
  const float tx = pz * clamp(px * inv_z, -frame.jacobian_limits.x, frame.jacobian_limits.y);
  const float ty = pz * clamp(py * inv_z, -frame.jacobian_limits.z, frame.jacobian_limits.w);
  const float fx = frame.focal.x, fy = frame.focal.y;
  const float j00 = fx * inv_z, j02 = -fx * tx * inv_z * inv_z;
  const float j11 = fy * inv_z, j12 = -fy * ty * inv_z * inv_z;
  const vec3 a0 = j00 * r0 + j02 * r2;
  const vec3 a1 = j11 * r1 + j12 * r2;
  const vec3 sa0 = sigma * a0, sa1 = sigma * a1;
  const float dilation = frame.planes.z;
  const float cov_a = dot(a0, sa0) + dilation;
  const float cov_b = dot(a1, sa0);
  const float cov_c = dot(a1, sa1) + dilation;
  const float det = cov_a * cov_c - cov_b * cov_b;
  if (!(det > 0.0)) return false;
  const float inv_det = 1.0 / det;
  const vec3 conic = vec3(cov_c * inv_det, -cov_b * inv_det, cov_a * inv_det);

  const vec2 mean2d = vec2(fx * px * inv_z + frame.focal.z, fy * py * inv_z + frame.focal.w);
  const float mid = 0.5 * (cov_a + cov_c);
  const float disc = mid * mid - det;
  const float lambda_max = mid + sqrt(max(disc, 0.0));
  const float radius = ceil(3.0 * sqrt(lambda_max));
  const vec2 tiles = vec2(frame.size.zw);
  const vec2 lo = clamp(floor((mean2d - radius) / float(TILE)), vec2(0.0), tiles);
  const vec2 hi = clamp(floor((mean2d + radius) / float(TILE)) + 1.0, vec2(0.0), tiles);
  const uvec4 rect = uvec4(uvec2(lo), uvec2(hi));
  if (rect.x >= rect.z || rect.y >= rect.w) return false;

  rects[i] = rect;
  projected[3u * i] = vec4(mean2d, conic.xy);
  projected[3u * i + 1u] = vec4(conic.z, opacity, pz, 0.0);
  projected[3u * i + 2u] = vec4(gaussian_color(i, mean), 0.0);
  depth_keys[i] = floatBitsToUint(pz);  // pz > near > 0: positive floats order like their bits
  return true;
}

void main() {
  const uint n = frame.counts.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += gl_NumWorkGroups.x * GROUP) {
    depth_ids[i] = i;
    if (!project(i)) {
      rects[i] = uvec4(0u);
      depth_keys[i] = CULLED_KEY;
    }
  }
}
