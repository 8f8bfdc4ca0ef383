// Mic-to-photon latency of the live path, measured inside the pipeline with a timed source instead
// of a microphone (no OpenAL, SDL or FFmpeg: it runs on the GPU machine too).
//
// A source "captures" synthetic speech in chunks at real-time pace (chunk k's newest sample is
// captured at start + its end time); a 60 fps loop takes, at each tick, what has been captured
// through live::LivePipeline (resampler to 16 kHz, LiveExpression with the chosen look-ahead), asks
// for the newest ready frame and renders it with player::AvatarPlayer; the frame counts as presented
// when the render's fence has completed (and its read-back, with --read-back). Per look-ahead it
// prints the latency from the capture of the audio a frame shows to its presentation (median, p95,
// max) and its parts: look-ahead (audio after the frame's time that its code waits for), buffering
// (from the capture of the newest sample it needed to the tick that starts it: chunking and the
// wait for the tick), audio (features and encoder for the tick's audio and frame) and render
// (deformation, upload, splatting, read-back). A tick whose work ends after the
// next tick is a dropped frame; frames that were never shown because a newer one was ready are
// counted as skipped.
//
//   bench_live_latency [--avatar FILE] [--width W --height H] [--seconds S] [--warm-up S] [--fps F]
//                      [--look-ahead N]... (-1: the avatar's) [--chunk-ms C] [--capture-rate HZ]
//                      [--read-back] [--paced]
#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/live/live_pipeline.h"
#include "being/player/avatar_player.h"
#include "synthetic_speech.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

using namespace being;
using live::Clock;

