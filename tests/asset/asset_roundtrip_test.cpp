// Write -> read keeps every field bit for bit, in memory and through files; writing is atomic.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "being/asset/avatar.h"
#include "being_test.h"
#include "synthetic_avatar.h"

namespace being::asset {
namespace {

template <typename T>
void expect_bits(const std::vector<T>& a, const std::vector<T>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(T))) << what;
}

void expect_same_double(double a, double b, const char* what) {
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a)) << what << ": " << a << " vs " << b;
}

void expect_same(const Avatar& a, const Avatar& b) {
  expect_bits(a.gaussians.positions, b.gaussians.positions, "positions");
  expect_bits(a.gaussians.rotations, b.gaussians.rotations, "rotations");
  expect_bits(a.gaussians.log_scales, b.gaussians.log_scales, "log_scales");
  expect_bits(a.gaussians.opacities, b.gaussians.opacities, "opacities");
  EXPECT_EQ(a.gaussians.sh_degree, b.gaussians.sh_degree);
  expect_bits(a.gaussians.sh, b.gaussians.sh, "sh");

  expect_bits(a.binding.groups, b.binding.groups, "groups");
  expect_bits(a.binding.triangles, b.binding.triangles, "binding triangles");
  expect_bits(a.binding.barycentrics, b.binding.barycentrics, "barycentrics");
  expect_bits(a.binding.normal_offsets, b.binding.normal_offsets, "normal_offsets");
  expect_bits(a.binding.local_rotations, b.binding.local_rotations, "local_rotations");
  expect_bits(a.binding.local_log_scales, b.binding.local_log_scales, "local_log_scales");

  expect_bits(a.face.vertices, b.face.vertices, "vertices");
  expect_bits(a.face.triangles, b.face.triangles, "triangles");
  EXPECT_EQ(a.face.expression_names, b.face.expression_names);
  expect_bits(a.face.expression_basis, b.face.expression_basis, "expression_basis");

  ASSERT_EQ(a.networks.size(), b.networks.size());
  for (size_t i = 0; i < a.networks.size(); ++i) {
    const Network& x = a.networks[i];
    const Network& y = b.networks[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.input_dim, y.input_dim);
    EXPECT_EQ(x.output_dim, y.output_dim);
    ASSERT_EQ(x.layers.size(), y.layers.size());
    for (size_t l = 0; l < x.layers.size(); ++l) {
      const Layer& p = x.layers[l];
      const Layer& q = y.layers[l];
      EXPECT_EQ(p.type, q.type) << x.name << " layer " << l;
      EXPECT_EQ(std::vector<int64_t>({p.in, p.out, p.kernel, p.stride, p.dilation, p.padding,
                                      p.dim, p.heads}),
                std::vector<int64_t>({q.in, q.out, q.kernel, q.stride, q.dilation, q.padding,
                                      q.dim, q.heads}))
          << x.name << " layer " << l;
    }
    ASSERT_EQ(x.tensors.size(), y.tensors.size());
    for (size_t t = 0; t < x.tensors.size(); ++t) {
      EXPECT_EQ(x.tensors[t].name, y.tensors[t].name);
      EXPECT_EQ(x.tensors[t].dtype, y.tensors[t].dtype);
      EXPECT_EQ(x.tensors[t].shape, y.tensors[t].shape);
      expect_bits(x.tensors[t].data, y.tensors[t].data, "tensor data");
    }
  }

  EXPECT_EQ(a.audio.sample_rate, b.audio.sample_rate);
  EXPECT_EQ(a.audio.mel_bins, b.audio.mel_bins);
  EXPECT_EQ(a.audio.window, b.audio.window);
  EXPECT_EQ(a.audio.hop, b.audio.hop);
  expect_same_double(a.audio.fmin, b.audio.fmin, "fmin");
  expect_same_double(a.audio.fmax, b.audio.fmax, "fmax");
  EXPECT_EQ(a.audio.normalisation, b.audio.normalisation);
  expect_same_double(a.audio.video_fps, b.audio.video_fps, "video_fps");
  EXPECT_EQ(a.audio.context_before, b.audio.context_before);
  EXPECT_EQ(a.audio.context_after, b.audio.context_after);
  expect_bits(a.audio.mel_mean, b.audio.mel_mean, "mel_mean");
  expect_bits(a.audio.mel_std, b.audio.mel_std, "mel_std");

  expect_same_double(a.camera.fx, b.camera.fx, "fx");
  expect_same_double(a.camera.fy, b.camera.fy, "fy");
  expect_same_double(a.camera.cx, b.camera.cx, "cx");
  expect_same_double(a.camera.cy, b.camera.cy, "cy");
  EXPECT_EQ(a.camera.width, b.camera.width);
  EXPECT_EQ(a.camera.height, b.camera.height);

  expect_same_double(a.idle.fps, b.idle.fps, "idle fps");
  expect_bits(a.idle.rotations, b.idle.rotations, "idle rotations");
  expect_bits(a.idle.translations, b.idle.translations, "idle translations");
  ASSERT_EQ(a.idle.plates.size(), b.idle.plates.size());
  for (size_t i = 0; i < a.idle.plates.size(); ++i) {
    EXPECT_EQ(a.idle.plates[i].format, b.idle.plates[i].format);
    expect_bits(a.idle.plates[i].bytes, b.idle.plates[i].bytes, "plate bytes");
  }

  const Tuning& s = a.tuning;
  const Tuning& t = b.tuning;
  expect_bits(s.expression_weights, t.expression_weights, "expression_weights");
  expect_same_double(s.expression_gain, t.expression_gain, "expression_gain");
  expect_same_double(s.smoothing, t.smoothing, "smoothing");
  EXPECT_EQ(s.look_ahead_frames, t.look_ahead_frames);
  EXPECT_EQ(s.plate_gain, t.plate_gain);
  EXPECT_EQ(s.plate_offset, t.plate_offset);
  EXPECT_EQ(s.plate_saturation, t.plate_saturation);
  EXPECT_EQ(s.idle_first, t.idle_first);
  EXPECT_EQ(s.idle_count, t.idle_count);
}

