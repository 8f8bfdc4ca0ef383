#include "being/serve/jpeg.h"

// STATIC: the stb implementation stays private to this file; `being` links another copy for PNGs.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <stdexcept>
#include <string>

namespace being::serve {

std::vector<std::uint8_t> encode_jpeg(const std::uint8_t* rgb, int width, int height, int quality) {
  if (width < 1 || height < 1 || width > 65535 || height > 65535)
    throw std::invalid_argument("encode_jpeg: bad image size " + std::to_string(width) + "x" + std::to_string(height));
  if (quality < 1 || quality > 100) throw std::invalid_argument("encode_jpeg: quality must be in 1..100");
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(width) * height / 4);
  const auto append = [](void* context, void* data, int size) {
    auto* bytes = static_cast<std::uint8_t*>(data);
    static_cast<std::vector<std::uint8_t>*>(context)->insert(static_cast<std::vector<std::uint8_t>*>(context)->end(),
                                                             bytes, bytes + size);
  };
  if (!stbi_write_jpg_to_func(append, &out, width, height, 3, rgb, quality))
    throw std::runtime_error("encode_jpeg: stb could not encode the frame");
  return out;
}

}  // namespace being::serve
