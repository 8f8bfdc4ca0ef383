// The installed package as an application sees it: `cmake --install` into a temporary prefix; a C
// program compiled with pkg-config's flags (being.h is C); the example host application
// (runtime/examples/host_app) configured with find_package(Being) and built; then, driven by the
// expression weights `being render` computes from an audio file, the avatar it draws through the C
// API into its scene equals `being render`'s PNG frames of that audio, both offscreen (--headless)
// and in its window on a private X server (Xvfb, read back from the swapchain image it presents).
#include "being/animate/expression_stream.h"
#include "being/asset/avatar.h"
#include "being_test.h"
#include "media_tools.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using being::test::run_command;

constexpr int kSize = 96, kFps = 25, kRate = 16000;

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// Runs `command`; a failure stops the test with its output.
std::string run_ok(const std::string& command) {
  const auto [code, out] = run_command(command);
  if (code != 0) ADD_FAILURE() << command << "\nexited with " << code << ":\n" << out;
  return code == 0 ? out : "";
}

// Mono 16-bit PCM: silence with two loud syllables, so that the mouth opens and closes.
void write_speech(const fs::path& path) {
  std::vector<float> samples(static_cast<std::size_t>(1.2 * kRate), 0.0f);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double t = double(i) / kRate;
    if ((t > 0.2 && t < 0.5) || (t > 0.7 && t < 0.95)) samples[i] = float(0.4 * std::sin(2 * M_PI * 180 * t));
  }
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const auto bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4), u32(36 + bytes), out.write("WAVEfmt ", 8), u32(16), u16(1), u16(1);
  u32(kRate), u32(kRate * 2), u16(2), u16(16), out.write("data", 4), u32(bytes);
  for (float s : samples) u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(s * 32767))));
}

// A private X server on a display number it picks itself (-displayfd), stopped when destroyed.
class VirtualDisplay {
 public:
  explicit VirtualDisplay(const fs::path& dir) {
    const fs::path number = dir / "display";
    const auto [code, out] = run_command("Xvfb -displayfd 5 -nolisten tcp -screen 0 640x480x24 5>" + quoted(number) +
                                         " >" + quoted(dir / "xvfb.log") + " 2>&1 & echo $!");
    if (code != 0) throw std::runtime_error("cannot start Xvfb (apt-get install xvfb): " + out);
    pid_ = std::stoi(out);
    for (int i = 0; i < 200 && display_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(number);
      std::string n;
      if (in >> n) display_ = ":" + n;
    }
    if (display_.empty()) throw std::runtime_error("Xvfb did not start within 10 s; see " + (dir / "xvfb.log").string());
  }
  ~VirtualDisplay() { kill(pid_, SIGTERM); }
  VirtualDisplay(const VirtualDisplay&) = delete;
  VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  const std::string& display() const { return display_; }

 private:
  int pid_ = -1;
  std::string display_;
};

struct Png {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;
  const unsigned char* at(int x, int y) const { return &rgba[(static_cast<std::size_t>(y) * width + x) * 4]; }
};

Png read_png(const fs::path& path) {
  Png png;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(stbi_load(path.c_str(), &png.width, &png.height, &channels, 4),
                                                          stbi_image_free);
  if (!pixels) throw std::runtime_error("cannot read " + path.string());
  png.rgba.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(png.width) * png.height * 4);
  return png;
}

