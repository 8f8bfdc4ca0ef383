// `being serve` under load, end to end through the WebSocket: for each session count N, N clients
// stream audio in real time (20 ms chunks, paced by the wall clock) to an in-process server and
// time every frame from the moment the audio chunk that made it computable was sent to the moment
// the frame arrived (the frame header's ready_samples names that chunk). Prints one JSON line per
// N: latency percentiles over all sessions' frames, the frame rate each session received, and
// whether every session kept up (received all its frames, p99 latency under --keep-up-ms).
// Latency here excludes the live look-ahead (audio the encoder waits for; see look_ahead_ms) and
// the browser's capture and playout buffers.
#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/serve/client.h"
#include "being/serve/metrics.h"
#include "being/serve/protocol.h"
#include "being/serve/server.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

using namespace being;
using Clock = std::chrono::steady_clock;

namespace {

struct SessionRun {
  std::vector<double> latencies_ms;
  int64_t frames = 0, expected = 0, jpeg_bytes = 0;
  double look_ahead_ms = 0;
  std::string problem;
};

// Speech-like input: a 180 Hz tone switched on and off every 0.4 s.
std::vector<float> test_audio(double seconds, int rate) {
  std::vector<float> s(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double t = double(i) / rate;
    s[i] = std::fmod(t, 0.8) < 0.4 ? 0.4f * static_cast<float>(std::sin(2 * M_PI * 180 * t)) : 0.0f;
  }
  return s;
}

SessionRun run_session(unsigned short port, const std::vector<float>& audio, int rate, int fps, int size) {
  SessionRun run;
  serve::StreamClient client("127.0.0.1", port);
  serve::StartRequest request;
  request.sample_rate = rate;
  request.fps = fps;
  request.width = request.height = size;
  request.echo_audio = false;
  client.send_text(serve::start_message(request));
  const std::size_t chunk = static_cast<std::size_t>(rate / 50);
  std::deque<std::pair<int64_t, Clock::time_point>> sent;  // (chunk end sample, sent at)
  std::mutex sent_mutex;
  std::thread sender([&] {
    const auto start = Clock::now();
    for (std::size_t at = 0, k = 0; at < audio.size(); at += chunk, ++k) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<int64_t>(k * 20000)));
      const std::size_t n = std::min(chunk, audio.size() - at);
      std::vector<std::uint8_t> bytes(n * 4);
      std::memcpy(bytes.data(), audio.data() + at, bytes.size());
      {
        std::lock_guard lock(sent_mutex);
        sent.emplace_back(static_cast<int64_t>(at + n), Clock::now());
      }
      client.send_binary(std::move(bytes));
    }
    client.send_text(R"({"type":"stop"})");
  });
  run.expected = static_cast<int64_t>(std::ceil(double(audio.size()) * fps / rate));
  const auto deadline = Clock::now() + std::chrono::seconds(static_cast<int64_t>(audio.size() / rate + 120));
  while (Clock::now() < deadline) {
    auto m = client.receive(std::chrono::milliseconds(500));
    if (!m) continue;
    if (m->kind == serve::StreamClient::Message::Kind::closed) break;
    if (m->kind == serve::StreamClient::Message::Kind::text) {
      const auto j = nlohmann::json::parse(m->data);
      if (j["type"] == "ready") run.look_ahead_ms = j["look_ahead_ms"];
      if (j["type"] == "error") run.problem = j["message"];
      continue;
    }
    const auto b = serve::decode_server_binary(reinterpret_cast<const std::uint8_t*>(m->data.data()), m->data.size());
    if (!b.frame) continue;
    ++run.frames;
    run.jpeg_bytes += static_cast<int64_t>(b.frame->jpeg.size());
    std::lock_guard lock(sent_mutex);
    while (sent.size() > 1 && sent.front().first < b.frame->ready_samples) sent.pop_front();
    // Frames after the stop were made ready by the stop message itself: not an audio chunk.
    if (!sent.empty() && sent.front().first >= b.frame->ready_samples)
      run.latencies_ms.push_back(std::chrono::duration<double, std::milli>(m->at - sent.front().second).count());
  }
  sender.join();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"being serve end-to-end latency (audio chunk sent -> frame received) per session count"};
  std::string avatar_path = BEING_TEST_AVATAR;
  std::vector<int> counts = {1, 2, 4, 8};
  int size = 128, fps = 25, rate = 48000, render_threads = 0;
  double seconds = 8, keep_up_ms = 200;
  app.add_option("--avatar", avatar_path, "Avatar to serve")->capture_default_str();
  app.add_option("--sessions", counts, "Session counts to measure")->capture_default_str();
  app.add_option("--size", size, "Frame width and height")->capture_default_str();
  app.add_option("--fps", fps, "Frames per second of each session")->capture_default_str();
  app.add_option("--rate", rate, "Sample rate the clients send")->capture_default_str();
  app.add_option("--seconds", seconds, "Audio streamed per session")->capture_default_str();
  app.add_option("--render-threads", render_threads, "Server render threads (0: its default)")->capture_default_str();
  app.add_option("--keep-up-ms", keep_up_ms, "p99 latency under which a run counts as keeping up")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    gpu::Context context;
    serve::ServedAvatar served{"bench", asset::read_avatar(avatar_path)};
    serve::ServerOptions options;
    options.port = 0;
    // Room for the previous round's sessions, which close while the next round connects.
    options.max_sessions = 2 * *std::max_element(counts.begin(), counts.end());
    options.io_threads = std::max(2u, std::thread::hardware_concurrency() / 2);
    options.render_threads = render_threads;
    std::vector<serve::ServedAvatar> avatars;
    avatars.push_back(std::move(served));
    serve::Server server(context, std::move(avatars), options);
    std::thread server_thread([&] { server.run(); });
    std::fprintf(stderr, "bench_serve: %s, %dx%d, %d fps, %.0f s per session\n", context.device_info().name.c_str(), size,
                 size, fps, seconds);
    const auto audio = test_audio(seconds, rate);
    for (int n : counts) {
      std::vector<SessionRun> runs(static_cast<std::size_t>(n));
      std::vector<std::thread> clients;
      for (int s = 0; s < n; ++s)
        clients.emplace_back([&, s] {
          try {
            runs[static_cast<std::size_t>(s)] = run_session(server.port(), audio, rate, fps, size);
          } catch (const std::exception& e) {
            runs[static_cast<std::size_t>(s)].problem = e.what();
          }
        });
      for (auto& c : clients) c.join();
      std::vector<double> all;
      bool complete = true;
      std::string problem;
      for (const auto& r : runs) {
        all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
        complete &= r.frames == r.expected;
        if (!r.problem.empty()) problem = r.problem;
      }
      const double p99 = serve::percentile(all, 99);
      const nlohmann::json line = {{"sessions", n},
                                   {"device", context.device_info().name},
                                   {"size", size},
                                   {"fps", fps},
                                   {"frames_per_session", runs[0].frames},
                                   {"expected_per_session", runs[0].expected},
                                   {"all_frames", complete},
                                   {"latency_ms",
                                    {{"p50", serve::percentile(all, 50)},
                                     {"p90", serve::percentile(all, 90)},
                                     {"p99", p99},
                                     {"max", all.empty() ? 0.0 : *std::max_element(all.begin(), all.end())}}},
                                   {"look_ahead_ms", runs[0].look_ahead_ms},
                                   {"jpeg_kib_per_frame", runs[0].frames ? runs[0].jpeg_bytes / 1024.0 / runs[0].frames : 0.0},
                                   {"keeps_up", complete && p99 < keep_up_ms},
                                   {"error", problem}};
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    }
    server.stop();
    server_thread.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_serve: %s\n", e.what());
    return 1;
  }
  return 0;
}
