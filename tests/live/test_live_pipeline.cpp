// runtime/live without devices: the latency meter's capture clock and statistics, the resampler's
// input requirement, LiveExpression::samples_needed, and LivePipeline fed by a simulated capture
// clock (latencies are computed from the given times, so nothing here depends on the machine's speed).
#include "being/live/latency_meter.h"
#include "being/live/live_pipeline.h"
#include "being_test.h"
#include "live_signals.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <vector>

namespace being::live {
namespace {

using std::chrono::duration;
using std::chrono::milliseconds;

const asset::Avatar& test_avatar() {
  static const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  return avatar;
}

double seconds(Clock::duration d) { return duration<double>(d).count(); }

TEST(LatencyMeter, CaptureTimesFollowTheStreamRateBackFromEachChunksNewestSample) {
  LatencyMeter meter(1000);
  const Clock::time_point t0{};
  meter.captured(100, t0 + milliseconds(100));
  meter.captured(150, t0 + milliseconds(160));  // a late chunk: its samples end 10 ms behind the rate
  EXPECT_NEAR(seconds(*meter.capture_time(99) - t0), 0.100, 1e-9);
  EXPECT_NEAR(seconds(*meter.capture_time(0) - t0), 0.001, 1e-9);
  EXPECT_NEAR(seconds(*meter.capture_time(149) - t0), 0.160, 1e-9);
  EXPECT_NEAR(seconds(*meter.capture_time(100) - t0), 0.111, 1e-9);
  EXPECT_FALSE(meter.capture_time(150));
  EXPECT_FALSE(meter.capture_time(-1));
  EXPECT_EQ(meter.samples_captured(), 150);
  EXPECT_THROW(meter.captured(149, t0), std::invalid_argument);
}

TEST(LatencyMeter, ForgetsCaptureTimesOlderThanItsHistory) {
  LatencyMeter meter(1000, 0.5);
  const Clock::time_point t0{};
  for (int i = 1; i <= 20; ++i) meter.captured(i * 100, t0 + milliseconds(i * 100));
  EXPECT_FALSE(meter.capture_time(0));
  EXPECT_FALSE(meter.capture_time(1399));
  EXPECT_TRUE(meter.capture_time(1500));
  EXPECT_TRUE(meter.capture_time(1999));
}

TEST(LatencyMeter, RecordsTotalAndAfterAudioLatencyPerPresentedFrame) {
  LatencyMeter meter(1000);
  const Clock::time_point t0{};
  meter.captured(1000, t0 + milliseconds(1000));
  // Shows sample 500 (captured at 0.501 s), needed up to sample 599 (0.600 s), presented at 0.650 s.
  const auto total = meter.presented(500, 599, t0 + milliseconds(650));
  ASSERT_TRUE(total);
  EXPECT_NEAR(*total, 0.149, 1e-9);
  EXPECT_NEAR(meter.after_audio().max, 0.050, 1e-9);
  // A frame needing audio that has not been captured is not measured.
  EXPECT_FALSE(meter.presented(900, 1000, t0 + milliseconds(1100)));
  EXPECT_EQ(meter.total().frames, 1u);
  meter.reset();
  EXPECT_EQ(meter.total().frames, 0u);
  EXPECT_EQ(meter.after_audio().frames, 0u);
  EXPECT_TRUE(meter.capture_time(999));
}

TEST(LatencyMeter, KeepsOnlyTheNewestMeasurements) {
  LatencyMeter meter(1000, 1000);
  const Clock::time_point t0{};
  const std::size_t frames = LatencyMeter::kMeasurementsKept + 500;
  meter.captured(static_cast<int64_t>(frames) + 1, t0 + milliseconds(frames + 1));
  // Frame k shows sample k (captured at k + 1 ms) and is presented 10 ms later, except that the
  // first 500 are presented 1 s later: they must have left the summary.
  for (std::size_t k = 0; k < frames; ++k)
    meter.presented(static_cast<int64_t>(k), static_cast<int64_t>(k), t0 + milliseconds(k + 1 + (k < 500 ? 1000 : 10)));
  const LatencyStats stats = meter.total();
  EXPECT_EQ(stats.frames, LatencyMeter::kMeasurementsKept);
  EXPECT_NEAR(stats.max, 0.010, 1e-9);
}

TEST(LatencyMeter, SummaryHasMedianNearestRankP95AndMax) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i * 0.001);
  const LatencyStats s = summarise(v);
  EXPECT_EQ(s.frames, 100u);
  EXPECT_NEAR(s.median, 0.0505, 1e-12);
  EXPECT_NEAR(s.p95, 0.095, 1e-12);
  EXPECT_NEAR(s.max, 0.100, 1e-12);
  EXPECT_NEAR(s.mean, 0.0505, 1e-12);
  EXPECT_NEAR(summarise({0.3, 0.1, 0.2}).median, 0.2, 1e-12);
  EXPECT_EQ(summarise({}).frames, 0u);
}

