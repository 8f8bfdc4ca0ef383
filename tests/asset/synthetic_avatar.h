// Random but valid avatars of chosen sizes, and GLB surgery for building malformed files; shared by
// the asset tests and the fuzz seed generator.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "being/asset/avatar.h"

namespace being::asset::test {

struct SyntheticShape {
  size_t gaussians = 40;
  size_t vertices = 12;
  size_t triangles = 10;
  size_t expressions = 4;
  int sh_degree = 1;
  int mel_bins = 16;
  size_t frames = 3;
  bool plates = true;
  bool jpeg = false;       // plates as JPEG instead of PNG
  bool float16 = true;     // the deformation network's tensors in float16
  int width = 32;
  int height = 24;
};

Avatar make_synthetic_avatar(uint32_t seed, const SyntheticShape& shape = {});

// A GLB file taken apart into its JSON document and BIN chunk, and put back together.
struct GlbParts {
  nlohmann::json doc;
  std::vector<uint8_t> bin;
};
GlbParts split_glb(const std::vector<uint8_t>& file);
std::vector<uint8_t> join_glb(const GlbParts& parts);

// The first byte of accessor `index`'s data inside parts.bin.
uint8_t* accessor_data(GlbParts& parts, int index);

// The BEING_avatar extension object of the document.
nlohmann::json& avatar_extension(GlbParts& parts);

}  // namespace being::asset::test
