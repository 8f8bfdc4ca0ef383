#version 450
// out[i] = scale * in[i] + offset for i < count: exercises ComputePipeline's storage buffers and
// push constants, and being_add_shaders() on a second target.
layout(local_size_x = 64) in;

layout(push_constant) uniform Params {
  uint count;
  uint scale;
  uint offset;
} params;

layout(std430, binding = 0) readonly buffer Input { uint input_values[]; };
layout(std430, binding = 1) writeonly buffer Output { uint output_values[]; };

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i < params.count) output_values[i] = params.scale * input_values[i] + params.offset;
}
