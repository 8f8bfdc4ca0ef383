#version 450
// The C API's 8-bit image targets (runtime/capi): the renderer's premultiplied RGBA float pixels
// packed into one uint each, bytes in memory order R, G, B, A (or B, G, R, A when `bgra` is set),
// each channel clamp(v, 0, 1) * 255 rounded half up, as `being render`'s frames round (GLSL's
// round() may go either way at .5). A buffer-to-image copy then fills an R8G8B8A8 or B8G8R8A8 image
// without needing storage-image support on it.
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Pixels { vec4 pixels[]; };
layout(std430, binding = 1) writeonly buffer Packed { uint packed_pixels[]; };

layout(push_constant) uniform Params {
  uint count;
  uint bgra;
} params;

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i >= params.count) return;
  vec4 p = pixels[i];
  if (params.bgra != 0u) p = p.bgra;
  const uvec4 b = uvec4(clamp(p, 0.0, 1.0) * 255.0 + 0.5);
  packed_pixels[i] = b.x | (b.y << 8) | (b.z << 16) | (b.w << 24);
}
