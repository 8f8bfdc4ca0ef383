// `bake ingest` end to end on may_5s.mp4 at a small crop (the dataset opens, its parts agree, the
// contact sheet is drawn, a re-run reuses the finished stages), and every bad input of issue #4
// (made here with the ffmpeg CLI) gives a clear message, a non-zero exit and no dataset.json.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "being/dataset/dataset.h"
#include "being_test.h"
#include "media_tools.h"

namespace {

namespace fs = std::filesystem;
using being::test::make_with_ffmpeg;
using being::test::run_command;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::pair<int, std::string> ingest(const fs::path& video, const fs::path& out, const std::string& options = "") {
  return run_command(std::string(BAKE_EXECUTABLE) + " ingest " + quoted(video) + " -o " + quoted(out) + " " + options);
}

fs::path may() { return being::test::shared_path("data/videos/may_5s.mp4"); }

// A failed ingest: exit 1, the message, and nothing that looks like a finished dataset.
void expect_failure(const std::pair<int, std::string>& result, const std::string& message, const fs::path& out) {
  EXPECT_EQ(result.first, 1) << result.second;
  EXPECT_NE(result.second.find(message), std::string::npos) << result.second;
  EXPECT_FALSE(fs::exists(out / "dataset.json"));
}

TEST(BakeIngest, MayEndToEndAtASmallCrop) {
  BEING_REQUIRE_SHARED(may());
  const auto out = being::test::scratch_dir("may") / "dataset";
  const auto [code, output] = ingest(may(), out, "--size 128");
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("warning: the video is only 5.0 s long"), std::string::npos) << output;
  EXPECT_NE(output.find("analyse   [##############################] 125/125"), std::string::npos) << output;

  const being::dataset::Dataset d(out);
  const auto& m = d.manifest();
  EXPECT_EQ(m.frames, 125);
  EXPECT_EQ(m.crop_size, 128);
  EXPECT_EQ(m.validation.size(), 75);  // 3 s held out
  EXPECT_GT(m.quality.tracked_fraction, 0.95);
  EXPECT_LT(m.quality.reprojection_rms_px, 3.0);
  EXPECT_TRUE(m.has_audio);
  EXPECT_EQ(m.audio.samples, 125 * 640);
  EXPECT_EQ(d.audio().size(), 125u * 640);
  EXPECT_EQ(d.features().get("mel", {500, 80}).elements(), 500u * 80);
  EXPECT_GT(m.expression.components, 8);
  EXPECT_GT(m.expression.variance_kept, 0.95);
  EXPECT_GE(m.idle_loop.start, 0);
  EXPECT_LE(m.idle_loop.end, m.train.end);
  EXPECT_GT(m.idle_loop.end - m.idle_loop.start, 10);

  // The crop of a frame with its labels: a face, eyes, and torso below the face.
  const auto frame = d.frame(40), labels = d.labels(40), alpha = d.alpha(40);
  EXPECT_EQ(frame.width, 128);
  EXPECT_EQ(labels.width, 128);
  std::array<int, 7> count{};
  for (auto l : labels.pixels) ++count.at(l);
  EXPECT_GT(count[3], 128 * 128 / 20) << "face";
  EXPECT_GT(count[6], 0) << "eyes";
  EXPECT_GT(count[1], 0) << "torso";
  EXPECT_EQ(alpha.pixels[64 * 128 + 64], 255) << "the face centre is person";
  const auto plate = d.background();
  EXPECT_EQ(plate.width, 512);
  for (int i = 0; i < m.idle_loop.end - m.idle_loop.start; ++i)
    EXPECT_TRUE(fs::exists(being::dataset::loop_plate_path(out, i))) << i;
  // The contact sheet: 12 frame tiles and one plate tile, 3 per row of 512 + 2 x 256 pixels.
  const auto sheet = being::dataset::read_image(out / "contact_sheet.png", 3);
  EXPECT_GE(sheet.width, 3 * 512);
  EXPECT_GE(sheet.height, 5 * 256);
  // Tracks: the crops hold the source frame and the poses put the head in front of the camera.
  const auto& t = d.tracks();
  for (int i = 0; i < m.frames; ++i) {
    EXPECT_GT(t.translation[3 * i + 2], 10.0f) << i;
    EXPECT_GE(t.crop[3 * i], -0.01f);
    EXPECT_LE(t.crop[3 * i] + t.crop[3 * i + 2], 512.01f);
  }

