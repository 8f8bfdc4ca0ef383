// JPEG encoding of frames for the browser. Why JPEG per frame (docs/streaming-protocol.md): every
// browser decodes it natively (createImageBitmap), each frame stands alone (a client that skips or
// drops frames loses nothing else, and there is no encoder delay or keyframe wait), and it needs no
// library beyond stb, which every machine we build on has. The price is bandwidth: about ten times
// what H.264 would need at the same quality.
#pragma once

#include <cstdint>
#include <vector>

namespace being::serve {

// Baseline JPEG of an RGB8 image (row-major, width*height*3 bytes); quality 1..100. Throws
// std::invalid_argument on a bad size or quality, std::runtime_error when encoding fails.
std::vector<std::uint8_t> encode_jpeg(const std::uint8_t* rgb, int width, int height, int quality);

}  // namespace being::serve
