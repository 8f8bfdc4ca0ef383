// runtime/live's OpenAL devices against a private PulseAudio server (pulse_server.h): the null
// sink's monitor is listed and is the default microphone; audio fed into the sink comes out of
// Microphone with its loudness at the right places and drives LivePipeline's codes; Playback's
// clock runs to the end of what it was given and its sound reaches the sink; a server that dies
// leaves a disconnected Microphone, not a crash.
#include "being/live/audio_devices.h"
#include "being/live/live_pipeline.h"
#include "being/live/microphone.h"
#include "being/live/playback.h"
#include "being_test.h"
#include "live_signals.h"
#include "pulse_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace being::live {
namespace {

using namespace std::chrono_literals;

const asset::Avatar& test_avatar() {
  static const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  return avatar;
}

// Silence and two bursts: what the fed "speech" looks like, in seconds from the file's start.
const test::Spans kBursts = {{0.8, 1.4}, {2.0, 2.6}};
constexpr double kFedSeconds = 3.2;

// The first sample from which 20 ms windows turn loud (the fed audio's first burst), or -1.
int64_t onset(const std::vector<float>& s, int rate) {
  const std::size_t w = static_cast<std::size_t>(rate / 50);
  for (std::size_t i = 0; i + w <= s.size(); i += w / 4)
    if (test::rms(s, i, i + w) > 0.05) return static_cast<int64_t>(i);
  return -1;
}

// Checks that the captured signal is loud inside the bursts and silent between them, measured
// from the first burst's onset (the server's start-up delay is unknown).
void expect_loudness_follows_bursts(const std::vector<float>& captured, int rate) {
  const int64_t start = onset(captured, rate);
  ASSERT_GE(start, 0) << "no burst was captured (" << captured.size() << " samples)";
  auto level = [&](double from, double to) {  // seconds after the first burst started
    return test::rms(captured, static_cast<std::size_t>(start + from * rate), static_cast<std::size_t>(start + to * rate));
  };
  const double first = level(0.1, 0.5), gap = level(0.7, 1.1), second = level(1.3, 1.7), after = level(1.9, 2.3);
  std::printf("captured RMS: burst %.4f, gap %.5f, burst %.4f, after %.5f\n", first, gap, second, after);
  EXPECT_GT(first, 0.1);
  EXPECT_GT(second, 0.1);
  EXPECT_LT(gap, first / 30);
  EXPECT_LT(after, second / 30);
}

class AudioDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir("pulse");
    server_ = std::make_unique<test::PulseServer>(dir_);
    wav_ = dir_ / "fed.wav";
    test::write_wav16(wav_, test::burst_signal(kFedSeconds, kBursts, 48000), 48000);
  }

  std::filesystem::path dir_, wav_;
  std::unique_ptr<test::PulseServer> server_;
};

TEST_F(AudioDevices, TheNullSinkMonitorIsListedAndIsTheDefaultMicrophone) {
  const auto devices = capture_devices();
  EXPECT_NE(std::find(devices.begin(), devices.end(), test::PulseServer::kMonitorDevice), devices.end());
  EXPECT_EQ(default_capture_device(), test::PulseServer::kMonitorDevice);
  Microphone mic;
  EXPECT_EQ(mic.device_name(), test::PulseServer::kMonitorDevice);
  EXPECT_EQ(mic.sample_rate(), 48000);
  EXPECT_THROW(Microphone({"no such microphone"}), AudioDeviceError);
}