  // Re-run: nothing to do. After losing the manifest (a killed run), the finished stages are reused.
  const auto again = ingest(may(), out, "--size 128");
  EXPECT_EQ(again.first, 0);
  EXPECT_NE(again.second.find("is up to date"), std::string::npos) << again.second;
  fs::remove(out / "dataset.json");
  const auto resumed = ingest(may(), out, "--size 128");
  EXPECT_EQ(resumed.first, 0) << resumed.second;
  EXPECT_NE(resumed.second.find("analyse 0.0 s (reused)"), std::string::npos) << resumed.second;
  EXPECT_NE(resumed.second.find("frames 0.0 s (reused)"), std::string::npos) << resumed.second;
  EXPECT_TRUE(fs::exists(out / "dataset.json"));
}

TEST(BakeIngest, AFailureHalfWayLeavesNoManifestAndARerunResumes) {
  BEING_REQUIRE_SHARED(may());
  const auto out = being::test::scratch_dir("half") / "dataset";
  fs::create_directories(out);
  std::ofstream(out / "labels") << "a file where the labels folder goes";
  const auto failed = ingest(may(), out, "--size 64 --fps 10");
  EXPECT_EQ(failed.first, 1) << failed.second;
  EXPECT_FALSE(fs::exists(out / "dataset.json"));
  EXPECT_TRUE(fs::exists(out / "work" / "analysis.safetensors")) << "the finished stage is kept";
  fs::remove(out / "labels");
  const auto resumed = ingest(may(), out, "--size 64 --fps 10");
  EXPECT_EQ(resumed.first, 0) << resumed.second;
  EXPECT_NE(resumed.second.find("analyse 0.0 s (reused)"), std::string::npos) << resumed.second;
  EXPECT_NO_THROW(being::dataset::Dataset{out});
}

TEST(BakeIngest, MissingPathAudioOnlyTextAndTruncatedFiles) {
  BEING_REQUIRE_SHARED(may());
  const auto dir = being::test::scratch_dir("bad_files");
  expect_failure(ingest(dir / "no-such.mp4", dir / "a"), "no such file: ", dir / "a");
  const auto audio_only = make_with_ffmpeg(dir / "speech.m4a", "-f lavfi -i sine=frequency=200:duration=8 -c:a aac");
  expect_failure(ingest(audio_only, dir / "b"), "no video stream", dir / "b");
  std::ofstream(dir / "text.mp4") << "not a video";
  expect_failure(ingest(dir / "text.mp4", dir / "c"), "not a media file", dir / "c");
  std::ifstream in(may(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir / "cut.mp4", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
  const auto cut = ingest(dir / "cut.mp4", dir / "d", "--size 64");
  EXPECT_EQ(cut.first, 1) << cut.second;
  EXPECT_NE(cut.second.find("bake: "), std::string::npos) << cut.second;
  EXPECT_FALSE(fs::exists(dir / "d" / "dataset.json"));
}

TEST(BakeIngest, TooShortNoAudioAndNoFace) {
  BEING_REQUIRE_SHARED(may());
  const auto dir = being::test::scratch_dir("bad_content");
  const auto shorter = make_with_ffmpeg(dir / "short.mp4", "-i " + quoted(may()) + " -t 3 -c:v libx264 -c:a aac");
  expect_failure(ingest(shorter, dir / "a"), "the video is 3.0 s long; bake needs at least 5 s", dir / "a");

  const auto franck = being::test::shared_path("data/videos/franck_noaudio_200s.mp4");
  BEING_REQUIRE_SHARED(franck);
  expect_failure(ingest(franck, dir / "b"), "has no audio track", dir / "b");
  expect_failure(ingest(franck, dir / "b"), "--no-audio", dir / "b");
  const auto tracked = ingest(franck, dir / "b", "--no-audio --max-frames 130 --size 64");
  ASSERT_EQ(tracked.first, 0) << tracked.second;
  const being::dataset::Dataset d(dir / "b");
  EXPECT_FALSE(d.manifest().has_audio);
  EXPECT_FALSE(fs::exists(dir / "b" / "audio.wav"));
  EXPECT_THROW(d.audio(), being::dataset::DatasetError);

  const auto no_face = make_with_ffmpeg(dir / "noface.mp4", "-f lavfi -i testsrc2=size=320x240:rate=25:duration=6 "
                                                            "-f lavfi -i sine=frequency=300:duration=6 -c:v libx264 -c:a aac -shortest");
  expect_failure(ingest(no_face, dir / "c", "--size 64"), "no usable face in any of the 150 frames", dir / "c");
}

TEST(BakeIngest, TwoFacesAndASmallFaceAreWarnings) {
  BEING_REQUIRE_SHARED(may());
  const auto dir = being::test::scratch_dir("two_faces");
  // May twice side by side, the right one smaller: the larger, left one is tracked.
  const auto two = make_with_ffmpeg(dir / "two.mp4", "-i " + quoted(may()) + " -filter_complex "
                                    "'[0:v]split[a][b];[a]scale=384:384[l];[b]scale=192:192,pad=192:384:0:96[r];[l][r]hstack' "
                                    "-c:v libx264 -c:a aac");
  const auto [code, output] = ingest(two, dir / "out", "--size 64");
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("warning: more than one face was seen"), std::string::npos) << output;
  EXPECT_NE(output.find("warning: the face is small"), std::string::npos) << output;
  const being::dataset::Dataset d(dir / "out");
  const auto& t = d.tracks();
  EXPECT_LT(t.crop[3 * 60] + t.crop[3 * 60 + 2] / 2, 384.0f) << "the crop follows the left, larger face";
}

TEST(BakeIngest, UnwritableOutput) {
  BEING_REQUIRE_SHARED(may());
  const auto dir = being::test::scratch_dir("unwritable");
  // Root may write anywhere a mode allows, so as root the output goes under /proc, where nobody can.
  fs::path out;
  if (geteuid() == 0) {
    out = "/proc/being-ingest-test/dataset";
  } else {
    fs::create_directories(dir / "locked");
    chmod((dir / "locked").c_str(), 0555);
    out = dir / "locked" / "dataset";
  }
  const auto result = ingest(may(), out);
  EXPECT_EQ(result.first, 1) << result.second;
  EXPECT_NE(result.second.find("cannot create the output folder"), std::string::npos) << result.second;
  const auto file_as_dir = ingest(may(), may() / "dataset");
  EXPECT_EQ(file_as_dir.first, 1) << file_as_dir.second;
  EXPECT_NE(file_as_dir.second.find("choose a writable location"), std::string::npos) << file_as_dir.second;
}

}  // namespace

