// Prepares a fuzz run of the avatar reader: DIR/seeds gets small valid avatars of a few shapes and
// malformed variants of them; DIR/corpus (what the fuzzer adds) and DIR/artifacts start empty.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include "synthetic_avatar.h"

namespace {

namespace fs = std::filesystem;
using being::asset::test::GlbParts;
using being::asset::test::SyntheticShape;

void save(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
}

SyntheticShape tiny() {
  SyntheticShape s;
  s.gaussians = 6;
  s.vertices = 5;
  s.triangles = 3;
  s.expressions = 2;
  s.mel_bins = 4;
  s.frames = 2;
  s.width = 8;
  s.height = 6;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_avatar_seeds DIR\n";
    return 2;
  }
  const fs::path run = argv[1];
  fs::remove_all(run);
  for (const char* sub : {"seeds", "corpus", "artifacts"}) fs::create_directories(run / sub);
  const fs::path seeds = run / "seeds";

  SyntheticShape plain = tiny();
  SyntheticShape sh0_jpeg = tiny();
  sh0_jpeg.sh_degree = 0;
  sh0_jpeg.jpeg = true;
  sh0_jpeg.float16 = false;
  SyntheticShape bare = tiny();
  bare.expressions = 0;
  bare.plates = false;
  bare.frames = 1;
  const std::vector<uint8_t> valid =
      being::asset::write_avatar_to_memory(being::asset::test::make_synthetic_avatar(1, plain));
  save(seeds, "valid_tiny.avatar", valid);
  save(seeds, "valid_sh0_jpeg.avatar",
       being::asset::write_avatar_to_memory(being::asset::test::make_synthetic_avatar(2, sh0_jpeg)));
  save(seeds, "valid_bare.avatar",
       being::asset::write_avatar_to_memory(being::asset::test::make_synthetic_avatar(3, bare)));
  being::asset::Avatar tuned = being::asset::test::make_synthetic_avatar(4, plain);
  tuned.tuning.expression_weights.assign(tuned.face.expression_dim(), 0.5f);
  tuned.tuning.smoothing = 0.05;
  tuned.tuning.look_ahead_frames = 1;
  tuned.tuning.idle_first = 1;
  save(seeds, "valid_tuned.avatar", being::asset::write_avatar_to_memory(tuned));

  save(seeds, "truncated.avatar", {valid.begin(), valid.begin() + std::ptrdiff_t(valid.size() / 2)});
  auto edited = [&](const char* name, void (*change)(GlbParts&)) {
    GlbParts parts = being::asset::test::split_glb(valid);
    change(parts);
    save(seeds, name, being::asset::test::join_glb(parts));
  };
  edited("version2.avatar", [](GlbParts& p) { being::asset::test::avatar_extension(p)["version"] = 2; });
  edited("count_overflow.avatar", [](GlbParts& p) { p.doc["accessors"][0]["count"] = 1ull << 62; });
  edited("nan_opacity.avatar", [](GlbParts& p) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const int opacity =
        p.doc["meshes"][0]["primitives"][0]["attributes"]["KHR_gaussian_splatting:OPACITY"];
    std::memcpy(being::asset::test::accessor_data(p, opacity), &nan, 4);
  });
  edited("shape_mismatch.avatar", [](GlbParts& p) {
    auto& net = being::asset::test::avatar_extension(p)["networks"][1];
    net["input_dim"] = 1;
    net["layers"][0]["in"] = 1;
  });
  edited("bad_triangle.avatar", [](GlbParts& p) {
    const int triangles = p.doc["meshes"][1]["primitives"][0]["indices"];
    std::memset(being::asset::test::accessor_data(p, triangles), 0xFF, 4);
  });
  std::cout << "seeds in " << seeds << "\n";
  return 0;
}
