// `being play` end to end under Xvfb + lavapipe, sound to OpenAL's null device: it presents frames,
// exits 0, its report's codes follow the played file's loudness, and a grab of the screen during the
// run shows the avatar (the AvatarPlayer's own frame, not a blank window). A microphone (a private
// PulseAudio null sink, tests/live/pulse_server.h) that disappears mid-run is reported, not a crash.
#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"
#include "being_test.h"
#include "live_signals.h"
#include "pulse_server.h"
#include "virtual_display.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<nlohmann::json> read_report(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Lines written so far (the last may still be incomplete).
std::size_t complete_lines(const fs::path& path) {
  const std::string text = read_text(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

double mean_abs_difference(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += std::abs(int(a[i]) - int(b[i]));
  return sum / static_cast<double>(a.size());
}

const int kSize = 128;
const char* kBackground = "#204060";

TEST(Play, FilePlaysInAWindowAndTheCodesFollowTheSound) {
  const fs::path dir = being::test::scratch_dir("play");
  const fs::path wav = dir / "burst.wav", report = dir / "report.jsonl", log = dir / "play.log";
  being::test::write_wav16(wav, being::test::burst_signal(3.0, {{1.0, 2.0}}, 16000), 16000);

  being::test::VirtualDisplay display;
  being::test::ChildProcess play({BEING_EXECUTABLE, "play", BEING_TEST_AVATAR, "--audio", wav.string(), "--seconds", "3",
                                  "--size", std::to_string(kSize) + "x" + std::to_string(kSize), "--no-overlay",
                                  "--background", kBackground, "--report", report.string()},
                                 {"DISPLAY=" + display.name(), "ALSOFT_DRIVERS=null"}, log.string());
  // Grab once a few frames were presented (start-up time varies with the machine's load). The
  // window is centred on the screen (no window manager moves it).
  for (int i = 0; i < 500 && complete_lines(report) < 3 && play.running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int x = (display.width() - kSize) / 2, y = (display.height() - kSize) / 2;
  const std::vector<std::uint8_t> shot = display.grab(x, y, kSize, kSize);
  ASSERT_EQ(play.wait(60), 0) << read_text(log);

  const auto lines = read_report(report);
  ASSERT_GE(lines.size(), 5u) << read_text(log);
  double loud = 0, quiet = 0;
  int n_loud = 0, n_quiet = 0;
  int64_t previous = -1;
  for (const auto& line : lines) {
    const int64_t frame = line.at("frame");
    EXPECT_GE(frame, previous) << "frames follow the playback clock forwards";
    previous = frame;
    const double t = line.at("time");
    EXPECT_NEAR(t, frame / 60.0, 1e-9);
    ASSERT_EQ(line.at("code").size(), 1u);  // the test avatar's jawOpen
    const double open = line.at("code")[0];
    if (t >= 1.2 && t < 1.95) loud += open, ++n_loud;
    if (t < 0.85) quiet += open, ++n_quiet;
  }
  ASSERT_GT(n_loud, 0) << "no frame presented during the burst";
  ASSERT_GT(n_quiet, 0) << "no frame presented before the burst";
  EXPECT_GT(loud / n_loud, quiet / n_quiet + 0.1) << "the jaw opens with the sound";
  EXPECT_GE(previous / 60.0, 2.2) << "the playback clock, which the picture follows, runs at real time";

  // The grab against the AvatarPlayer's own frame (first idle pose, jaw closed) and against a blank
  // window of the background colour: the avatar is there, drawn as the player draws it.
  const auto avatar = being::asset::read_avatar(BEING_TEST_AVATAR);
  being::gpu::Context context;
  being::player::PlayerOptions look;
  look.width = look.height = kSize;
  ASSERT_EQ(being::player::parse_background(kBackground, look), "");
  look.idle_motion = false;
  being::player::AvatarPlayer player(context, avatar, look);
  const float closed = 0.0f;
  player.render(0, 60, &closed);
  std::vector<std::uint8_t> reference(kSize * kSize * 3);
  being::player::to_rgb8(player.host_rgba(), kSize * kSize, reference.data());
  const std::vector<std::uint8_t> blank = [] {
    std::vector<std::uint8_t> rgb(kSize * kSize * 3);
    for (std::size_t i = 0; i < rgb.size(); i += 3) rgb[i] = 0x20, rgb[i + 1] = 0x40, rgb[i + 2] = 0x60;
    return rgb;
  }();
  const double to_reference = mean_abs_difference(shot, reference);
  const double blank_to_reference = mean_abs_difference(blank, reference);
  EXPECT_GT(blank_to_reference, 5.0) << "the avatar covers part of the frame";
  EXPECT_LT(to_reference, 0.4 * blank_to_reference)
      << "the window shows the avatar (mean difference " << to_reference << " to the player's frame, "
      << blank_to_reference << " from a blank window to it)";
}

TEST(Play, WithoutADisplayItFailsWithAMessage) {
  const fs::path dir = being::test::scratch_dir("no-display");
  const fs::path wav = dir / "burst.wav", log = dir / "play.log";
  being::test::write_wav16(wav, being::test::burst_signal(0.5, {{0.1, 0.3}}, 16000), 16000);
  being::test::ChildProcess play({BEING_EXECUTABLE, "play", BEING_TEST_AVATAR, "--audio", wav.string(), "--seconds", "1"},
                                 {"DISPLAY=:59999", "WAYLAND_DISPLAY=", "ALSOFT_DRIVERS=null"}, log.string());
  EXPECT_EQ(play.wait(60), 1);
  EXPECT_NE(read_text(log).find("cannot open a window"), std::string::npos) << read_text(log);
}

TEST(Play, AMicrophoneThatDisappearsIsReportedAndTheWindowGoesOn) {
  const fs::path dir = being::test::scratch_dir("mic-gone");
  const fs::path report = dir / "report.jsonl", log = dir / "play.log";
  auto server = std::make_unique<being::test::PulseServer>(dir);
  being::test::VirtualDisplay display;
  being::test::ChildProcess play({BEING_EXECUTABLE, "play", BEING_TEST_AVATAR, "--mic",
                                  being::test::PulseServer::kMonitorDevice, "--seconds", "4", "--size", "64x64",
                                  "--no-overlay", "--report", report.string()},
                                 {"DISPLAY=" + display.name()}, log.string());
  for (int i = 0; i < 1500 && !server->has_recording_client() && play.running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(server->has_recording_client()) << "being play does not listen: " << read_text(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::size_t before = complete_lines(report);
  server.reset();  // the sound server dies: the microphone is gone
  ASSERT_EQ(play.wait(60), 0) << read_text(log);
  EXPECT_NE(read_text(log).find("the microphone disconnected"), std::string::npos) << read_text(log);
  EXPECT_GT(complete_lines(report), before + 3) << "frames were presented after the microphone went away";
}

}  // namespace