TEST_F(AudioDevices, MicrophoneHearsTheFedAudioAndItDrivesTheCodes) {
  Microphone mic({test::PulseServer::kMonitorDevice});
  LivePipeline pipeline(test_avatar(), mic.sample_rate(), {60, 2});
  std::vector<float> captured, code(pipeline.code_dim()), codes;
  const auto player = server_->play(wav_);
  Clock::time_point previous{};
  const auto end = Clock::now() + std::chrono::duration<double>(kFedSeconds + 1.5);
  while (Clock::now() < end) {
    Clock::time_point newest;
    const std::size_t before = captured.size();
    if (const std::size_t n = mic.read(captured, newest)) {
      EXPECT_GT(newest, previous);
      previous = newest;
      pipeline.push(captured.data() + before, n, newest);
      for (int64_t frame; (frame = pipeline.next(code.data())) >= 0;) {
        codes.push_back(code[0]);
        pipeline.presented(frame, Clock::now());
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(player->wait(10), 0);
  EXPECT_EQ(mic.state(), MicrophoneState::capturing);
  EXPECT_EQ(mic.samples_read(), static_cast<int64_t>(captured.size()));
  expect_loudness_follows_bursts(captured, mic.sample_rate());

  // The codes, frame i at i / 60 s of the capture: open in the bursts, closed between them.
  const int64_t start = onset(captured, mic.sample_rate());
  ASSERT_GE(start, 0);
  const double t0 = static_cast<double>(start) / mic.sample_rate();
  auto code_range = [&](double from, double to) {
    const auto a = static_cast<std::size_t>((t0 + from) * 60), b = std::min(codes.size(), static_cast<std::size_t>((t0 + to) * 60));
    EXPECT_LT(a, b);
    return std::minmax_element(codes.begin() + a, codes.begin() + b);
  };
  const auto first = code_range(0.15, 0.45), gap = code_range(0.75, 1.05), second = code_range(1.35, 1.65);
  EXPECT_GT(*first.first, 0.6f);
  EXPECT_LT(*gap.second, 0.4f);
  EXPECT_GT(*second.first, 0.6f);
  // Every frame was measured (its audio's capture times were known) and none before its audio.
  const LatencyStats after = pipeline.latency().after_audio();
  EXPECT_EQ(after.frames, codes.size());
  EXPECT_GE(after.median, 0.0);
  std::printf("after-audio latency through PulseAudio (no rendering): median %.1f ms, max %.1f ms\n",
              after.median * 1e3, after.max * 1e3);
}

TEST_F(AudioDevices, PlaybackClockRunsToTheEndAndItsSoundReachesTheSink) {
  Microphone mic({test::PulseServer::kMonitorDevice});
  Playback playback(48000);
  const auto fed = test::burst_signal(kFedSeconds, kBursts, 48000);
  playback.append(fed.data(), fed.size());
  playback.end_of_stream();
  playback.play();
  std::vector<float> captured;
  int64_t last = 0;
  const auto deadline = Clock::now() + std::chrono::duration<double>(kFedSeconds + 10);
  while (!playback.finished() && Clock::now() < deadline) {
    playback.update();
    const int64_t position = playback.position();
    EXPECT_GE(position, last);
    last = position;
    Clock::time_point newest;
    mic.read(captured, newest);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(playback.finished());
  EXPECT_EQ(playback.position(), static_cast<int64_t>(fed.size()));
  EXPECT_TRUE(playback.connected());
  EXPECT_LE(playback.heard_seconds(), kFedSeconds + 1e-9);
  std::this_thread::sleep_for(300ms);
  Clock::time_point newest;
  mic.read(captured, newest);
  expect_loudness_follows_bursts(captured, mic.sample_rate());
}

TEST_F(AudioDevices, AMicrophoneWhoseServerDiesReportsDisconnected) {
  Microphone mic;
  std::vector<float> captured;
  Clock::time_point newest;
  const auto warm = Clock::now() + 300ms;
  while (Clock::now() < warm) {
    mic.read(captured, newest);
    std::this_thread::sleep_for(10ms);
  }
  server_->stop();
  const auto deadline = Clock::now() + 10s;
  while (mic.state() == MicrophoneState::capturing && Clock::now() < deadline) {
    mic.read(captured, newest);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(mic.state(), MicrophoneState::disconnected);
  EXPECT_EQ(mic.read(captured, newest), 0u);
  // Opening again fails with a message, not a crash.
  EXPECT_THROW(Microphone({test::PulseServer::kMonitorDevice}), AudioDeviceError);
}

}  // namespace
}  // namespace being::live