Clock::duration seconds_to_duration(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct RunResult {
  live::LatencyStats total, buffering, audio, render;
  double look_ahead = 0;
  int64_t rendered = 0, dropped = 0, skipped = 0;
  double delay = 0;  // --paced: how far behind the capture clock frames are shown
};

RunResult run(const asset::Avatar& avatar, player::AvatarPlayer& player, const std::vector<float>& speech, int capture_rate,
              int fps, int look_ahead, double chunk_seconds, double warm_up, bool read_back, bool paced) {
  live::LivePipeline pipeline(avatar, capture_rate, {fps, look_ahead});
  std::vector<float> code(pipeline.code_dim());
  const auto chunk = static_cast<std::size_t>(std::lround(chunk_seconds * capture_rate));
  std::vector<double> buffering, audio, render;
  RunResult r;
  r.look_ahead = pipeline.look_ahead_seconds();
  r.delay = paced ? r.look_ahead + chunk_seconds + 0.001 : 0;
  render::FrameOptions options;
  options.read_back = read_back;

  const Clock::time_point start = Clock::now();
  std::size_t captured = 0;
  int64_t last_frame = -1;
  auto capture_time = [&](std::size_t samples) { return start + seconds_to_duration(static_cast<double>(samples) / capture_rate); };
  for (int64_t tick = 1;; ++tick) {
    const Clock::time_point due = start + seconds_to_duration(static_cast<double>(tick) / fps);
    std::this_thread::sleep_until(due);
    const Clock::time_point begin = Clock::now();
    // Everything the source has captured by now, in its chunks, each stamped with its capture time.
    while (captured < speech.size() && capture_time(std::min(captured + chunk, speech.size())) <= begin) {
      const std::size_t n = std::min(chunk, speech.size() - captured);
      pipeline.push(speech.data() + captured, n, capture_time(captured + n));
      captured += n;
    }
    if (captured == speech.size() && pipeline.expression().frames_ready() <= pipeline.expression().next_frame()) break;
    const int64_t frame = paced ? pipeline.at_delay(begin, r.delay, code.data()) : pipeline.latest(code.data());
    if (frame < 0) continue;  // nothing new: the window would show the previous frame again
    const Clock::time_point encoded = Clock::now();
    player.render(frame, fps, code.data(), options);
    const Clock::time_point done = Clock::now();
    const bool measured = seconds_between(start, begin) >= warm_up;
    const auto total = pipeline.presented(frame, done);
    if (measured && total) {
      ++r.rendered;
      r.skipped += last_frame >= 0 ? frame - last_frame - 1 : 0;
      if (done > due + seconds_to_duration(1.0 / fps)) ++r.dropped;
      buffering.push_back(seconds_between(*pipeline.latency().capture_time(pipeline.needed_sample(frame)), begin));
      audio.push_back(seconds_between(begin, encoded));
      render.push_back(seconds_between(encoded, done));
    } else if (!measured) {
      pipeline.latency().reset();
    }
    last_frame = frame;
  }
  r.total = pipeline.latency().total();
  r.buffering = live::summarise(buffering);
  r.audio = live::summarise(audio);
  r.render = live::summarise(render);
  return r;
}

void print_stats(const char* name, const live::LatencyStats& s) {
  std::printf("  %-10s median %6.1f ms  p95 %6.1f ms  max %6.1f ms\n", name, s.median * 1e3, s.p95 * 1e3, s.max * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Live latency: timed audio source -> LivePipeline -> AvatarPlayer at the display rate (device: BEING_VULKAN_DEVICE)"};
  std::string avatar_path = BEING_TEST_AVATAR;
  int width = 128, height = 128, fps = 60, capture_rate = 48000;
  double seconds = 10, chunk_ms = 10, warm_up = 1;
  std::vector<int> look_aheads = {0, 2, -1};
  bool read_back = false, paced = false;
  app.add_option("--avatar", avatar_path, "the .avatar to drive (default: the procedural test avatar)");
  app.add_option("--width", width, "frame width")->check(CLI::Range(16, 8192));
  app.add_option("--height", height, "frame height")->check(CLI::Range(16, 8192));
  app.add_option("--seconds", seconds, "seconds of audio per look-ahead")->check(CLI::Range(2.0, 3600.0));
  app.add_option("--warm-up", warm_up, "seconds at the start of each run that are not measured")->check(CLI::Range(0.0, 3600.0));
  app.add_option("--fps", fps, "display rate")->check(CLI::Range(1, 240));
  app.add_option("--look-ahead", look_aheads, "look-ahead in avatar frames, one run each (-1: the avatar's)");
  app.add_option("--chunk-ms", chunk_ms, "audio arrives in chunks of this length")->check(CLI::Range(1.0, 200.0));
  app.add_option("--capture-rate", capture_rate, "the source's sample rate")->check(CLI::Range(8000, 192000));
  app.add_flag("--read-back", read_back, "copy every frame to host memory before it counts as presented");
  app.add_flag("--paced", paced, "show the frame a fixed delay behind the capture clock instead of the newest ready one");
  CLI11_PARSE(app, argc, argv);

  try {
    const asset::Avatar avatar = asset::read_avatar(avatar_path);
    gpu::Context context;
    player::PlayerOptions player_options;
    player_options.width = width;
    player_options.height = height;
    player::AvatarPlayer player(context, avatar, player_options);
    const auto speech = bench::synthetic_speech(seconds, capture_rate);
    std::printf("device: %s; avatar %s: %zu Gaussians at %dx%d; %d fps, %.0f ms chunks at %d Hz, %.0f s per run%s\n",
                context.device_info().name.c_str(), avatar_path.c_str(), avatar.gaussians.count(), player.width(),
                player.height(), fps, chunk_ms, capture_rate, seconds, read_back ? ", with read-back" : "");
    std::vector<int> done;
    for (int requested : look_aheads) {
      const int look_ahead = requested < 0 ? avatar.audio.context_after : requested;
      if (std::find(done.begin(), done.end(), look_ahead) != done.end()) continue;
      done.push_back(look_ahead);
      const RunResult r = run(avatar, player, speech, capture_rate, fps, look_ahead, chunk_ms / 1000, warm_up, read_back, paced);
      std::printf("look-ahead %d avatar frames at %g fps (%.1f ms of audio after the frame's time):\n", look_ahead,
                  avatar.audio.video_fps, r.look_ahead * 1e3);
      if (paced) std::printf("  paced: frames shown %.1f ms behind the capture clock\n", r.delay * 1e3);
      print_stats("total", r.total);
      print_stats("buffering", r.buffering);
      print_stats("audio", r.audio);
      print_stats("render", r.render);
      std::printf("  frames rendered %lld, dropped (ended after the next tick) %lld, skipped (a newer one was ready) %lld\n",
                  static_cast<long long>(r.rendered), static_cast<long long>(r.dropped), static_cast<long long>(r.skipped));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_live_latency: %s\n", e.what());
    return 1;
  }
  return 0;
}
