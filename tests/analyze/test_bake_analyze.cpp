// `bake analyze` end to end on the first 30 frames of may_5s.mp4: JSON lines (one face a frame,
// landmarks inside the frame, 52 named blendshapes), an overlay MP4 with as many frames (ffprobe), a
// contact sheet; an odd-sized video with the face cut by the border; and an output that cannot be
// written leaves none of the others behind.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "being_test.h"
#include "media_tools.h"

namespace {

namespace fs = std::filesystem;

using being::test::run_command;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(BakeAnalyze, JsonOverlayAndContactSheet) {
  const auto video = being::test::shared_path("data/videos/may_5s.mp4");
  BEING_REQUIRE_SHARED(video);
  const auto dir = being::test::scratch_dir("bake_analyze");
  const auto json = dir / "may.jsonl", overlay = dir / "may.mp4", sheet = dir / "may.png";
  const auto [code, output] = run_command(std::string(BAKE_EXECUTABLE) + " analyze " + quoted(video) + " --max-frames 30" +
                                  " --json " + quoted(json) + " --overlay " + quoted(overlay) +
                                  " --contact-sheet " + quoted(sheet));
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("frames 30: face 30 (ok 30"), std::string::npos) << output;
  EXPECT_NE(output.find("landmark jitter"), std::string::npos) << output;

  std::ifstream in(json);
  std::string line;
  int frames = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("frame"), frames);
    EXPECT_EQ(j.at("status"), "ok");
    EXPECT_EQ(j.at("face"), true);
    const auto& landmarks = j.at("landmarks");
    ASSERT_EQ(landmarks.size(), 478u);
    for (const auto& p : landmarks) {
      EXPECT_GT(p[0].get<double>(), 0);
      EXPECT_LT(p[0].get<double>(), 512);
      EXPECT_GT(p[1].get<double>(), 0);
      EXPECT_LT(p[1].get<double>(), 512);
    }
    ASSERT_EQ(j.at("blendshapes").size(), 52u);
    EXPECT_TRUE(j.at("blendshapes").contains("jawOpen"));
    EXPECT_GT(j.at("person_area").get<double>(), 0.2);  // masks run when an overlay is asked for
    ++frames;
  }
  EXPECT_EQ(frames, 30);

  const auto [probe_code, probe] =
      run_command("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height "
          "-of csv=p=0 " + quoted(overlay));
  ASSERT_EQ(probe_code, 0) << probe;
  EXPECT_EQ(probe.substr(0, probe.find_first_of("\r\n")), "512,512,30");
  const auto [audio_code, audio] =
      run_command("ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 " + quoted(overlay));
  EXPECT_EQ(audio.substr(0, 3), "aac") << "the overlay carries the source audio";

  EXPECT_GT(fs::file_size(sheet), 10000u);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_NE(entry.path().extension(), ".part") << entry.path();
}

// An odd-sized crop of the video whose left border cuts the face: the overlay is padded to even
// sizes for H.264, and every frame says cut_by_border with its landmarks.
TEST(BakeAnalyze, OddSizedVideoWithTheFaceCutByTheBorder) {
  const auto video = being::test::shared_path("data/videos/may_5s.mp4");
  BEING_REQUIRE_SHARED(video);
  const auto dir = being::test::scratch_dir("bake_analyze_odd");
  const auto clip = dir / "odd.mp4", json = dir / "odd.jsonl", overlay = dir / "overlay.mp4";
  const auto [make_code, make] = run_command("ffmpeg -v error -y -i " + quoted(video) +
                                     " -frames:v 10 -an -vf crop=320:300:100:60,scale=321:301 -c:v libx264 "
                                     "-pix_fmt yuv444p " + quoted(clip));
  ASSERT_EQ(make_code, 0) << make;
  const auto [code, output] = run_command(std::string(BAKE_EXECUTABLE) + " analyze " + quoted(clip) + " --json " +
                                  quoted(json) + " --overlay " + quoted(overlay));
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("frames 10: face 10 (ok 0, cut by border 10)"), std::string::npos) << output;
  EXPECT_NE(output.find("jitter: not measured"), std::string::npos) << output;
  std::ifstream in(json);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("status"), "cut_by_border");
    EXPECT_EQ(j.at("landmarks").size(), 478u);
    EXPECT_GT(j.at("outside").get<double>(), 0.05);
  }
  const auto [probe_code, probe] =
      run_command("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=width,height,nb_read_frames "
          "-of csv=p=0 " + quoted(overlay));
  EXPECT_EQ(probe.substr(0, probe.find_first_of("\r\n")), "322,302,10") << probe;
}

TEST(BakeAnalyze, UnwritableOutputLeavesNothingBehind) {
  const auto video = being::test::shared_path("data/videos/may_5s.mp4");
  BEING_REQUIRE_SHARED(video);
  const auto dir = being::test::scratch_dir("bake_analyze_unwritable");
  const auto [code, output] = run_command(std::string(BAKE_EXECUTABLE) + " analyze " + quoted(video) + " --max-frames 2" +
                                  " --json " + quoted(dir / "ok.jsonl") + " --overlay " +
                                  quoted(dir / "no-such-dir" / "out.mp4"));
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("out.mp4: cannot be written"), std::string::npos) << output;
  EXPECT_TRUE(fs::is_empty(dir)) << "a half-written output was left in " << dir;
}

}  // namespace