// The first input count after which the resampler has emitted `n` outputs, found by pushing one
// sample at a time, equals resampler_input_needed.
TEST(ResamplerInputNeeded, MatchesWhenTheResamplerEmits) {
  for (auto [in, out] : {std::pair{48000, 16000}, std::pair{44100, 16000}, std::pair{16000, 16000}, std::pair{8000, 16000}}) {
    audio::Resampler r(in, out);
    std::vector<float> emitted;
    const float x = 0.1f;
    int64_t pushed = 0;
    for (int64_t n = 1; n <= 300; ++n) {
      while (static_cast<int64_t>(emitted.size()) < n) {
        r.push(&x, 1, emitted);
        ++pushed;
      }
      ASSERT_EQ(pushed, resampler_input_needed(r, n)) << in << " -> " << out << " Hz, output " << n;
    }
  }
}

TEST(LiveExpression, SamplesNeededIsTheCountAtWhichAFrameBecomesReady) {
  const auto& avatar = test_avatar();
  for (int look_ahead : {0, 2, -1}) {
    animate::LiveExpression live(avatar, {60, look_ahead});
    const float zero = 0.0f;
    for (int64_t frame = 0; frame < 40; ++frame) {
      while (live.samples() < live.samples_needed(frame) - 1) live.push(&zero, 1);
      EXPECT_LE(live.frames_ready(), frame) << "look-ahead " << look_ahead << ", frame " << frame;
      live.push(&zero, 1);
      EXPECT_GT(live.frames_ready(), frame) << "look-ahead " << look_ahead << ", frame " << frame;
    }
  }
}

// A simulated microphone: 10 ms chunks at 48 kHz, each captured at its real-time instant.
struct SimulatedCapture {
  std::vector<float> signal;
  Clock::time_point start{};
  std::size_t chunk = 480, at = 0;

  Clock::time_point push_next(LivePipeline& pipeline) {
    const std::size_t n = std::min(chunk, signal.size() - at);
    at += n;
    const Clock::time_point newest = start + std::chrono::duration_cast<Clock::duration>(duration<double>(at / 48000.0));
    pipeline.push(signal.data() + at - n, n, newest);
    return newest;
  }
};

TEST(LivePipeline, AFrameIsReadyOnceItsNeededCaptureSampleArrived) {
  const auto& avatar = test_avatar();
  LivePipeline pipeline(avatar, 48000, {60, 2});
  SimulatedCapture capture{test::burst_signal(2.0, {}, 48000)};
  std::vector<float> code(pipeline.code_dim());
  while (capture.at < capture.signal.size()) {
    capture.push_next(pipeline);
    const int64_t captured = pipeline.latency().samples_captured();
    const int64_t frame = pipeline.latest(code.data());
    if (frame < 0) continue;
    EXPECT_LT(pipeline.needed_sample(frame), captured) << "frame " << frame;
    EXPECT_GE(pipeline.needed_sample(frame + 1), captured) << "frame " << frame + 1 << " should not be ready";
  }
  // The look-ahead in capture samples is what the frames wait for (to a sample of rounding).
  const double waited = static_cast<double>(pipeline.needed_sample(30) + 1 - pipeline.shown_sample(30)) / 48000;
  EXPECT_NEAR(waited, pipeline.look_ahead_seconds(), 2.0 / 48000 + 0.5 / 16000);
}

TEST(LivePipeline, PresentedFramesGetTheLatencyOfTheCaptureClock) {
  const auto& avatar = test_avatar();
  LivePipeline pipeline(avatar, 48000, {60, 0});
  SimulatedCapture capture{test::burst_signal(1.0, {}, 48000)};
  std::vector<float> code(pipeline.code_dim());
  while (capture.at < capture.signal.size()) {
    const Clock::time_point newest = capture.push_next(pipeline);
    const int64_t frame = pipeline.latest(code.data());
    if (frame < 0) continue;
    const Clock::time_point shown = capture.start + std::chrono::duration_cast<Clock::duration>(
                                                        duration<double>((pipeline.shown_sample(frame) + 1) / 48000.0));
    // Presented 5 ms after the chunk that made it ready arrived.
    const auto total = pipeline.presented(frame, newest + milliseconds(5));
    ASSERT_TRUE(total);
    EXPECT_NEAR(*total, seconds(newest - shown) + 0.005, 1e-6);
  }
  const LatencyStats total = pipeline.latency().total(), after = pipeline.latency().after_audio();
  EXPECT_GT(total.frames, 50u);
  // After the needed sample: at most one 10 ms chunk of buffering plus the 5 ms.
  EXPECT_GE(after.median, 0.005 - 1e-6);
  EXPECT_LE(after.max, 0.015 + 1e-6);
  EXPECT_NEAR(total.median - after.median, pipeline.look_ahead_seconds(), 0.011);
}

