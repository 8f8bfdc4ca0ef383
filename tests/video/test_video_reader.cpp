#include "being/video/video_reader.h"
#include <array>

#include "being_test.h"
#include "media_tools.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using namespace being::video;

namespace {

using being::test::make_with_ffmpeg;

std::vector<Frame> read_all(const fs::path& path, double fps) {
  VideoReader reader(path.string(), fps);
  std::vector<Frame> frames;
  Frame f;
  while (reader.next(f)) frames.push_back(f);
  return frames;
}

std::string error_of(const fs::path& path) {
  try {
    read_all(path, 25.0);
  } catch (const VideoError& e) {
    return e.what();
  }
  return "";
}

// Mean colour of a rectangle of an RGB frame.
std::array<double, 3> mean_rgb(const Frame& f, int x0, int y0, int x1, int y1) {
  std::array<double, 3> sum{};
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < 3; ++c) sum[c] += f.rgb[(static_cast<std::size_t>(y) * f.width + x) * 3 + c];
  const double n = static_cast<double>(x1 - x0) * (y1 - y0);
  return {sum[0] / n, sum[1] / n, sum[2] / n};
}

}  // namespace

TEST(VideoReader, ConstantRateSourceMapsFrameForFrame) {
  auto dir = being::test::scratch_dir("video_cfr");
  auto file = make_with_ffmpeg(dir / "testsrc.mp4", "-f lavfi -i testsrc=size=96x64:rate=25:duration=2 -pix_fmt yuv420p");
  auto same = read_all(file, 25.0);
  ASSERT_EQ(same.size(), 50u);
  for (std::size_t i = 0; i < same.size(); ++i) {
    EXPECT_EQ(same[i].source_index, static_cast<int>(i));
    EXPECT_DOUBLE_EQ(same[i].time_s, i / 25.0);
  }
  auto doubled = read_all(file, 50.0);
  ASSERT_EQ(doubled.size(), 100u);
  for (std::size_t i = 0; i < doubled.size(); ++i) EXPECT_EQ(doubled[i].source_index, static_cast<int>(i / 2)) << i;
  auto slower = read_all(file, 10.0);
  ASSERT_EQ(slower.size(), 20u);
  for (std::size_t i = 0; i < slower.size(); ++i) EXPECT_EQ(slower[i].source_index, static_cast<int>(i * 5 / 2)) << i;
}

TEST(VideoReader, ColoursSurviveDecoding) {
  auto dir = being::test::scratch_dir("video_colour");
  auto file = make_with_ffmpeg(dir / "halves.mp4",
      "-f lavfi -i color=c=red:s=96x32:d=1 -f lavfi -i color=c=blue:s=96x32:d=1 "
      "-filter_complex vstack -pix_fmt yuv444p -crf 0");
  auto frames = read_all(file, 25.0);
  ASSERT_FALSE(frames.empty());
  const Frame& f = frames[0];
  ASSERT_EQ(f.width, 96);
  ASSERT_EQ(f.height, 64);
  auto top = mean_rgb(f, 0, 0, 96, 28), bottom = mean_rgb(f, 0, 36, 96, 64);
  EXPECT_GT(top[0], 230);
  EXPECT_LT(top[2], 25);
  EXPECT_GT(bottom[2], 230);
  EXPECT_LT(bottom[0], 25);
}

