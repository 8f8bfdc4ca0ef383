// `being render` end to end on the procedural test avatar (lavapipe here): an MP4 with one H.264
// and one AAC stream of equal length, the mouth opening in the rendered frames at the frames where
// sound starts (0 +- 1 frame), RGBA frames with a transparent background, and audio inputs of other
// rates, channel counts and sample formats. Audio files are made with the ffmpeg CLI.
#include "being/animate/pose.h"
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
#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

using being::test::run_command;

// Silence with 220 Hz tone bursts between the given times, made by ffmpeg's aevalsrc.
void make_audio(const fs::path& path, double seconds, const std::string& bursts, const std::string& format_args) {
  const std::string expr = "if(" + bursts + ",0.5*sin(2*PI*220*t),0)";
  const auto [code, out] = run_command("ffmpeg -v error -y -f lavfi -i \"aevalsrc='" + expr + "':s=44100:d=" +
                               std::to_string(seconds) + "\" " + format_args + " '" + path.string() + "'");
  ASSERT_EQ(code, 0) << out;
}

const std::string kBursts = "between(t,1,1.5)+between(t,2,2.4)";

std::pair<int, std::string> render(const std::string& args) {
  return run_command(std::string("'") + BEING_EXECUTABLE + "' render '" + BEING_TEST_AVATAR + "' " + args);
}


TEST(BeingRender, WritesAnMp4WithH264AndAacOfEqualLength) {
  const auto dir = being::test::scratch_dir("being_render_mp4");
  make_audio(dir / "speech.wav", 3.0, kBursts, "-ac 1");
  const auto [code, out] = render("--audio '" + (dir / "speech.wav").string() + "' -o '" + (dir / "out.mp4").string() + "' --size 128x128");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("frame 75/75"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "out.mp4.part"));
  const auto probe = being::test::ffprobe_streams(dir / "out.mp4");
  ASSERT_EQ(probe["streams"].size(), 2u);
  double video_s = -1, audio_s = -1;
  for (const auto& s : probe["streams"]) {
    if (s["codec_type"] == "video") {
      EXPECT_EQ(s["codec_name"], "h264");
      EXPECT_EQ(s["width"], 128);
      EXPECT_EQ(s["nb_read_frames"], "75");
      EXPECT_EQ(s["r_frame_rate"], "25/1");
      video_s = std::stod(s["duration"].get<std::string>());
    } else {
      EXPECT_EQ(s["codec_name"], "aac");
      audio_s = std::stod(s["duration"].get<std::string>());
    }
  }
  EXPECT_NEAR(video_s, 3.0, 0.04);
  EXPECT_NEAR(audio_s, video_s, 0.04);
}

// Mean green of the mouth region in each frame: skin is bright in green, the lips and the mouth
// interior dark, so it drops when the mouth opens.
std::vector<double> mouth_green(const fs::path& dir, int frames, int size) {
  const auto avatar = being::asset::read_avatar(BEING_TEST_AVATAR);
  // The mouth interior's neutral extent in head space, widened downwards for the open jaw,
  // projected with the first idle pose (the loop sways by about a pixel at this size).
  double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9};
  double view[16];
  being::animate::head_to_camera(avatar.idle, 0, view);
  const double scale = double(size) / avatar.camera.width;
  for (std::size_t i = 0; i < avatar.gaussians.count(); ++i) {
    if (avatar.binding.groups[i] != uint8_t(being::asset::GaussianGroup::mouth_interior)) continue;
    const float* p = &avatar.gaussians.positions[i * 3];
    for (double drop : {0.0, -0.012}) {
      const double h[3] = {p[0], p[1] + drop, p[2]};
      double c[3];
      for (int k = 0; k < 3; ++k) c[k] = view[k * 4] * h[0] + view[k * 4 + 1] * h[1] + view[k * 4 + 2] * h[2] + view[k * 4 + 3];
      const double u = (avatar.camera.fx * c[0] / c[2] + avatar.camera.cx) * scale;
      const double v = (avatar.camera.fy * c[1] / c[2] + avatar.camera.cy) * scale;
      lo[0] = std::min(lo[0], u), hi[0] = std::max(hi[0], u), lo[1] = std::min(lo[1], v), hi[1] = std::max(hi[1], v);
    }
  }
  std::vector<double> green;
  for (int f = 0; f < frames; ++f) {
    char name[32];
    std::snprintf(name, sizeof(name), "%05d.png", f);
    int w = 0, h = 0, n = 0;
    stbi_uc* pixels = stbi_load((dir / name).c_str(), &w, &h, &n, 4);
    EXPECT_NE(pixels, nullptr) << name;
    if (!pixels) return {};
    double sum = 0;
    int count = 0;
    for (int v = int(lo[1]); v <= int(hi[1]); ++v)
      for (int u = int(lo[0]); u <= int(hi[0]); ++u) sum += pixels[(v * w + u) * 4 + 1], ++count;
    stbi_image_free(pixels);
    green.push_back(sum / std::max(count, 1));
  }
  return green;
}