// Audio arriving in 50 ms chunks (OpenAL Soft's PulseAudio fragments) and a display ticking at
// 60 fps, both on a simulated clock: latest() jumps three frames at a time, at_delay() shows each
// frame in turn, at its delay (plus less than a frame) behind the capture.
const test::Spans kBurst = {{1.0, 2.0}};

struct ChunkedCaptureAt60Fps {
  ChunkedCaptureAt60Fps()
      : pipeline(test_avatar(), 48000, look_ahead_0()), signal(test::burst_signal(4.0, kBurst, 48000)) {}
  static animate::LiveOptions look_ahead_0() {
    animate::LiveOptions options;
    options.look_ahead_frames = 0;
    return options;
  }

  LivePipeline pipeline;
  std::vector<float> signal;
  std::size_t chunk = 2400, at = 0;
  Clock::time_point start{};

  Clock::time_point tick_time(int64_t tick) const {
    return start + std::chrono::duration_cast<Clock::duration>(duration<double>(tick / 60.0));
  }
  // Pushes every chunk captured by `now`.
  void capture_until(Clock::time_point now) {
    while (at + chunk <= signal.size()) {
      const Clock::time_point newest = start + std::chrono::duration_cast<Clock::duration>(duration<double>((at + chunk) / 48000.0));
      if (newest > now) break;
      pipeline.push(signal.data() + at, chunk, newest);
      at += chunk;
    }
  }
};

TEST(LivePipeline, LatestFollowsTheChunksAndAtDelayShowsOneNewFramePerTick) {
  std::vector<float> code(1);
  ChunkedCaptureAt60Fps newest;
  std::vector<int64_t> shown;
  for (int64_t tick = 1; tick <= 200; ++tick) {
    newest.capture_until(newest.tick_time(tick));
    if (const int64_t frame = newest.pipeline.latest(code.data()); frame >= 0) shown.push_back(frame);
  }
  int64_t jumps = 0;
  for (std::size_t i = 1; i < shown.size(); ++i) jumps += shown[i] - shown[i - 1] > 1;
  EXPECT_GT(jumps, static_cast<int64_t>(shown.size() / 2)) << "latest() should skip frames with 50 ms chunks";

  ChunkedCaptureAt60Fps paced;
  const double delay = paced.pipeline.look_ahead_seconds() + 0.050 + 0.002;
  int64_t previous = -1, repeats = 0;
  for (int64_t tick = 1; tick <= 200; ++tick) {
    const Clock::time_point now = paced.tick_time(tick);
    paced.capture_until(now);
    const int64_t frame = paced.pipeline.at_delay(now, delay, code.data());
    if (frame < 0) {
      repeats += previous >= 0;
      continue;
    }
    if (previous >= 0) {
      EXPECT_EQ(frame, previous + 1) << "tick " << tick;
    }
    previous = frame;
    const auto total = paced.pipeline.presented(frame, now);
    ASSERT_TRUE(total);
    EXPECT_GE(*total, delay - 1e-6);
    EXPECT_LT(*total, delay + 1.0 / 60 + 1e-6);
  }
  EXPECT_EQ(repeats, 0);
  EXPECT_GT(previous, 150);
}

TEST(LivePipeline, CodesFollowTheLoudnessOfTheCapturedAudio) {
  const auto& avatar = test_avatar();
  LivePipeline pipeline(avatar, 48000, {60, 2});
  SimulatedCapture capture{test::burst_signal(3.0, {{1.0, 2.0}}, 48000)};
  std::vector<float> code(pipeline.code_dim());
  std::vector<float> quiet, loud;
  while (capture.at < capture.signal.size()) {
    capture.push_next(pipeline);
    for (int64_t frame; (frame = pipeline.next(code.data())) >= 0;) {
      const double t = static_cast<double>(frame) / 60;
      if ((t > 0.3 && t < 0.9) || t > 2.2) quiet.push_back(code[0]);
      if (t > 1.2 && t < 1.8) loud.push_back(code[0]);
    }
  }
  ASSERT_FALSE(quiet.empty());
  ASSERT_FALSE(loud.empty());
  EXPECT_LT(*std::max_element(quiet.begin(), quiet.end()), 0.3f);
  EXPECT_GT(*std::min_element(loud.begin(), loud.end()), 0.7f);
}

}  // namespace
}  // namespace being::live
