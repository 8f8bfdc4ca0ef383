// Images and audio of a dataset: JPEG/PNG through stb (Debian's libstb-dev), 16-bit WAV by hand
// (a 44-byte header; no library needed for the one layout we write).
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "atomic_file.h"
#include "being/dataset/dataset.h"

namespace being::dataset {

namespace {

void append_to(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  AtomicFile out(path);
  out.stream().write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.commit();
}

void check_image(const Image& image, const std::filesystem::path& path) {
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * image.channels)
    throw std::invalid_argument("image for " + path.string() + " has inconsistent dimensions");
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
std::uint32_t get_u32(const std::uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24; }
std::uint16_t get_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

}  // namespace

Image resample_window(const Image& src, double x0, double y0, double size, int out_size) {
  const double step = size / out_size;
  const int taps = step > 2.0 ? 3 : step > 1.25 ? 2 : 1;
  const int channels = src.channels;
  Image out{out_size, out_size, channels, std::vector<std::uint8_t>(static_cast<std::size_t>(out_size) * out_size * channels)};
  for (int v = 0; v < out_size; ++v)
    for (int u = 0; u < out_size; ++u)
      for (int c = 0; c < channels; ++c) {
        double sum = 0;
        for (int ty = 0; ty < taps; ++ty)
          for (int tx = 0; tx < taps; ++tx) {
            const double x = std::clamp(x0 + (u + (tx + 0.5) / taps) * step - 0.5, 0.0, src.width - 1.0);
            const double y = std::clamp(y0 + (v + (ty + 0.5) / taps) * step - 0.5, 0.0, src.height - 1.0);
            const int xa = static_cast<int>(x), ya = static_cast<int>(y);
            const int xb = std::min(xa + 1, src.width - 1), yb = std::min(ya + 1, src.height - 1);
            const double fx = x - xa, fy = y - ya;
            const auto at = [&](int xx, int yy) {
              return static_cast<double>(src.pixels[(static_cast<std::size_t>(yy) * src.width + xx) * channels + c]);
            };
            sum += (at(xa, ya) * (1 - fx) + at(xb, ya) * fx) * (1 - fy) + (at(xa, yb) * (1 - fx) + at(xb, yb) * fx) * fy;
          }
        out.pixels[(static_cast<std::size_t>(v) * out_size + u) * channels + c] =
            static_cast<std::uint8_t>(std::lround(std::clamp(sum / (taps * taps), 0.0, 255.0)));
      }
  return out;
}

void write_jpeg(const std::filesystem::path& path, const Image& image, int quality) {
  check_image(image, path);
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_jpg_to_func(append_to, &bytes, image.width, image.height, image.channels, image.pixels.data(), quality))
    throw DatasetError("cannot encode " + path.string());
  write_bytes(path, bytes);
}

void write_png(const std::filesystem::path& path, const Image& image) {
  check_image(image, path);
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_to, &bytes, image.width, image.height, image.channels, image.pixels.data(),
                              image.width * image.channels))
    throw DatasetError("cannot encode " + path.string());
  write_bytes(path, bytes);
}

Image read_image(const std::filesystem::path& path, int channels) {
  int w = 0, h = 0, n = 0;
  std::uint8_t* data = stbi_load(path.c_str(), &w, &h, &n, channels);
  if (!data)
    throw DatasetError("cannot read the image " + path.string() + " (" + stbi_failure_reason() +
                       "; re-run bake ingest to rebuild the dataset)");
  Image image{w, h, channels, std::vector<std::uint8_t>(data, data + static_cast<std::size_t>(w) * h * channels)};
  stbi_image_free(data);
  return image;
}

void write_wav(const std::filesystem::path& path, const std::vector<float>& samples, int sample_rate) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::vector<std::uint8_t> out;
  out.reserve(44 + data_bytes);
  for (char c : std::string("RIFF")) out.push_back(static_cast<std::uint8_t>(c));
  put_u32(out, 36 + data_bytes);
  for (char c : std::string("WAVEfmt ")) out.push_back(static_cast<std::uint8_t>(c));
  put_u32(out, 16);
  put_u16(out, 1);  // PCM
  put_u16(out, 1);  // mono
  put_u32(out, static_cast<std::uint32_t>(sample_rate));
  put_u32(out, static_cast<std::uint32_t>(sample_rate * 2));
  put_u16(out, 2);
  put_u16(out, 16);
  for (char c : std::string("data")) out.push_back(static_cast<std::uint8_t>(c));
  put_u32(out, data_bytes);
  for (float s : samples) {
    const auto v = static_cast<std::int16_t>(std::lround(std::clamp(s, -1.0f, 1.0f) * 32767.0f));
    put_u16(out, static_cast<std::uint16_t>(v));
  }
  write_bytes(path, out);
}

std::vector<float> read_wav(const std::filesystem::path& path, int expected_sample_rate) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError("cannot open " + path.string() + " (missing: re-run bake ingest)");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto fail = [&](const std::string& why) { return DatasetError(path.string() + ": " + why + " (re-run bake ingest)"); };
  if (bytes.size() < 44 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVEfmt ", 8) != 0)
    throw fail("not a WAV file");
  if (get_u16(&bytes[20]) != 1 || get_u16(&bytes[22]) != 1 || get_u16(&bytes[34]) != 16)
    throw fail("not 16-bit PCM mono");
  if (static_cast<int>(get_u32(&bytes[24])) != expected_sample_rate)
    throw fail("sample rate " + std::to_string(get_u32(&bytes[24])) + ", expected " + std::to_string(expected_sample_rate));
  if (std::memcmp(&bytes[36], "data", 4) != 0) throw fail("no data chunk where this writer puts it");
  const std::size_t count = get_u32(&bytes[40]) / 2;
  if (44 + count * 2 > bytes.size()) throw fail("truncated");
  std::vector<float> samples(count);
  for (std::size_t i = 0; i < count; ++i)
    samples[i] = static_cast<float>(static_cast<std::int16_t>(get_u16(&bytes[44 + 2 * i]))) / 32768.0f;
  return samples;
}

}  // namespace being::dataset