TEST(CapiPackage, ExampleBuiltAgainstTheInstalledPackageDrawsBeingRendersPixels) {
  const auto dir = being::test::scratch_dir("package");
  const fs::path prefix = dir / "prefix";
  run_ok(std::string(BEING_CMAKE) + " --install " + quoted(being::test::env_or("BEING_BINARY_DIR", BEING_TEST_BINARY_DIR)) + " --prefix " + quoted(prefix) +
         " --component being_sdk");
  ASSERT_TRUE(fs::exists(prefix / "include/being/being.h"));
  ASSERT_FALSE(HasFailure());

  // being.h compiles as C99, and pkg-config finds the library.
  std::ofstream(dir / "version.c") << "#include <being/being.h>\n#include <stdio.h>\n"
                                      "int main(void) {\n  uint32_t v = being_version();\n"
                                      "  printf(\"libbeing %u.%u.%u\\n\", BEING_VERSION_MAJOR(v), BEING_VERSION_MINOR(v), "
                                      "BEING_VERSION_PATCH(v));\n  return being_result_name(BEING_OK)[0] == 'B' ? 0 : 1;\n}\n";
  const std::string pkg_config = "PKG_CONFIG_PATH=" + quoted(prefix / "lib/pkgconfig") + " pkg-config";
  const std::string flags = run_ok(pkg_config + " --cflags --libs being");
  ASSERT_NE(flags.find("-lbeing"), std::string::npos) << flags;
  run_ok(std::string(BEING_C_COMPILER) + " -std=c99 -Wall -Werror " + quoted(dir / "version.c") + " -o " +
         quoted(dir / "version") + " $(" + pkg_config + " --cflags --libs being) -Wl,-rpath," + (prefix / "lib").string());
  EXPECT_NE(run_ok(quoted(dir / "version")).find("libbeing " BEING_PROJECT_VERSION), std::string::npos);

  // The example, as an application builds it: only find_package(Being).
  const fs::path build = dir / "host_app";
  run_ok(std::string(BEING_CMAKE) + " -S " + quoted(being::test::source_path("runtime/examples/host_app")) + " -B " +
         quoted(build) + " -G '" BEING_CMAKE_GENERATOR "' -DCMAKE_CXX_COMPILER=" BEING_CXX_COMPILER +
         " -DCMAKE_PREFIX_PATH=" + quoted(prefix));
  run_ok(std::string(BEING_CMAKE) + " --build " + quoted(build));
  ASSERT_FALSE(HasFailure());

  // The expression weights `being render` shows for the audio, one line per frame.
  write_speech(dir / "speech.wav");
  const auto avatar = being::asset::read_avatar(BEING_TEST_AVATAR);
  being::animate::ExpressionStream stream(avatar, (dir / "speech.wav").string(), kFps);
  const int frames = static_cast<int>(stream.frame_count());
  {
    std::ofstream weights(dir / "weights.txt");
    std::vector<float> code(stream.code_dim());
    while (stream.next(code.data())) {
      for (float w : code) weights << w << ' ';
      weights << '\n';
    }
  }
  fs::create_directories(dir / "render");
  fs::create_directories(dir / "host");
  const std::string size = std::to_string(kSize);
  run_ok(std::string(BEING_EXECUTABLE) + " render " + quoted(BEING_TEST_AVATAR) + " --audio " + quoted(dir / "speech.wav") +
         " --fps " + std::to_string(kFps) + " --size " + size + "x" + size + " -o " + quoted(dir / "render/%05d.png"));
  const std::string host_args = " " + quoted(BEING_TEST_AVATAR) + " --size " + size + " --fps " + std::to_string(kFps) +
                                " --frames " + std::to_string(frames) + " --weights " + quoted(dir / "weights.txt");
  fs::create_directories(dir / "window");
  const std::string headless_out =
      run_ok(quoted(build / "host_app") + host_args + " --headless --output " + quoted(dir / "host/%05d.png"));
  {
    const VirtualDisplay display(dir);
    run_ok("DISPLAY=" + display.display() + " " + quoted(build / "host_app") + host_args + " --output " +
           quoted(dir / "window/%05d.png"));
  }
  std::smatch rect;
  ASSERT_TRUE(std::regex_search(headless_out, rect, std::regex("avatar rectangle in the scene: (\\d+) (\\d+) (\\d+) (\\d+)")))
      << headless_out;
  const int x0 = std::stoi(rect[1]), y0 = std::stoi(rect[2]);
  ASSERT_EQ(std::stoi(rect[3]), kSize);
  ASSERT_EQ(std::stoi(rect[4]), kSize);

  const Png first = read_png(dir / "render/00000.png");
  for (const char* mode : {"host", "window"}) {
    int worst = 0, moving = 0;
    for (int f = 0; f < frames; ++f) {
      char name[16];
      std::snprintf(name, sizeof name, "%05d.png", f);
      const Png expected = read_png(dir / "render" / name), scene = read_png(dir / mode / name);
      ASSERT_EQ(expected.width, kSize);
      ASSERT_EQ(scene.width, kSize + 2 * x0) << mode;
      int changed = 0;
      for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
          for (int c = 0; c < 4; ++c) {
            worst = std::max(worst, std::abs(int(expected.at(x, y)[c]) - int(scene.at(x0 + x, y0 + y)[c])));
            changed += expected.at(x, y)[c] != first.at(x, y)[c];
          }
      moving += changed > 0;
    }
    EXPECT_LE(worst, 1) << mode << ": largest difference in 8-bit levels over " << frames << " frames";
    EXPECT_GT(moving, frames / 2) << "the frames should differ from the first (idle motion, mouth)";
  }
}

}  // namespace
