// Plate headers: the reader needs the dimensions and a sanity check of the bytes, not the pixels.
// Our own parser instead of stb_image's stbi_info: it is a few lines, runs inside the fuzzed and
// sanitised library, and also checks the end marker that a truncated file lacks.
#include <cstring>
#include <string>

#include "being/asset/avatar.h"
#include "checks.h"

namespace being::asset {
namespace {

using detail::fail;

uint32_t big_endian32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
uint16_t big_endian16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr uint8_t kPngEnd[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

ImageSize png_size(const std::vector<uint8_t>& b, const std::string& path) {
  // signature, IHDR (length, type, 13 data bytes, CRC), IEND
  if (b.size() < 8 || std::memcmp(b.data(), kPngSignature, 8) != 0) {
    fail(path, "not a PNG (bad signature)");
  }
  if (b.size() < 8 + 25 + 12) fail(path, "PNG truncated (" + std::to_string(b.size()) + " bytes)");
  if (big_endian32(&b[8]) != 13 || std::memcmp(&b[12], "IHDR", 4) != 0) {
    fail(path, "PNG does not start with an IHDR chunk");
  }
  if (std::memcmp(&b[b.size() - 12], kPngEnd, 12) != 0) {
    fail(path, "PNG truncated (no IEND chunk at the end)");
  }
  const uint32_t width = big_endian32(&b[16]);
  const uint32_t height = big_endian32(&b[20]);
  if (width == 0 || height == 0 || width > 0x7FFFFFFFu || height > 0x7FFFFFFFu) {
    fail(path, "PNG size " + std::to_string(width) + "x" + std::to_string(height) + " is invalid");
  }
  return {int(width), int(height)};
}

ImageSize jpeg_size(const std::vector<uint8_t>& b, const std::string& path) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) fail(path, "not a JPEG (no SOI marker)");
  if (b[b.size() - 2] != 0xFF || b[b.size() - 1] != 0xD9) {
    fail(path, "JPEG truncated (no EOI marker at the end)");
  }
  size_t pos = 2;
  while (pos < b.size()) {
    if (b[pos] != 0xFF) fail(path, "JPEG marker expected at byte " + std::to_string(pos));
    while (pos < b.size() && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) break;
    const uint8_t marker = b[pos++];
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length field
    if (marker == 0xD9 || marker == 0xDA) break;  // end of image or scan data before a frame
    if (pos + 2 > b.size()) break;
    const size_t length = big_endian16(&b[pos]);
    if (length < 2 || pos + length > b.size()) {
      fail(path, "JPEG segment at byte " + std::to_string(pos) + " runs past the end");
    }
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                                marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      if (length < 8) fail(path, "JPEG frame header too short");
      const int height = big_endian16(&b[pos + 3]);
      const int width = big_endian16(&b[pos + 5]);
      if (width == 0 || height == 0) fail(path, "JPEG frame has size 0");
      return {width, height};
    }
    pos += length;
  }
  fail(path, "JPEG has no frame header (SOF) before its image data");
}

}  // namespace

ImageSize image_size(ImageFormat format, const std::vector<uint8_t>& bytes, const std::string& path) {
  return format == ImageFormat::png ? png_size(bytes, path) : jpeg_size(bytes, path);
}

}  // namespace being::asset
