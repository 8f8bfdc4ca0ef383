// `being serve` end to end on the procedural test avatar (lavapipe here): a WAV streamed in chunks
// of any size comes back as one frame per 1/fps of audio with sample-clock timestamps and the audio
// echoed; the mouth code follows the bursts; eight sessions at once with bounded memory; clients
// that send garbage, oversized messages or vanish do not disturb another session; limits, the HTTP
// endpoints and a clean stop.
#include "being_test.h"
#include "serve_test_support.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <thread>

namespace {

namespace fs = std::filesystem;
using being::serve::StartRequest;
using being::serve::StreamClient;
using being::test::ServerProcess;
using being::test::StreamResult;
using nlohmann::json;

constexpr int kRate = 44100;
constexpr int kFps = 25;

StartRequest small_request() {
  StartRequest r;
  r.sample_rate = kRate;
  r.fps = kFps;
  r.width = r.height = 64;
  return r;
}

// Mean of code `k` over the frames whose time lies in [a, b) seconds.
double mean_code(const StreamResult& r, double a, double b, std::size_t k = 0) {
  double sum = 0;
  int n = 0;
  for (const auto& f : r.frames) {
    const double t = double(f.index) / kFps;
    if (t >= a && t < b) sum += f.codes.at(k), ++n;
  }
  return n ? sum / n : 0;
}

void expect_complete_stream(const StreamResult& r, const std::vector<std::int16_t>& pcm) {
  const auto frames = static_cast<std::size_t>(std::ceil(double(pcm.size()) * kFps / kRate));
  EXPECT_EQ(r.closed.rfind("closed (1000)", 0), 0u) << r.closed << " " << r.error.dump();
  ASSERT_EQ(r.frames.size(), frames);
  EXPECT_EQ(r.end.value("frames", -1), static_cast<int64_t>(frames));
  EXPECT_EQ(r.end.value("samples", -1), static_cast<int64_t>(pcm.size()));
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    EXPECT_EQ(r.frames[i].index, static_cast<int64_t>(i));
    EXPECT_EQ(r.frames[i].pts_samples, static_cast<int64_t>(i) * kRate / kFps);
    // A frame waits for its own time plus the look-ahead; never for less.
    EXPECT_GE(r.frames[i].ready_samples, std::min<int64_t>(r.frames[i].pts_samples, pcm.size()));
  }
  EXPECT_TRUE(r.echo_contiguous);
  EXPECT_EQ(r.echoed, being::test::pcm_bytes(pcm.data(), pcm.size()));
}

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Room for two rounds of eight: a round's sessions may still be closing when the next connects.
    server_ = new ServerProcess({BEING_TEST_AVATAR, "--max-message-kib", "64", "--max-sessions", "24", "--threads", "2"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static unsigned short port() { return server_->port(); }
  static ServerProcess* server_;
};
ServerProcess* Serve::server_ = nullptr;

TEST_F(Serve, WavStreamGivesOneFramePerFrameTimeWithSampleClockTimestamps) {
  const auto dir = being::test::scratch_dir("serve_wav");
  being::test::write_wav(dir / "bursts.wav", being::test::burst_audio(3.0, {{1.0, 1.6}, {2.2, 2.6}}, kRate), kRate);
  int rate = 0;
  const auto pcm = being::test::read_wav(dir / "bursts.wav", rate);
  ASSERT_EQ(rate, kRate);
  const auto r = being::test::stream_pcm(port(), pcm, small_request());
  ASSERT_EQ(r.ready.value("codes", json::array()), json::array({"jawOpen"})) << r.ready.dump();
  EXPECT_EQ(r.ready.value("width", 0), 64);
  expect_complete_stream(r, pcm);
  // Every frame is a 64x64 JPEG.
  for (const auto& f : r.frames) {
    int w = 0, h = 0, c = 0;
    unsigned char* pixels = stbi_load_from_memory(f.jpeg.data(), static_cast<int>(f.jpeg.size()), &w, &h, &c, 3);
    ASSERT_NE(pixels, nullptr) << "frame " << f.index;
    stbi_image_free(pixels);
    EXPECT_EQ(w, 64);
    EXPECT_EQ(h, 64);
  }
  // The jaw opens during the bursts and not in the silence around them.
  const double silence = mean_code(r, 0.2, 0.9), speech = mean_code(r, 1.1, 1.5), speech2 = mean_code(r, 2.3, 2.5);
  EXPECT_GT(speech, silence + 0.2) << "silence " << silence << ", speech " << speech;
  EXPECT_GT(speech2, silence + 0.2) << "silence " << silence << ", speech " << speech2;
}

TEST_F(Serve, ExpressionWeightsOverrideTheAudio) {
  const auto pcm = being::test::burst_audio(1.0, {{0.3, 0.7}}, kRate);
  const auto r = being::test::stream_pcm(port(), pcm, small_request(), {{"jawOpen", 0.75f}});
  expect_complete_stream(r, pcm);
  for (const auto& f : r.frames) EXPECT_FLOAT_EQ(f.codes.at(0), 0.75f) << "frame " << f.index;
}

TEST_F(Serve, EightConcurrentSessionsAllCompleteWithBoundedMemory) {
  const auto pcm = being::test::burst_audio(0.6, {{0.2, 0.4}}, kRate);
  const auto round = [&] {
    std::vector<std::future<StreamResult>> sessions;
    for (int s = 0; s < 8; ++s)
      sessions.push_back(std::async(std::launch::async, [&] { return being::test::stream_pcm(port(), pcm, small_request()); }));
    for (auto& s : sessions) expect_complete_stream(s.get(), pcm);
  };
  // The first rounds warm up allocator pools and the driver's caches (measured on lavapipe over seven
  // rounds: +18, +4.5, +2.3, +0.5, +0.03, +0.03 MB, flat from the fifth); a leak of what a session
  // holds (a player, its buffers: megabytes each) would add its size per round.
  std::vector<long> rss;
  for (int r = 0; r < 3; ++r) {
    round();
    rss.push_back(server_->memory_kib("VmRSS"));
    std::printf("RSS after round %d: %ld KiB\n", r + 1, rss.back());
  }
  const long peak = server_->memory_kib("VmHWM");
  std::printf("peak RSS: %ld KiB\n", peak);
  EXPECT_LT(rss[2] - rss[1], 8 * 1024) << rss[1] << " KiB -> " << rss[2] << " KiB";
  EXPECT_LT(peak, 512 * 1024) << "peak RSS " << peak << " KiB";
}

// Sends `payload` (text or binary) as the first message and returns what came back.
StreamResult misbehave(unsigned short port, const std::string& first_text, const std::vector<std::uint8_t>& then_binary) {
  StreamClient client("127.0.0.1", port);
  if (!first_text.empty()) client.send_text(first_text);
  if (!then_binary.empty()) client.send_binary(then_binary);
  StreamResult r;
  being::test::collect(client, r, std::chrono::seconds(30));
  return r;
}

TEST_F(Serve, GarbageOversizedAndVanishingClientsDoNotDisturbAnotherSession) {
  const auto pcm = being::test::burst_audio(2.0, {{0.6, 1.2}}, kRate);
  auto good = std::async(std::launch::async, [&] { return being::test::stream_pcm(port(), pcm, small_request()); });

  // Audio before start; not JSON; an unknown type; a bad field; half a 16-bit sample.
  const std::vector<std::uint8_t> noise(1000, 0xAB);
  for (const auto& [text, binary] : std::vector<std::pair<std::string, std::vector<std::uint8_t>>>{
           {"", noise},
           {"this is not json", {}},
           {R"({"type":"dance"})", {}},
           {R"({"type":"start","fps":1000})", {}},
           {being::serve::start_message(small_request()), {1, 2, 3}}}) {
    const auto r = misbehave(port(), text, binary);
    EXPECT_EQ(r.closed.rfind("closed (1008)", 0), 0u) << text << ": " << r.closed;
    EXPECT_FALSE(r.error.value("message", "").empty()) << text;
    EXPECT_TRUE(r.frames.empty());
  }
  // Larger than --max-message-kib 64: the server drops that connection.
  const auto big = misbehave(port(), being::serve::start_message(small_request()), std::vector<std::uint8_t>(100 * 1024, 0));
  EXPECT_TRUE(big.frames.empty());
  EXPECT_NE(big.closed, "timed out");
  // A client that vanishes mid-stream, without a close frame.
  {
    StreamClient vanishing("127.0.0.1", port());
    auto request = small_request();
    request.format = being::serve::SampleFormat::s16;
    vanishing.send_text(being::serve::start_message(request));
    vanishing.send_binary(being::test::pcm_bytes(pcm.data(), pcm.size() / 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    vanishing.drop();
  }
  expect_complete_stream(good.get(), pcm);

  const auto metrics = json::parse(being::serve::http_get("127.0.0.1", port(), "/metrics").second);
  EXPECT_GE(metrics["sessions"]["protocol_errors"].get<int>(), 6) << metrics.dump();
  // Every session above has ended and been cleaned up.
  for (int i = 0; i < 50 && json::parse(being::serve::http_get("127.0.0.1", port(), "/metrics").second)["sessions"]["active"] != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(json::parse(being::serve::http_get("127.0.0.1", port(), "/metrics").second)["sessions"]["active"], 0);
}

TEST_F(Serve, HealthMetricsAvatarsAndThePage) {
  const auto [health_status, health] = being::serve::http_get("127.0.0.1", port(), "/health");
  EXPECT_EQ(health_status, 200);
  EXPECT_EQ(json::parse(health)["status"], "ok");
  const auto metrics = json::parse(being::serve::http_get("127.0.0.1", port(), "/metrics").second);
  for (const char* key : {"sessions", "frames", "latency_ms", "bytes", "uptime_s"}) EXPECT_TRUE(metrics.contains(key)) << key;
  for (const char* key : {"p50", "p90", "p99"}) EXPECT_TRUE(metrics["latency_ms"].contains(key)) << key;
  const auto avatars = json::parse(being::serve::http_get("127.0.0.1", port(), "/avatars").second);
  EXPECT_EQ(avatars["avatars"][0]["name"], "test");
  const auto [page_status, page] = being::serve::http_get("127.0.0.1", port(), "/");
  EXPECT_EQ(page_status, 200);
  EXPECT_NE(page.find("client.js"), std::string::npos);
  for (const char* file : {"/client.js", "/audio-capture.js"}) EXPECT_EQ(being::serve::http_get("127.0.0.1", port(), file).first, 200) << file;
  EXPECT_EQ(being::serve::http_get("127.0.0.1", port(), "/no-such-file").first, 404);
  EXPECT_EQ(being::serve::http_get("127.0.0.1", port(), "/ws").first, 404);  // a plain GET is no upgrade
}

TEST(ServeLimits, SessionsOverTheLimitAreRefusedAndAStopClosesTheRestCleanly) {
  ServerProcess server({BEING_TEST_AVATAR, "--max-sessions", "2"});
  StreamClient a("127.0.0.1", server.port()), b("127.0.0.1", server.port());
  try {
    StreamClient c("127.0.0.1", server.port());
    ADD_FAILURE() << "a third session was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("declined"), std::string::npos) << e.what();
  }
  const auto metrics = json::parse(being::serve::http_get("127.0.0.1", server.port(), "/metrics").second);
  EXPECT_EQ(metrics["sessions"]["rejected"], 1) << metrics.dump();
  EXPECT_EQ(metrics["sessions"]["active"], 2) << metrics.dump();
  EXPECT_EQ(server.stop(), 0);
  StreamResult r;
  being::test::collect(a, r, std::chrono::seconds(10));
  EXPECT_EQ(r.closed.rfind("closed (1001)", 0), 0u) << r.closed;
}

TEST(ServeLimits, IdleSessionsAreClosed) {
  ServerProcess server({BEING_TEST_AVATAR, "--idle-timeout", "1"});
  StreamClient idle("127.0.0.1", server.port());
  StreamResult r;
  being::test::collect(idle, r, std::chrono::seconds(20));
  EXPECT_EQ(r.closed.rfind("closed (1001)", 0), 0u) << r.closed;
  EXPECT_NE(r.error.value("message", "").find("nothing received or sent for 1 s"), std::string::npos) << r.error.dump();
}

}  // namespace