namespace {

// `bake VIDEO -o OUT.avatar`: ingest, train (tiny CPU schedule) and export in one command, the
// avatar valid for the runtime's reader, the stage timings printed; a re-run resumes from the work
// folder (the dataset is up to date, training continues from its checkpoint).
TEST(BakeMake, VideoToAvatarInOneCommand) {
  BEING_REQUIRE_SHARED(may());
  const auto help = run_command(std::string(BAKE_EXECUTABLE) + " --help");
  if (help.second.find("make") == std::string::npos) GTEST_SKIP() << "bake was built without the trainer";
  const auto dir = being::test::scratch_dir("make");
  const auto avatar = dir / "may.avatar";
  const std::string command = std::string(BAKE_EXECUTABLE) + " " + quoted(may()) + " -o " + quoted(avatar) +
                              " --size 128 --config tiny --device cpu";
  const auto [code, output] = run_command(command);
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("stages: ingest"), std::string::npos) << output;
  EXPECT_NE(output.find("wrote " + avatar.string()), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(avatar));
  EXPECT_TRUE(fs::exists(dir / "may.avatar.work" / "dataset" / "dataset.json"));
  const auto inspect = run_command(std::string(BEING_EXECUTABLE) + " inspect " + quoted(avatar));
  EXPECT_EQ(inspect.first, 0) << inspect.second;
  EXPECT_NE(inspect.second.find("network audio_encoder"), std::string::npos) << inspect.second;
  EXPECT_NE(inspect.second.find("idle loop"), std::string::npos) << inspect.second;

  const auto again = run_command(command);
  EXPECT_EQ(again.first, 0) << again.second;
  EXPECT_NE(again.second.find("is up to date"), std::string::npos) << again.second;
}

TEST(BakeMake, UnwritableAvatarPathFailsBeforeAnyWork) {
  BEING_REQUIRE_SHARED(may());
  const auto help = run_command(std::string(BAKE_EXECUTABLE) + " --help");
  if (help.second.find("make") == std::string::npos) GTEST_SKIP() << "bake was built without the trainer";
  const auto dir = being::test::scratch_dir("make_unwritable");
  const auto [code, output] = run_command(std::string(BAKE_EXECUTABLE) + " " + quoted(may()) + " -o " +
                                          quoted(dir / "no-such-folder" / "may.avatar") + " --config tiny");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("does not exist"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "no-such-folder"));
}

}  // namespace
