// Running being-editor in tests: a script file, the editor on a virtual display with its output in
// a log, waiting for the files it writes, and reading its PNG screenshots. Include it from one
// source file per test program (it holds stb_image's implementation).
#pragma once

#include "virtual_display.h"  // ChildProcess, VirtualDisplay (tests/play)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace being::editor {

namespace fs = std::filesystem;

inline fs::path write_script(const fs::path& dir, const std::string& text) {
  const fs::path path = dir / "actions.txt";
  std::ofstream(path) << text;
  return path;
}

// The editor on `display` with a script; its output goes to dir/editor.log.
inline std::unique_ptr<test::ChildProcess> start_editor(const test::VirtualDisplay& display, const fs::path& dir,
                                                 const std::vector<std::string>& args,
                                                 const std::string& openal_drivers = "null") {
  std::vector<std::string> argv = {BEING_EDITOR};
  argv.insert(argv.end(), args.begin(), args.end());
  // HOME keeps the recent-files list inside the test's folder; OpenAL's null driver plays to no
  // device (a test with a sound server asks for "pulse").
  return std::make_unique<test::ChildProcess>(
      argv, std::vector<std::string>{"DISPLAY=" + display.name(), "HOME=" + dir.string(), "XDG_CONFIG_HOME=",
                                     "ALSOFT_DRIVERS=" + openal_drivers},
      (dir / "editor.log").string());
}

inline std::string log_of(const fs::path& dir) {
  std::ifstream in(dir / "editor.log");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool wait_for(const fs::path& path, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!fs::exists(path) && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return fs::exists(path);
}

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

inline Image read_png(const fs::path& path) {
  Image image;
  int channels = 0;
  stbi_uc* pixels = stbi_load(path.c_str(), &image.width, &image.height, &channels, 4);
  if (!pixels) throw std::runtime_error("cannot read " + path.string());
  image.rgba.assign(pixels, pixels + static_cast<std::size_t>(image.width) * image.height * 4);
  stbi_image_free(pixels);
  return image;
}

// Standard deviation of the RGB values: 0 for a uniform (blank) image.
inline double spread(const std::uint8_t* data, std::size_t pixels, int stride) {
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) {
      sum += data[i * stride + c];
      squares += double(data[i * stride + c]) * data[i * stride + c];
    }
  const double n = 3.0 * pixels;
  return std::sqrt(std::max(0.0, squares / n - (sum / n) * (sum / n)));
}

// Pixels whose red and green differ by more than 24 levels in total.
inline std::size_t changed_pixels(const Image& a, const Image& b) {
  std::size_t changed = 0;
  for (std::size_t i = 0; i + 3 < std::min(a.rgba.size(), b.rgba.size()); i += 4)
    changed += std::abs(int(a.rgba[i]) - int(b.rgba[i])) + std::abs(int(a.rgba[i + 1]) - int(b.rgba[i + 1])) > 24;
  return changed;
}

}  // namespace being::editor
