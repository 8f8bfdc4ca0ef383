#include "being/encode/mp4_writer.h"

#include "being/audio/decoder.h"
#include "being/video/video_reader.h"

#include "being_test.h"
#include "media_tools.h"

#include <nlohmann/json.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>

namespace fs = std::filesystem;
using namespace being::encode;

namespace {


// Frame i: a flat colour that changes with i, so frames can be told apart after decoding.
std::vector<std::uint8_t> frame_rgb(int i, int w, int h) {
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t p = 0; p < rgb.size(); p += 3) {
    rgb[p] = static_cast<std::uint8_t>(i * 3);
    rgb[p + 1] = 128;
    rgb[p + 2] = static_cast<std::uint8_t>(255 - i * 3);
  }
  return rgb;
}

std::string error_of(const fs::path& path, const Mp4Options& options) {
  try {
    Mp4Writer writer(path, options);
  } catch (const EncodeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Mp4Writer, WritesH264AndAacWithMatchingDurations) {
  auto dir = being::test::scratch_dir("mp4_writer");
  const auto file = dir / "out.mp4";
  Mp4Options options;
  options.width = 64;
  options.height = 48;
  {
    Mp4Writer writer(file, options);
    std::vector<float> tone(16000 * 3);
    for (std::size_t s = 0; s < tone.size(); ++s) tone[s] = 0.5f * std::sin(2.0 * M_PI * 440.0 * s / 16000.0);
    for (int i = 0; i < 75; ++i) {
      writer.add_frame(frame_rgb(i, 64, 48).data());
      writer.add_audio(tone.data() + i * 640, 640);  // audio arrives with its frame, as a renderer feeds it
    }
    writer.finish();
    EXPECT_EQ(writer.frames_written(), 75);
  }
  ASSERT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(dir / "out.mp4.part"));

  const auto probe = being::test::ffprobe_streams(file);
  ASSERT_EQ(probe["streams"].size(), 2u);
  double video_s = 0, audio_s = 0;
  for (const auto& s : probe["streams"]) {
    if (s["codec_type"] == "video") {
      EXPECT_EQ(s["codec_name"], "h264");
      EXPECT_EQ(s["pix_fmt"], "yuv420p");
      EXPECT_EQ(s["nb_read_frames"], "75");
      EXPECT_EQ(s["r_frame_rate"], "25/1");
      video_s = std::stod(s["duration"].get<std::string>());
    } else {
      EXPECT_EQ(s["codec_name"], "aac");
      audio_s = std::stod(s["duration"].get<std::string>());
    }
  }
  EXPECT_NEAR(video_s, 3.0, 1e-6);
  EXPECT_NEAR(audio_s, video_s, 0.04);  // within one frame

  auto samples = being::audio::decode_audio_file(file.string());
  int crossings = 0;
  for (std::size_t s = 16000; s < 32000; ++s) crossings += samples[s - 1] < 0 && samples[s] >= 0;
  EXPECT_NEAR(crossings, 440, 3);

  being::video::VideoReader reader(file.string(), 25.0);
  being::video::Frame f;
  for (int i = 0; reader.next(f); ++i) {
    const auto expected = frame_rgb(i, 64, 48);
    EXPECT_NEAR(f.rgb[32 * 3 + 24 * 64 * 3], expected[0], 6) << "frame " << i;
    EXPECT_NEAR(f.rgb[32 * 3 + 24 * 64 * 3 + 2], expected[2], 6) << "frame " << i;
  }
}

TEST(Mp4Writer, VideoOnlyWhenAskedSo) {
  auto dir = being::test::scratch_dir("mp4_writer_video_only");
  Mp4Options options;
  options.width = 32;
  options.height = 32;
  options.audio = false;
  Mp4Writer writer(dir / "silent.mp4", options);
  for (int i = 0; i < 10; ++i) writer.add_frame(frame_rgb(i, 32, 32).data());
  EXPECT_THROW(writer.add_audio(nullptr, 0), EncodeError);
  writer.finish();
  EXPECT_EQ(being::test::ffprobe_streams(dir / "silent.mp4")["streams"].size(), 1u);
}

TEST(Mp4Writer, AnUnfinishedFileLeavesNothingBehind) {
  auto dir = being::test::scratch_dir("mp4_writer_unfinished");
  {
    Mp4Options options;
    options.width = options.height = 32;
    Mp4Writer writer(dir / "killed.mp4", options);
    writer.add_frame(frame_rgb(0, 32, 32).data());
  }
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Mp4Writer, BadOptionsAndPathsAreClearErrors) {
  auto dir = being::test::scratch_dir("mp4_writer_errors");
  Mp4Options odd;
  odd.width = 33;
  EXPECT_NE(error_of(dir / "odd.mp4", odd).find("even"), std::string::npos);
  const auto unwritable = error_of(dir / "no-such-folder" / "out.mp4", Mp4Options{});
  EXPECT_NE(unwritable.find("cannot be written"), std::string::npos) << unwritable;
  EXPECT_TRUE(fs::is_empty(dir));
}

// swscale's vector code reads a little past the last RGB pixel; the writer must not hand it the
// caller's buffer directly. The frame here ends right at an unreadable page.
TEST(Mp4Writer, NeverReadsPastTheCallersFrame) {
  auto dir = being::test::scratch_dir("mp4_writer_guard");
  Mp4Options options;
  options.width = 64;
  options.height = 48;
  options.audio = false;
  const std::size_t bytes = 64 * 48 * 3, page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t span = (bytes + page - 1) / page * page;
  auto* region = static_cast<std::uint8_t*>(mmap(nullptr, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(region, MAP_FAILED);
  ASSERT_EQ(mprotect(region + span, page, PROT_NONE), 0);
  std::uint8_t* frame = region + span - bytes;
  const auto rgb = frame_rgb(7, 64, 48);
  std::memcpy(frame, rgb.data(), bytes);
  Mp4Writer writer(dir / "guarded.mp4", options);
  for (int i = 0; i < 3; ++i) writer.add_frame(frame);
  writer.finish();
  munmap(region, span + page);
  EXPECT_EQ(writer.frames_written(), 3);
}
