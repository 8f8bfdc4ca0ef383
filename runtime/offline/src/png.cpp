#include "being/offline/render_file.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <vector>

namespace being::offline {

void write_png(const std::filesystem::path& path, const float* rgba, int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height * 4);
  player::to_rgba8_straight(rgba, static_cast<std::size_t>(width) * height, pixels.data());
  if (!stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4))
    throw RenderFileError("cannot write " + path.string());
}

}  // namespace being::offline