TEST(BeingRender, TheRenderedMouthOpensAtTheFramesOfTheSound) {
  const auto dir = being::test::scratch_dir("being_render_sync");
  make_audio(dir / "speech.wav", 3.0, kBursts, "-ac 1");
  const int size = 128;
  const auto [code, out] = render("--audio '" + (dir / "speech.wav").string() + "' -o '" + (dir / "%05d.png").string() +
                                  "' --size 128x128 --background '#ffffff'");
  ASSERT_EQ(code, 0) << out;
  const auto green = mouth_green(dir, 75, size);
  ASSERT_EQ(green.size(), 75u);
  const auto [lowest, highest] = std::minmax_element(green.begin(), green.end());
  ASSERT_GT(*highest - *lowest, 20.0) << "the mouth region hardly changes";
  const double middle = (*lowest + *highest) / 2;
  std::vector<int> open_from, closed_from;
  for (int f = 1; f < 75; ++f) {
    if (green[f] < middle && green[f - 1] >= middle) open_from.push_back(f);
    if (green[f] >= middle && green[f - 1] < middle) closed_from.push_back(f);
  }
  // Bursts 1.0-1.5 s and 2.0-2.4 s: open from frames 25 and 50, closed from 38 and 60.
  ASSERT_EQ(open_from.size(), 2u);
  ASSERT_EQ(closed_from.size(), 2u);
  EXPECT_NEAR(open_from[0], 25, 1);
  EXPECT_NEAR(closed_from[0], 38, 1);
  EXPECT_NEAR(open_from[1], 50, 1);
  EXPECT_NEAR(closed_from[1], 60, 1);
}

TEST(BeingRender, TransparentBackgroundGivesRgbaFrames) {
  const auto dir = being::test::scratch_dir("being_render_transparent");
  make_audio(dir / "speech.wav", 0.2, "between(t,0,1)", "-ac 1");
  const auto [code, out] = render("--audio '" + (dir / "speech.wav").string() + "' -o '" + (dir / "f%03d.png").string() +
                                  "' --size 64x64 --background transparent");
  ASSERT_EQ(code, 0) << out;
  int w = 0, h = 0, n = 0;
  stbi_uc* pixels = stbi_load((dir / "f000.png").c_str(), &w, &h, &n, 0);
  ASSERT_NE(pixels, nullptr);
  EXPECT_EQ(n, 4);
  EXPECT_EQ(pixels[3], 0) << "the corner shows the background";
  EXPECT_EQ(pixels[((h / 2) * w + w / 2) * 4 + 3], 255) << "the face is opaque";
  stbi_image_free(pixels);
  EXPECT_TRUE(fs::exists(dir / "f004.png"));
  EXPECT_FALSE(fs::exists(dir / "f005.png"));
}

being::asset::Tensor zeros(const std::string& name, std::vector<int64_t> shape) {
  being::asset::Tensor t;
  t.name = name;
  t.data.assign(static_cast<std::size_t>(shape[0] * (shape.size() > 1 ? shape[1] : 1)) * 4, 0);
  t.shape = std::move(shape);
  return t;
}