struct Case {
  const char* name;
  test::SyntheticShape shape;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, MemoryKeepsEveryBit) {
  const Avatar original = test::make_synthetic_avatar(7, GetParam().shape);
  const std::vector<uint8_t> bytes = write_avatar_to_memory(original);
  const Avatar back = read_avatar_from_memory(bytes.data(), bytes.size());
  expect_same(original, back);
  // Writing what was read gives the same file: nothing is reordered or re-encoded.
  EXPECT_EQ(bytes, write_avatar_to_memory(back));
}

TEST_P(RoundTrip, FileKeepsEveryBit) {
  const auto dir = being::test::scratch_dir(std::string("asset_roundtrip_") + GetParam().name);
  const Avatar original = test::make_synthetic_avatar(11, GetParam().shape);
  write_avatar(original, dir / "me.avatar");
  expect_same(original, read_avatar(dir / "me.avatar"));
  // Only the avatar remains: the temporary file was renamed, not left behind.
  EXPECT_EQ(1, std::distance(std::filesystem::directory_iterator(dir),
                             std::filesystem::directory_iterator()));
}

test::SyntheticShape shape_with(void (*change)(test::SyntheticShape&)) {
  test::SyntheticShape s;
  change(s);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, RoundTrip,
    ::testing::Values(
        Case{"default", {}},
        Case{"sh0_float32_jpeg", shape_with([](test::SyntheticShape& s) {
               s.sh_degree = 0;
               s.float16 = false;
               s.jpeg = true;
             })},
        Case{"no_expressions_no_plates", shape_with([](test::SyntheticShape& s) {
               s.expressions = 0;
               s.plates = false;
               s.frames = 1;
             })},
        Case{"larger", shape_with([](test::SyntheticShape& s) {
               s.gaussians = 5000;
               s.vertices = 468;
               s.triangles = 898;
               s.expressions = 84;
               s.mel_bins = 80;
               s.frames = 10;
             })}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Tuning (what being-editor saves) survives the round trip; an untuned avatar's file has no tuning.
TEST(AssetTuning, KeepsEveryBit) {
  Avatar tuned = test::make_synthetic_avatar(13);
  EXPECT_TRUE(tuned.tuning.is_default());
  const std::vector<uint8_t> untuned = write_avatar_to_memory(tuned);
  test::GlbParts parts = test::split_glb(untuned);
  EXPECT_FALSE(test::avatar_extension(parts).contains("tuning"));

  Tuning& t = tuned.tuning;
  t.expression_weights.assign(tuned.face.expression_dim(), 1.0f);
  t.expression_weights[1] = 2.5f;
  t.expression_gain = 1.25;
  t.smoothing = 0.04;
  t.look_ahead_frames = 2;
  t.plate_gain = {1.1f, 0.9f, 1.0f};
  t.plate_offset = {0.02f, 0.0f, -0.03f};
  t.plate_saturation = 0.8f;
  t.idle_first = 1;
  t.idle_count = 2;
  const std::vector<uint8_t> bytes = write_avatar_to_memory(tuned);
  const Avatar back = read_avatar_from_memory(bytes.data(), bytes.size());
  EXPECT_FALSE(back.tuning.is_default());
  expect_same(tuned, back);
  EXPECT_EQ(bytes, write_avatar_to_memory(back));
  EXPECT_NE(describe(back).find("tuning: expression gain 1.25"), std::string::npos) << describe(back);
}

TEST(AssetTuning, ValidatedOnWrite) {
  Avatar a = test::make_synthetic_avatar(17);
  a.tuning.expression_weights.assign(a.face.expression_dim() + 1, 1.0f);
  EXPECT_THROW(write_avatar_to_memory(a), AssetError);
  a.tuning.expression_weights.assign(a.face.expression_dim(), 1.0f);
  a.tuning.expression_weights[0] = std::nanf("");
  EXPECT_THROW(write_avatar_to_memory(a), AssetError);
  a.tuning.expression_weights.clear();
  a.tuning.look_ahead_frames = a.audio.context_after + 1;
  EXPECT_THROW(write_avatar_to_memory(a), AssetError);
  a.tuning.look_ahead_frames = -1;
  a.tuning.idle_first = int(a.idle.frame_count());
  EXPECT_THROW(write_avatar_to_memory(a), AssetError);
}

// What a generic glTF viewer with KHR_gaussian_splatting looks at: the scene shows one point
// primitive with the extension's attribute names.
TEST(AssetWrite, GaussiansFollowKhrGaussianSplatting) {
  const test::GlbParts parts =
      test::split_glb(write_avatar_to_memory(test::make_synthetic_avatar(4)));
  const nlohmann::json& doc = parts.doc;
  EXPECT_EQ(doc["asset"]["version"], "2.0");
  EXPECT_EQ(doc["extensionsUsed"], nlohmann::json({"KHR_gaussian_splatting", "BEING_avatar"}));
  EXPECT_EQ(doc["scenes"][0]["nodes"], nlohmann::json({0}));
  const nlohmann::json& primitive = doc["meshes"][doc["nodes"][0]["mesh"].get<size_t>()]
                                       ["primitives"][0];
  EXPECT_EQ(primitive["mode"], 0);
  EXPECT_EQ(primitive["extensions"]["KHR_gaussian_splatting"]["kernel"], "ellipse");
  EXPECT_EQ(primitive["extensions"]["KHR_gaussian_splatting"]["colorSpace"], "srgb_rec709_display");
  for (const char* name :
       {"POSITION", "KHR_gaussian_splatting:ROTATION", "KHR_gaussian_splatting:SCALE",
        "KHR_gaussian_splatting:OPACITY", "KHR_gaussian_splatting:SH_DEGREE_0_COEF_0",
        "KHR_gaussian_splatting:SH_DEGREE_1_COEF_0", "KHR_gaussian_splatting:SH_DEGREE_1_COEF_1",
        "KHR_gaussian_splatting:SH_DEGREE_1_COEF_2"}) {
    ASSERT_TRUE(primitive["attributes"].contains(name)) << name;
    const nlohmann::json& accessor = doc["accessors"][primitive["attributes"][name].get<size_t>()];
    EXPECT_EQ(accessor["componentType"], 5126) << name;
    EXPECT_EQ(accessor["count"], 40) << name;
  }
  const nlohmann::json& position = doc["accessors"][primitive["attributes"]["POSITION"].get<size_t>()];
  EXPECT_EQ(position["min"].size(), 3u);
  EXPECT_EQ(position["max"].size(), 3u);
}

TEST(AssetWrite, InvalidAvatarLeavesNoFileAndKeepsTheOldOne) {
  const auto dir = being::test::scratch_dir("asset_write_invalid");
  const auto path = dir / "me.avatar";
  write_avatar(test::make_synthetic_avatar(1), path);
  const auto size_before = std::filesystem::file_size(path);
  Avatar bad = test::make_synthetic_avatar(2);
  bad.gaussians.opacities[3] = 2.0f;
  try {
    write_avatar(bad, path);
    FAIL() << "an opacity of 2 was written";
  } catch (const AssetError& e) {
    EXPECT_NE(std::string(e.what()).find("gaussians.opacity[3]: 2 outside [0, 1]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(size_before, std::filesystem::file_size(path));
  EXPECT_EQ(1, std::distance(std::filesystem::directory_iterator(dir),
                             std::filesystem::directory_iterator()));
}

TEST(AssetWrite, MissingDirectoryIsAnErrorNamingThePath) {
  const auto dir = being::test::scratch_dir("asset_write_nodir");
  try {
    write_avatar(test::make_synthetic_avatar(1), dir / "absent" / "me.avatar");
    FAIL() << "wrote into a missing directory";
  } catch (const AssetError& e) {
    EXPECT_NE(std::string(e.what()).find("absent/me.avatar"), std::string::npos) << e.what();
  }
}

TEST(AssetDescribe, SummarisesCountsNetworksAudioAndIdleLoop) {
  const std::string text = describe(test::make_synthetic_avatar(3));
  EXPECT_NE(text.find("gaussians: 40"), std::string::npos) << text;
  EXPECT_NE(text.find("12 vertices, 10 triangles, expression dimension 4"), std::string::npos)
      << text;
  EXPECT_NE(text.find("network audio_encoder: 16 -> 4"), std::string::npos) << text;
  EXPECT_NE(text.find("network deformation: 4 -> 3"), std::string::npos) << text;
  EXPECT_NE(text.find("audio: 16000 Hz, 16 mel bins"), std::string::npos) << text;
  EXPECT_NE(text.find("idle loop: 3 frames at 25 fps, 3 plates"), std::string::npos) << text;
}

TEST(AssetTensors, Float16ValuesWiden) {
  Tensor t{"t", DType::float16, {4}, {0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B}};
  const std::vector<float> v = tensor_values(t);
  ASSERT_EQ(4u, v.size());
  EXPECT_EQ(1.0f, v[0]);
  EXPECT_EQ(-2.0f, v[1]);
  EXPECT_EQ(5.9604644775390625e-8f, v[2]);  // smallest subnormal
  EXPECT_EQ(65504.0f, v[3]);                 // largest finite
}

}  // namespace
}  // namespace being::asset
