// A corpus of broken files, each rejected with a message naming the problem (never a crash).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>

#include "being/asset/avatar.h"
#include "synthetic_avatar.h"

namespace being::asset {
namespace {

using Bytes = std::vector<uint8_t>;
using nlohmann::json;

const Avatar& valid_avatar() {
  static const Avatar avatar = test::make_synthetic_avatar(5);
  return avatar;
}

const Bytes& valid_file() {
  static const Bytes bytes = write_avatar_to_memory(valid_avatar());
  return bytes;
}

Bytes edit(const std::function<void(test::GlbParts&)>& change) {
  test::GlbParts parts = test::split_glb(valid_file());
  change(parts);
  return test::join_glb(parts);
}

// The first Gaussian bound to a triangle (not head-rigid).
size_t first_bound_gaussian() {
  const auto& groups = valid_avatar().binding.groups;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i] != uint8_t(GaussianGroup::head_rigid)) return i;
  }
  throw std::logic_error("synthetic avatar has no bound Gaussian");
}

json& network(test::GlbParts& p, const std::string& name) {
  for (json& n : test::avatar_extension(p)["networks"]) {
    if (n["name"] == name) return n;
  }
  throw std::logic_error("no network " + name);
}

uint8_t* tensor_data(test::GlbParts& p, const std::string& net, const std::string& tensor) {
  for (json& t : network(p, net)["tensors"]) {
    if (t["name"] == tensor) {
      return p.bin.data() + p.doc["bufferViews"][t["bufferView"].get<size_t>()]["byteOffset"]
                                .get<size_t>();
    }
  }
  throw std::logic_error("no tensor " + tensor);
}

int gaussian_attribute(test::GlbParts& p, const char* name) {
  return p.doc["meshes"][0]["primitives"][0]["attributes"][name].get<int>();
}

void put_float(uint8_t* at, float value) { std::memcpy(at, &value, 4); }