TEST(BeingRender, PlatesMustExistAndADeformationNetworkIsIgnoredWithAWarning) {
  const auto dir = being::test::scratch_dir("being_render_variants");
  make_audio(dir / "speech.wav", 0.2, "between(t,0,1)", "-ac 1");
  auto avatar = being::asset::read_avatar(BEING_TEST_AVATAR);
  avatar.idle.plates.clear();
  being::asset::Network deformation;
  deformation.name = "deformation";
  deformation.input_dim = static_cast<int64_t>(avatar.face.expression_dim());
  deformation.output_dim = 3;
  being::asset::Layer linear;
  linear.type = being::asset::LayerType::linear;
  linear.in = deformation.input_dim;
  linear.out = 3;
  deformation.layers = {linear};
  deformation.tensors = {zeros("layers.0.weight", {3, deformation.input_dim}), zeros("layers.0.bias", {3})};
  avatar.networks.push_back(deformation);
  const fs::path variant = dir / "no-plates.avatar";
  being::asset::write_avatar(avatar, variant);

  const std::string base = std::string("'") + BEING_EXECUTABLE + "' render '" + variant.string() + "' --audio '" +
                           (dir / "speech.wav").string() + "' --size 64x64 -o '" + (dir / "out.mp4").string() + "'";
  const auto [plate_code, plate_out] = run_command(base + " --background plate");
  EXPECT_EQ(plate_code, 1) << plate_out;
  EXPECT_NE(plate_out.find("no idle-loop plates"), std::string::npos) << plate_out;

  const auto [code, out] = run_command(base);  // without plates the default background is black
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("warning: this runtime version ignores the avatar's \"deformation\" network"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir / "out.mp4"));
}

TEST(BeingRender, RendersAudioOfAnyRateChannelCountAndSampleFormat) {
  const auto dir = being::test::scratch_dir("being_render_formats");
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"8k.wav", "-ar 8000 -ac 1"}, {"48k.wav", "-ar 48000 -ac 1"},
      {"stereo.wav", "-ar 44100 -ac 2"}, {"float.wav", "-ar 22050 -ac 1 -c:a pcm_f32le"},
      {"speech.flac", "-ar 16000 -ac 1"}};
  for (const auto& [name, args] : inputs) {
    make_audio(dir / name, 1.0, "between(t,0.3,0.6)", args);
    const fs::path mp4 = dir / (name + ".mp4");
    const auto [code, out] = render("--audio '" + (dir / name).string() + "' -o '" + mp4.string() + "' --size 64x64 --fps 30");
    ASSERT_EQ(code, 0) << name << ": " << out;
    // The json must outlive the loop: a range-for keeps only the outermost temporary alive.
    const auto probe = being::test::ffprobe_streams(mp4);
    int video_streams = 0;
    for (const auto& s : probe["streams"]) {
      if (s["codec_type"] != "video") continue;
      ++video_streams;
      EXPECT_EQ(s["nb_read_frames"], "30") << name;
    }
    EXPECT_EQ(video_streams, 1) << name;
  }
}

TEST(BeingRender, SilentAudioRendersEveryFrame) {
  const auto dir = being::test::scratch_dir("being_render_silence");
  make_audio(dir / "silence.wav", 2.0, "0", "-ar 16000 -ac 1");
  const fs::path mp4 = dir / "silence.mp4";
  const auto [code, out] = render("--audio '" + (dir / "silence.wav").string() + "' -o '" + mp4.string() + "' --size 64x64");
  ASSERT_EQ(code, 0) << out;
  const auto probe = being::test::ffprobe_streams(mp4);
  int video_streams = 0;
  for (const auto& s : probe["streams"]) {
    if (s["codec_type"] != "video") continue;
    ++video_streams;
    EXPECT_EQ(s["nb_read_frames"], "50");
  }
  EXPECT_EQ(video_streams, 1);
}

// Resident memory of a running process in kB (0 once it has gone).
long resident_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
  }
  return 0;
}

// A long stream rendered to the null sink (every frame rendered and read back, then dropped): after
// the first quarter, memory does not grow. The one-hour run is in docs/BENCHMARKS.md.
TEST(BeingRender, TheNullSinkKeepsMemoryFlatOverALongStream) {
  const auto dir = being::test::scratch_dir("being_render_null");
  const fs::path wav = dir / "long.wav";
  make_audio(wav, 40.0, "lt(mod(t,2),1)", "-ar 16000 -ac 1");
  const std::string audio = wav.string();
  const char* argv[] = {BEING_EXECUTABLE, "render", BEING_TEST_AVATAR, "--audio", audio.c_str(), "-o", "null",
                        "--size", "16x16", nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, BEING_EXECUTABLE, nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  std::vector<long> rss;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (const long kb = resident_kb(pid)) rss.push_back(kb);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GE(rss.size(), 40u) << "the render ended too soon to watch its memory";
  const std::size_t q = rss.size() / 4;
  const long second_quarter = *std::max_element(rss.begin() + q, rss.begin() + 2 * q);
  const long last_quarter = *std::max_element(rss.begin() + 3 * q, rss.end());
  EXPECT_LE(last_quarter - second_quarter, 1024) << "resident memory grew from " << second_quarter << " kB to "
                                                 << last_quarter << " kB";
}

}  // namespace
