#include "being/deform/deform_cuda.h"

#include "being/animate/deform.h"
#include "synthetic_avatar.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being;

namespace {

void expect_close(const std::vector<float>& gpu, const std::vector<float>& cpu, const char* what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  double worst = 0;
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    const double error = std::abs(double(gpu[i]) - cpu[i]);
    worst = std::max(worst, error);
    ASSERT_LE(error, 1e-5 * (1.0 + std::abs(cpu[i]))) << what << "[" << i << "]: " << gpu[i] << " vs " << cpu[i];
  }
  std::printf("%s: max |CUDA - CPU| = %.3g\n", what, worst);
}

// Several random expression codes (and zero) through both deformers.
void expect_same_as_cpu(const asset::Avatar& avatar, unsigned seed) {
  deform::cuda::Deformer gpu(avatar);
  animate::Deformer cpu(avatar);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int trial = 0; trial < 4; ++trial) {
    std::vector<float> code(avatar.face.expression_dim(), 0.0f);
    if (trial > 0)
      for (auto& c : code) c = u(rng);
    animate::GaussianGeometry expected;
    cpu.apply(code.data(), expected);
    gpu.apply(code.data());
    std::vector<float> positions, rotations, log_scales;
    gpu.download(positions, rotations, log_scales);
    expect_close(positions, expected.positions, "positions");
    expect_close(rotations, expected.rotations, "rotations");
    expect_close(log_scales, expected.log_scales, "log_scales");
  }
}

}  // namespace

TEST(DeformCuda, MatchesTheCpuOnTheTestAvatar) {
  if (!deform::cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_same_as_cpu(asset::read_avatar(BEING_TEST_AVATAR), 1);
}

// Random bindings over every group (face, head-rigid, mouth interior) and many expressions.
TEST(DeformCuda, MatchesTheCpuOnRandomAvatars) {
  if (!deform::cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  for (uint32_t seed : {3u, 4u}) {
    asset::test::SyntheticShape shape;
    shape.gaussians = 5000;
    shape.vertices = 468;
    shape.triangles = 898;
    shape.expressions = 84;
    expect_same_as_cpu(asset::test::make_synthetic_avatar(seed, shape), seed);
  }
}
