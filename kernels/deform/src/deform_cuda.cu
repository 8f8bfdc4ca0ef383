#include "being/deform/binding_math.h"
#include "being/deform/deform_cuda.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace being::deform::cuda {
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string("CUDA deformation: ") + what + ": " + cudaGetErrorString(status));
}

template <typename T>
struct DeviceArray {
  T* data = nullptr;
  std::size_t size = 0;
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { cudaFree(data); }
  void allocate(std::size_t n) {
    size = n;
    if (n) check(cudaMalloc(&data, n * sizeof(T)), "cudaMalloc");
  }
  void upload(const std::vector<T>& host) {
    allocate(host.size());
    if (size) check(cudaMemcpy(data, host.data(), size * sizeof(T), cudaMemcpyHostToDevice), "upload");
  }
};

// vertices = neutral + sum_k code_k * basis_k, one thread per vertex coordinate, terms added in
// k order as the CPU does.
__global__ void deform_mesh_kernel(const float* neutral, const float* basis, const float* code, unsigned expressions,
                                   unsigned values, float* vertices) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= values) return;
  float v = neutral[i];
  for (unsigned k = 0; k < expressions; ++k) {
    const float c = code[k];
    if (c != 0.0f) v = __fadd_rn(v, __fmul_rn(c, basis[static_cast<std::size_t>(k) * values + i]));
  }
  vertices[i] = v;
}

__global__ void bind_kernel(const float* vertices, const std::uint32_t* triangles, const std::uint32_t* binding_triangles,
                            const float* barycentrics, const float* normal_offsets, const float* local_rotations,
                            const float* local_log_scales, const float* rigid_positions, const float* rigid_rotations,
                            const float* rigid_log_scales, unsigned count, float* positions, float* rotations,
                            float* log_scales) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const std::uint32_t t = binding_triangles[i];
  if (t == asset::kNoTriangle) {
    for (int c = 0; c < 3; ++c) positions[i * 3 + c] = rigid_positions[i * 3 + c];
    for (int c = 0; c < 4; ++c) rotations[i * 4 + c] = rigid_rotations[i * 4 + c];
    for (int c = 0; c < 3; ++c) log_scales[i * 3 + c] = rigid_log_scales[i * 3 + c];
    return;
  }
  auto vertex = [&](std::uint32_t v) { return Vec3{vertices[v * 3], vertices[v * 3 + 1], vertices[v * 3 + 2]}; };
  bind_to_triangle(vertex(triangles[t * 3]), vertex(triangles[t * 3 + 1]), vertex(triangles[t * 3 + 2]),
                   &barycentrics[i * 3], normal_offsets[i], &local_rotations[i * 4], &local_log_scales[i * 3],
                   &positions[i * 3], &rotations[i * 4], &log_scales[i * 3]);
}

unsigned blocks(std::size_t n, unsigned threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace

bool device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

struct Deformer::Impl {
  unsigned expressions = 0, values = 0, count = 0;
  DeviceArray<float> neutral, basis, code, vertices;
  DeviceArray<std::uint32_t> triangles, binding_triangles;
  DeviceArray<float> barycentrics, normal_offsets, local_rotations, local_log_scales;
  DeviceArray<float> rigid_positions, rigid_rotations, rigid_log_scales;
  DeviceArray<float> positions, rotations, log_scales;
};

Deformer::Deformer(const asset::Avatar& avatar) : impl_(std::make_unique<Impl>()) {
  if (!device_available()) throw std::runtime_error("CUDA deformation: no CUDA device");
  Impl& m = *impl_;
  m.expressions = static_cast<unsigned>(avatar.face.expression_dim());
  m.values = static_cast<unsigned>(avatar.face.vertices.size());
  m.count = static_cast<unsigned>(avatar.gaussians.count());
  m.neutral.upload(avatar.face.vertices);
  m.basis.upload(avatar.face.expression_basis);
  m.code.allocate(m.expressions);
  m.vertices.allocate(m.values);
  m.triangles.upload(avatar.face.triangles);
  m.binding_triangles.upload(avatar.binding.triangles);
  m.barycentrics.upload(avatar.binding.barycentrics);
  m.normal_offsets.upload(avatar.binding.normal_offsets);
  m.local_rotations.upload(avatar.binding.local_rotations);
  m.local_log_scales.upload(avatar.binding.local_log_scales);
  m.rigid_positions.upload(avatar.gaussians.positions);
  m.rigid_rotations.upload(avatar.gaussians.rotations);
  m.rigid_log_scales.upload(avatar.gaussians.log_scales);
  m.positions.allocate(static_cast<std::size_t>(m.count) * 3);
  m.rotations.allocate(static_cast<std::size_t>(m.count) * 4);
  m.log_scales.allocate(static_cast<std::size_t>(m.count) * 3);
}

Deformer::~Deformer() = default;

void Deformer::apply(const float* code) {
  Impl& m = *impl_;
  apply(code, DeviceGeometry{m.positions.data, m.rotations.data, m.log_scales.data});
}

void Deformer::apply(const float* code, const DeviceGeometry& out) {
  Impl& m = *impl_;
  if (m.count && (!out.positions || !out.rotations || !out.log_scales))
    throw std::invalid_argument("CUDA deformation: apply needs device pointers for positions, rotations and log-scales");
  if (m.expressions) check(cudaMemcpy(m.code.data, code, m.expressions * sizeof(float), cudaMemcpyHostToDevice), "code upload");
  constexpr unsigned kThreads = 256;
  if (m.values) deform_mesh_kernel<<<blocks(m.values, kThreads), kThreads>>>(m.neutral.data, m.basis.data, m.code.data, m.expressions, m.values, m.vertices.data);
  check(cudaGetLastError(), "mesh kernel");
  if (m.count)
    bind_kernel<<<blocks(m.count, kThreads), kThreads>>>(
        m.vertices.data, m.triangles.data, m.binding_triangles.data, m.barycentrics.data, m.normal_offsets.data,
        m.local_rotations.data, m.local_log_scales.data, m.rigid_positions.data, m.rigid_rotations.data,
        m.rigid_log_scales.data, m.count, out.positions, out.rotations, out.log_scales);
  check(cudaGetLastError(), "binding kernel");
}

const float* Deformer::device_positions() const { return impl_->positions.data; }
const float* Deformer::device_rotations() const { return impl_->rotations.data; }
const float* Deformer::device_log_scales() const { return impl_->log_scales.data; }
std::uint32_t Deformer::gaussian_count() const { return impl_->count; }

void Deformer::download(std::vector<float>& positions, std::vector<float>& rotations, std::vector<float>& log_scales) const {
  const Impl& m = *impl_;
  positions.resize(m.positions.size);
  rotations.resize(m.rotations.size);
  log_scales.resize(m.log_scales.size);
  check(cudaMemcpy(positions.data(), m.positions.data, positions.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
  check(cudaMemcpy(rotations.data(), m.rotations.data, rotations.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
  check(cudaMemcpy(log_scales.data(), m.log_scales.data, log_scales.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
}

}  // namespace being::deform::cuda
