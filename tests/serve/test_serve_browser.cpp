// The browser client in headless Chromium (Debian `chromium`), driven through the DevTools protocol
// over the same Beast WebSocket client the other tests use: the page served by `being serve`
// streams Chromium's fake microphone (fed from a WAV of tone bursts) and must show moving frames:
// its own fps and latency readout above zero, a frame count that keeps growing, and a screenshot
// whose canvas holds the avatar rather than the empty background.
#include "being_test.h"
#include "serve_test_support.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <fcntl.h>

#include <thread>

namespace {

namespace fs = std::filesystem;
using being::serve::StreamClient;
using nlohmann::json;

std::vector<std::uint8_t> base64_decode(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const auto at = alphabet.find(c);
    if (at == std::string::npos) continue;  // padding and line breaks
    bits = (bits << 6) | static_cast<std::uint32_t>(at);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>((bits >> count) & 0xff));
    }
  }
  return out;
}

// Headless Chromium with a fake microphone, stopped at the end.
class Chromium {
 public:
  Chromium(const fs::path& profile, const fs::path& wav, const std::string& url) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<std::string> args = {
          "chromium", "--headless=new",
          // Tests run as root in CI containers, where Chromium's sandbox cannot start.
          "--no-sandbox", "--no-first-run", "--disable-extensions", "--mute-audio",
          "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
          "--use-file-for-fake-audio-capture=" + wav.string(), "--autoplay-policy=no-user-gesture-required",
          "--remote-debugging-port=0", "--user-data-dir=" + profile.string(), "--window-size=800,700", url};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const int null = ::open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execvp("chromium", argv.data());
      _exit(127);
    }
    // Chromium writes the DevTools port into the profile once it listens.
    const fs::path port_file = profile / "DevToolsActivePort";
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port) port_ = static_cast<unsigned short>(port);
      else std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  ~Chromium() {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }

  unsigned short devtools_port() const { return port_; }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// A DevTools protocol session with one page.
class DevTools {
 public:
  DevTools(unsigned short port, const std::string& page_ws_path) : client_("127.0.0.1", port, page_ws_path) {}

  json call(const std::string& method, const json& params = json::object()) {
    const int id = ++id_;
    client_.send_text(json{{"id", id}, {"method", method}, {"params", params}}.dump());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = client_.receive(std::chrono::milliseconds(500));
      if (!m) continue;
      if (m->kind != StreamClient::Message::Kind::text) throw std::runtime_error("DevTools connection ended: " + m->data);
      auto reply = json::parse(m->data);
      if (reply.value("id", 0) == id) return reply;
    }
    throw std::runtime_error("DevTools did not answer " + method);
  }

  // The value of a JavaScript expression that yields a string.
  std::string evaluate(const std::string& expression) {
    const json reply = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
    const json value = reply["result"]["result"].value("value", json());
    if (!value.is_string()) throw std::runtime_error(expression + " gave " + reply.dump());
    return value.get<std::string>();
  }

 private:
  StreamClient client_;
  int id_ = 0;
};

TEST(ServeBrowser, PageStreamsTheFakeMicrophoneAndShowsMovingFramesWithItsReadout) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) GTEST_SKIP() << "chromium is not installed";
  const auto dir = being::test::scratch_dir("serve_browser");
  // Chromium loops the file: speech-like bursts every second.
  being::test::write_wav(dir / "mic.wav", being::test::burst_audio(2.0, {{0.2, 0.7}, {1.1, 1.6}}, 48000), 48000);
  being::test::ServerProcess server({BEING_TEST_AVATAR, "--size", "128x128"});
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/?autostart=mic";
  Chromium browser(dir / "profile", dir / "mic.wav", url);
  ASSERT_NE(browser.devtools_port(), 0) << "Chromium did not open its DevTools port";

  std::string page_path;
  for (int i = 0; i < 100 && page_path.empty(); ++i) {
    const auto targets = json::parse(being::serve::http_get("127.0.0.1", browser.devtools_port(), "/json/list").second);
    for (const auto& t : targets)
      if (t.value("type", "") == "page" && t.value("url", "").find("autostart") != std::string::npos) {
        const std::string ws = t["webSocketDebuggerUrl"];
        page_path = ws.substr(ws.find('/', std::string("ws://").size()));
      }
    if (page_path.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(page_path.empty()) << "no page target in Chromium";
  DevTools page(browser.devtools_port(), page_path);

  // Wait for the readout to show frames, then check they keep coming.
  json stats;
  for (int i = 0; i < 120; ++i) {
    stats = json::parse(page.evaluate("JSON.stringify(window.beingStats || null)"));  // null until the page loads
    if (stats.is_null()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      continue;
    }
    if (!stats["error"].get<std::string>().empty() || (stats["frames"].get<int>() >= 15 && stats["latencyMs"].get<double>() > 0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_FALSE(stats.is_null()) << "the page did not load";
  ASSERT_EQ(stats["error"], "") << stats.dump();
  ASSERT_GE(stats["frames"].get<int>(), 15) << stats.dump();
  EXPECT_GT(stats["fps"].get<double>(), 0) << stats.dump();
  EXPECT_GT(stats["latencyMs"].get<double>(), 0) << stats.dump();
  const int frames_before = stats["frames"];
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stats = json::parse(page.evaluate("JSON.stringify(window.beingStats)"));
  EXPECT_GT(stats["frames"].get<int>(), frames_before) << "frames stopped: " << stats.dump();
  const std::string readout = page.evaluate("document.getElementById('stats').textContent");
  EXPECT_EQ(readout.rfind("fps ", 0), 0u) << readout;
  EXPECT_EQ(readout.find("fps 0.0"), std::string::npos) << readout;
  EXPECT_EQ(readout.find("latency 0 ms"), std::string::npos) << readout;

  // The canvas in a screenshot holds the avatar: a good share of its pixels are not background.
  const json rect = json::parse(page.evaluate("JSON.stringify(document.getElementById('view').getBoundingClientRect())"));
  const json shot = page.call("Page.captureScreenshot", {{"format", "png"}});
  const auto png = base64_decode(shot["result"]["data"].get<std::string>());
  std::ofstream(dir / "screenshot.png", std::ios::binary).write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  int w = 0, h = 0, c = 0;
  unsigned char* pixels = stbi_load_from_memory(png.data(), static_cast<int>(png.size()), &w, &h, &c, 3);
  ASSERT_NE(pixels, nullptr);
  const int x0 = rect["x"].get<int>(), y0 = rect["y"].get<int>();
  const int cw = rect["width"].get<int>(), ch = rect["height"].get<int>();
  ASSERT_GE(cw, 64);
  int lit = 0, total = 0;
  for (int y = y0; y < std::min(y0 + ch, h); ++y)
    for (int x = x0; x < std::min(x0 + cw, w); ++x) {
      const unsigned char* p = pixels + (static_cast<std::size_t>(y) * w + x) * 3;
      lit += (p[0] + p[1] + p[2]) > 60;
      ++total;
    }
  stbi_image_free(pixels);
  ASSERT_GT(total, 0);
  EXPECT_GT(double(lit) / total, 0.05) << "the canvas looks empty; see " << (dir / "screenshot.png");
}

}  // namespace