struct Case {
  const char* name;
  std::function<Bytes()> make;
  std::string expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Malformed : public ::testing::TestWithParam<Case> {};

TEST_P(Malformed, IsRejectedWithASpecificMessage) {
  const Bytes bytes = GetParam().make();
  try {
    read_avatar_from_memory(bytes.data(), bytes.size());
    FAIL() << "accepted; expected: " << GetParam().expected;
  } catch (const AssetError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().expected), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << GetParam().expected;
  }
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();

const Case kCases[] = {
    {"empty_file", [] { return Bytes(); }, "file is 0 bytes"},
    {"random_file",
     [] {
       std::mt19937 rng(1);
       Bytes b(4096);
       for (auto& x : b) x = uint8_t(rng());
       return b;
     },
     "not a GLB file (magic "},
    {"wrong_magic",
     [] {
       Bytes b = valid_file();
       b[0] = 'x';
       return b;
     },
     "not a GLB file (magic \"xlTF\", expected \"glTF\")"},
    {"truncated_header", [] { return Bytes(valid_file().begin(), valid_file().begin() + 10); },
     "truncated: 10 bytes, GLB header needs 20"},
    {"truncated_half",
     [] { return Bytes(valid_file().begin(), valid_file().begin() + valid_file().size() / 2); },
     "truncated: GLB header says"},
    {"trailing_data",
     [] {
       Bytes b = valid_file();
       b.push_back(0);
       return b;
     },
     "(trailing data)"},
    {"glb_container_version",
     [] {
       Bytes b = valid_file();
       b[4] = 1;
       return b;
     },
     "GLB container version 1 (expected 2)"},
    {"format_version_2",
     [] { return edit([](test::GlbParts& p) { test::avatar_extension(p)["version"] = 2; }); },
     "extensions.BEING_avatar.version: format version 2 not supported (this build reads 1)"},
    {"not_an_avatar",
     [] { return edit([](test::GlbParts& p) { p.doc["extensions"].erase("BEING_avatar"); }); },
     "extensions.BEING_avatar: missing"},
    {"invalid_json",
     [] {
       Bytes b = valid_file();
       b[20] = '[';
       return b;
     },
     "glTF: "},
    {"json_nested_too_deep",
     [] {
       return edit([](test::GlbParts& p) {
         json deep = json::array();
         for (int i = 0; i < 100; ++i) deep = json::array({deep});
         p.doc["extras"] = deep;
       });
     },
     "JSON nested deeper than 64 levels"},
    {"count_overflows",
     [] {
       return edit([](test::GlbParts& p) {
         p.doc["accessors"][gaussian_attribute(p, "POSITION")]["count"] = uint64_t(1) << 62;
       });
     },
     "gaussians.position (accessor 0) count * stride: 4611686018427387903 * 12 overflows"},
    {"count_past_buffer_view",
     [] {
       return edit([](test::GlbParts& p) {
         p.doc["accessors"][gaussian_attribute(p, "POSITION")]["count"] = 1000000;
       });
     },
     "1000000 elements need 12000000 bytes at offset 0 but the buffer view has 480"},
    {"buffer_view_past_buffer",
     [] {
       return edit([](test::GlbParts& p) {
         p.doc["bufferViews"][0]["byteOffset"] = uint64_t(0xFFFFFFFFFFFFFFF0ull);
       });
     },
     "overflows"},
    {"binding_count_mismatch",
     [] {
       return edit([](test::GlbParts& p) {
         p.doc["accessors"][test::avatar_extension(p)["binding"]["group"].get<int>()]["count"] = 39;
       });
     },
     "39 elements, expected 40 (one per Gaussian)"},
    {"accessor_index_out_of_range",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["binding"]["group"] = 999; });
     },
     "binding.group: accessor 999 does not exist"},
    {"binding_triangle_out_of_range",
     [] {
       return edit([](test::GlbParts& p) {
         const uint32_t bad = 912;
         const int accessor = test::avatar_extension(p)["binding"]["triangle"].get<int>();
         std::memcpy(test::accessor_data(p, accessor) + 4 * first_bound_gaussian(), &bad, 4);
       });
     },
     "binding.triangle[" + std::to_string(first_bound_gaussian()) + "]: 912 >= triangle count 10"},
    {"face_index_out_of_range",
     [] {
       return edit([](test::GlbParts& p) {
         const uint32_t bad = 99;
         const int accessor = p.doc["meshes"][1]["primitives"][0]["indices"].get<int>();
         std::memcpy(test::accessor_data(p, accessor) + 4, &bad, 4);
       });
     },
     "face.triangles[0][1]: 99 >= vertex count 12"},
    {"opacity_nan",
     [] {
       return edit([](test::GlbParts& p) {
         put_float(test::accessor_data(p, gaussian_attribute(p, "KHR_gaussian_splatting:OPACITY")) +
                       4 * 17,
                   kNaN);
       });
     },
     "gaussians.opacity[17]: NaN"},
    {"position_inf",
     [] {
       return edit([](test::GlbParts& p) {
         put_float(test::accessor_data(p, gaussian_attribute(p, "POSITION")) + 4 * (3 * 2 + 1),
                   std::numeric_limits<float>::infinity());
       });
     },
     "gaussians.position[2][1]: Inf"},
    {"rotation_not_unit",
     [] {
       return edit([](test::GlbParts& p) {
         put_float(test::accessor_data(p, gaussian_attribute(p, "KHR_gaussian_splatting:ROTATION")),
                   3.0f);
       });
     },
     "gaussians.rotation[0]: quaternion norm"},
    {"weight_nan",
     [] {
       return edit([](test::GlbParts& p) {
         put_float(tensor_data(p, "audio_encoder", "layers.0.weight") + 4 * 5, kNaN);
       });
     },
     "networks.audio_encoder.tensors[\"layers.0.weight\"][5]: NaN"},
    {"float16_weight_inf",
     [] {
       return edit([](test::GlbParts& p) {
         uint8_t* at = tensor_data(p, "deformation", "layers.2.bias");
         at[0] = 0x00;
         at[1] = 0x7C;
       });
     },
     "networks.deformation.tensors[\"layers.2.bias\"][0]: Inf"},
    {"tensor_shape_mismatch",
     [] {
       return edit([](test::GlbParts& p) {
         json& net = network(p, "deformation");
         net["input_dim"] = 3;
         net["layers"][0]["in"] = 3;
       });
     },
     "networks.deformation.tensors[\"layers.0.weight\"]: shape [6,4] but layer 0 (linear 3->6) "
     "needs [6,3]"},
    {"tensor_missing",
     [] {
       return edit([](test::GlbParts& p) { network(p, "deformation")["tensors"].erase(1); });
     },
     "networks.deformation.tensors[\"layers.0.bias\"]: missing; layer 0 (linear 4->6) needs [6]"},
    {"tensor_extra",
     [] {
       return edit([](test::GlbParts& p) {
         json& tensors = network(p, "deformation")["tensors"];
         json extra = tensors[1];
         extra["name"] = "layers.1.weight";
         tensors.push_back(extra);
       });
     },
     "networks.deformation.tensors[\"layers.1.weight\"]: not used by any layer"},
    {"tensor_bytes_short",
     [] {
       return edit([](test::GlbParts& p) {
         const size_t view = network(p, "deformation")["tensors"][1]["bufferView"].get<size_t>();
         p.doc["bufferViews"][view]["byteLength"] = 10;
       });
     },
     "networks.deformation.tensors[\"layers.0.bias\"]: 10 bytes but [6] float16 needs 12"},
    {"unknown_layer_type",
     [] {
       return edit([](test::GlbParts& p) {
         network(p, "deformation")["layers"][1]["type"] = "lstm";
       });
     },
     "networks.deformation.layers[1].type: unknown layer type \"lstm\""},
    {"layer_chain_mismatch",
     [] {
       return edit([](test::GlbParts& p) { network(p, "audio_encoder")["layers"][2]["dim"] = 9; });
     },
     "networks.audio_encoder.layers[2]: layer 2 (layer_norm 9) takes 9 features but the previous "
     "layer gives 8"},
    {"external_buffer_uri",
     [] {
       return edit([](test::GlbParts& p) {
         p.doc["buffers"].push_back({{"uri", "/etc/hostname"}, {"byteLength", 4}});
       });
     },
     "external file \"/etc/hostname\" referenced; an avatar must be self-contained"},
    {"plate_truncated",
     [] {
       return edit([](test::GlbParts& p) {
         const size_t view = p.doc["images"][1]["bufferView"].get<size_t>();
         p.doc["bufferViews"][view]["byteLength"] = 100;
       });
     },
     "idle.plates[1]: PNG truncated (no IEND chunk at the end)"},
    {"plate_not_png",
     [] {
       return edit([](test::GlbParts& p) { p.doc["images"][0]["mimeType"] = "image/jpeg"; });
     },
     "idle.plates[0]: not a JPEG (no SOI marker)"},
    {"plate_size_mismatch",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["camera"]["width"] = 40; });
     },
     "idle.plates[0]: 32x24 but the camera is 40x24"},
    {"sh_degree_2",
     [] {
       return edit([](test::GlbParts& p) {
         json& attributes = p.doc["meshes"][0]["primitives"][0]["attributes"];
         attributes["KHR_gaussian_splatting:SH_DEGREE_2_COEF_0"] = attributes["POSITION"];
       });
     },
     "attribute KHR_gaussian_splatting:SH_DEGREE_2_COEF_0 not supported"},
    {"audio_fmax_above_nyquist",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["audio"]["fmax"] = 9000.0; });
     },
     "audio.fmax: 9000 outside [55.5, 8000]"},
    {"mel_mean_wrong_size",
     [] {
       return edit([](test::GlbParts& p) {
         test::avatar_extension(p)["audio"]["mel_mean"] = json::array({1.0, 2.0});
         test::avatar_extension(p)["audio"]["mel_std"] = json::array({1.0, 2.0});
       });
     },
     "audio.mel_mean: 2 values for"},
    {"mel_std_without_mel_mean",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["audio"].erase("mel_mean"); });
     },
     "audio.mel_mean: mel_mean and mel_std come together"},
    {"mel_mean_not_numbers",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["audio"]["mel_mean"] = json::array({"a"}); });
     },
     "audio.mel_mean: must be an array of numbers"},
    {"tuning_weights_wrong_count",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"expression_weights", {1.0, 2.0}}}; });
     },
     "tuning.expression_weights: 2 values for 4 expression codes"},
    {"tuning_weight_not_a_number",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"expression_weights", {1, 1, "x", 1}}}; });
     },
     "tuning.expression_weights[2]: must be a number"},
    {"tuning_gain_out_of_range",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"expression_gain", 9.0}}; });
     },
     "tuning.expression_gain: 9 outside [0, 4]"},
    {"tuning_look_ahead_beyond_encoder",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"look_ahead_frames", 4}}; });
     },
     "tuning.look_ahead_frames: 4 outside [0, 3]"},
    {"tuning_plate_gain_short",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"plate", {{"gain", {1.0}}}}}; });
     },
     "tuning.plate.gain: must have 3 values"},
    {"tuning_idle_segment_past_the_loop",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"idle_segment", {1, 3}}}; });
     },
     "tuning.idle_segment[1]: 3 outside [0, 2]"},
    {"tuning_idle_segment_fraction",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["tuning"] = {{"idle_segment", {0.5, 1}}}; });
     },
     "tuning.idle_segment[0]: must be an integer"},
    {"camera_focal_negative",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["camera"]["fx"] = -1.0; });
     },
     "camera.fx: -1 outside"},
    {"integer_field_is_text",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["audio"]["hop"] = "160"; });
     },
     "audio.hop: must be an integer"},
    {"head_rigid_with_triangle",
     [] {
       return edit([](test::GlbParts& p) {
         const int accessor = test::avatar_extension(p)["binding"]["group"].get<int>();
         test::accessor_data(p, accessor)[first_bound_gaussian()] = 1;
       });
     },
     "but a head_rigid Gaussian has no triangle"},
    {"idle_without_frames",
     [] {
       return edit([](test::GlbParts& p) {
         const int accessor = test::avatar_extension(p)["idle"]["translation"].get<int>();
         p.doc["accessors"][accessor]["count"] = 0;
       });
     },
     "has no elements"},
    {"plate_count_mismatch",
     [] {
       return edit([](test::GlbParts& p) { test::avatar_extension(p)["idle"]["plates"].erase(2); });
     },
     "idle.plates: 2 plates for 3 frames (need none or one per frame)"},
};

INSTANTIATE_TEST_SUITE_P(Corpus, Malformed, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(AssetRead, MissingFileNamesThePath) {
  try {
    read_avatar("/nonexistent/me.avatar");
    FAIL();
  } catch (const AssetError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/me.avatar: not a readable file"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace being::asset
