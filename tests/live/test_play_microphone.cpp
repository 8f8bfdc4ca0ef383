// `being play --mic` end to end (the acceptance of issue #8's microphone): under Xvfb + lavapipe,
// with a private PulseAudio null sink as the microphone (pulse_server.h), speech-like bursts fed
// into the sink while being play listens show up in its report as an open mouth during the bursts
// and a closed one between them, with a measured latency for the frames.
#include "being_test.h"
#include "live_signals.h"
#include "pulse_server.h"
#include "virtual_display.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
using being::test::PulseServer;

std::vector<nlohmann::json> report_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.back() == '}') lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::string text_of(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PlayMicrophone, TheReportedCodesFollowTheAudioFedToTheMicrophone) {
  const fs::path dir = being::test::scratch_dir("play-mic");
  const fs::path wav = dir / "fed.wav", report = dir / "report.jsonl", log = dir / "play.log";
  // Bursts 0.3-1.1 s and 1.9-2.7 s of the fed file.
  being::test::write_wav16(wav, being::test::burst_signal(3.6, {{0.3, 1.1}, {1.9, 2.7}}, 48000), 48000);
  PulseServer server(dir);
  being::test::VirtualDisplay display;
  being::test::ChildProcess play({BEING_EXECUTABLE, "play", BEING_TEST_AVATAR, "--mic", PulseServer::kMonitorDevice,
                                  "--seconds", "10", "--size", "96x96", "--no-overlay", "--report", report.string()},
                                 {"DISPLAY=" + display.name()}, log.string());
  // Feed the audio once being play records from the server.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!server.has_recording_client() && play.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(server.has_recording_client()) << "being play does not listen: " << text_of(log);
  const auto feeder = server.play(wav);
  EXPECT_EQ(feeder->wait(20), 0);
  ASSERT_EQ(play.wait(30), 0) << text_of(log);

  // Frame times are capture-stream seconds; the fed file starts where the mouth first opens, less
  // the burst's 0.3 s of lead-in silence.
  const auto lines = report_lines(report);
  std::vector<std::pair<double, double>> opening;  // (time, jawOpen)
  for (const auto& line : lines) opening.emplace_back(line.at("time"), line.at("code")[0]);
  const auto first_open = std::find_if(opening.begin(), opening.end(), [](const auto& p) { return p.second > 0.5; });
  ASSERT_NE(first_open, opening.end()) << "the mouth never opened: " << text_of(log);
  const double fed_start = first_open->first - 0.3;
  auto mean_in = [&](double from, double to) {  // seconds of the fed file
    double sum = 0;
    int n = 0;
    for (const auto& [t, v] : opening)
      if (t >= fed_start + from && t < fed_start + to) sum += v, ++n;
    EXPECT_GE(n, 2) << "frames between " << from << " and " << to << " s of the fed file";
    return n ? sum / n : 0.0;
  };
  const double before = mean_in(-0.8, 0.1), burst1 = mean_in(0.4, 1.0), gap = mean_in(1.25, 1.75),
               burst2 = mean_in(2.0, 2.6), after = mean_in(2.9, 3.6);
  std::printf("mean jawOpen: before %.2f, burst %.2f, gap %.2f, burst %.2f, after %.2f\n", before, burst1, gap, burst2, after);
  EXPECT_GT(burst1, 0.6);
  EXPECT_GT(burst2, 0.6);
  EXPECT_LT(before, 0.3);
  EXPECT_LT(gap, 0.3);
  EXPECT_LT(after, 0.3);
  // Frames shown for the first time carry their measured mic-to-photon latency.
  const auto measured = std::count_if(lines.begin(), lines.end(), [](const auto& l) { return l.at("latency").is_number(); });
  EXPECT_GT(measured, static_cast<long>(lines.size() / 4)) << text_of(log);
  std::printf("%s", text_of(log).c_str());
}

}  // namespace