// A phone video stores its pictures as coded plus a display matrix in the container; players turn
// the picture. Our frames must match what FFmpeg's own player pipeline (autorotate) shows.
TEST(VideoReader, RotationMetadataIsAppliedAsPlayersDo) {
  auto dir = being::test::scratch_dir("video_rotation");
  auto plain = make_with_ffmpeg(dir / "plain.mp4",
      "-f lavfi -i color=c=red:s=96x32:d=1 -f lavfi -i color=c=blue:s=96x32:d=1 "
      "-filter_complex vstack -pix_fmt yuv444p -crf 0");
  auto file = make_with_ffmpeg(dir / "rotated.mp4", "-i '" + plain.string() + "' -c copy -metadata:s:v:0 rotate=90");
  auto shown = make_with_ffmpeg(dir / "shown.rgb", "-i '" + file.string() + "' -frames:v 1 -f rawvideo -pix_fmt rgb24");

  VideoReader reader(file.string());
  EXPECT_EQ(reader.info().rotation_degrees % 180, 90);
  EXPECT_EQ(reader.info().width, 64);
  EXPECT_EQ(reader.info().height, 96);
  Frame f;
  ASSERT_TRUE(reader.next(f));
  std::ifstream in(shown, std::ios::binary);
  std::vector<std::uint8_t> expected((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(expected.size(), f.rgb.size());
  int far_off = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) far_off += std::abs(int(expected[i]) - int(f.rgb[i])) > 24;
  EXPECT_LT(far_off, static_cast<int>(expected.size() / 100)) << "pixels differ from ffmpeg's rotated output";
  auto left = mean_rgb(f, 0, 0, 28, 96), right = mean_rgb(f, 36, 0, 64, 96);
  EXPECT_GT(std::abs(left[0] - right[0]), 200);  // the red and blue halves now stand side by side
}

TEST(VideoReader, VariableFrameRateIsResampledByTimestamps) {
  auto file = being::test::shared_path("data/videos/suit_man_vfr_6s.mp4");
  BEING_REQUIRE_SHARED(file);
  VideoReader reader(file.string(), 25.0);
  EXPECT_NEAR(reader.info().average_fps, 22.1, 0.2);
  EXPECT_EQ(reader.info().nominal_fps, 30.0);
  EXPECT_NEAR(reader.info().video_start_s, 0.033, 0.002);
  std::vector<int> sources;
  Frame f;
  while (reader.next(f)) sources.push_back(f.source_index);
  EXPECT_NEAR(static_cast<double>(sources.size()), 6.13 * 25, 2.0);
  int repeats = 0, skips = 0;
  for (std::size_t i = 1; i < sources.size(); ++i) {
    ASSERT_GE(sources[i], sources[i - 1]);
    repeats += sources[i] == sources[i - 1];
    skips += sources[i] > sources[i - 1] + 1;
  }
  EXPECT_GT(repeats, 5);  // 22 fps average into 25 fps needs repeated frames
  // It has 135 pictures; resampling may skip the very last one if it falls between two output instants.
  EXPECT_GE(sources.back(), 133);
}

TEST(VideoReader, SharedVideosHaveTheExpectedLength) {
  struct Case { const char* file; std::size_t frames; int width; bool audio; };
  for (const Case& c : {Case{"data/videos/may_5s.mp4", 125, 512, true}, Case{"data/videos/bluebg_woman_7s.mp4", 166, 700, true}}) {
    auto file = being::test::shared_path(c.file);
    BEING_REQUIRE_SHARED(file);
    VideoReader reader(file.string(), 25.0);
    EXPECT_EQ(reader.info().width, c.width);
    EXPECT_EQ(reader.info().has_audio, c.audio);
    std::size_t n = 0;
    Frame f;
    while (reader.next(f)) ++n;
    EXPECT_EQ(n, c.frames) << c.file;
  }
}

TEST(VideoReader, ErrorsSayWhatIsWrong) {
  auto dir = being::test::scratch_dir("video_errors");
  EXPECT_NE(error_of(dir / "absent.mp4").find("no such file"), std::string::npos);
  std::ofstream(dir / "notes.mp4") << "not a video\n";
  EXPECT_NE(error_of(dir / "notes.mp4").find("not a media file"), std::string::npos) << error_of(dir / "notes.mp4");
  auto audio = being::test::shared_path("data/audio/es_male.wav");
  BEING_REQUIRE_SHARED(audio);
  EXPECT_NE(error_of(audio).find("has no video stream"), std::string::npos) << error_of(audio);
  EXPECT_THROW(VideoReader(audio.string(), 0.0), VideoError);

  auto noaudio = being::test::shared_path("data/videos/franck_noaudio_200s.mp4");
  BEING_REQUIRE_SHARED(noaudio);
  EXPECT_FALSE(VideoReader(noaudio.string()).info().has_audio);
}

TEST(VideoReader, TruncatedVideoIsAnErrorOrShorterNeverACrash) {
  auto dir = being::test::scratch_dir("video_truncated");
  auto file = make_with_ffmpeg(dir / "full.mkv", "-f lavfi -i testsrc=size=96x64:rate=25:duration=4");
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (double fraction : {0.01, 0.3, 0.7}) {
    auto cut = dir / ("cut" + std::to_string(static_cast<int>(fraction * 100)) + ".mkv");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() * fraction));
    try {
      auto frames = read_all(cut, 25.0);
      EXPECT_LT(frames.size(), 100u) << fraction;
    } catch (const VideoError& e) {
      EXPECT_NE(std::string(e.what()).find(cut.filename().string()), std::string::npos);
    }
  }
}
