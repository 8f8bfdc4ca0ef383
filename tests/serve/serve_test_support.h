// Shared by the `being serve` tests: test audio (silence with noisy tone bursts, as WAV), a `being
// serve` process on a free port, and a client that streams audio and collects what comes back.
#pragma once

#include "being/serve/client.h"
#include "being/serve/protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::test {

// Silence with noisy 180 Hz bursts in the given [start, end) seconds: speech-like energy steps.
inline std::vector<std::int16_t> burst_audio(double seconds, const std::vector<std::pair<double, double>>& on, int rate) {
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::vector<std::int16_t> s(static_cast<std::size_t>(std::llround(seconds * rate)), 0);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double t = double(i) / rate;
    for (const auto& [a, b] : on)
      if (t >= a && t < b)
        s[i] = static_cast<std::int16_t>(std::lround(std::clamp(0.4 * std::sin(2 * M_PI * 180 * t) + noise(rng), -1.0, 1.0) * 32767));
  }
  return s;
}

// 16-bit mono PCM WAV.
inline void write_wav(const std::filesystem::path& path, const std::vector<std::int16_t>& samples, int rate) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const auto bytes = static_cast<std::uint32_t>(samples.size() * 2);
  out.write("RIFF", 4), u32(36 + bytes), out.write("WAVEfmt ", 8), u32(16), u16(1), u16(1);
  u32(rate), u32(rate * 2), u16(2), u16(16), out.write("data", 4), u32(bytes);
  out.write(reinterpret_cast<const char*>(samples.data()), bytes);
}

// Reads what write_wav wrote (16-bit mono PCM with the canonical 44-byte header).
inline std::vector<std::int16_t> read_wav(const std::filesystem::path& path, int& rate) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> header(44);
  in.read(header.data(), 44);
  if (!in || std::memcmp(header.data(), "RIFF", 4) != 0 || std::memcmp(header.data() + 8, "WAVEfmt ", 8) != 0)
    throw std::runtime_error(path.string() + ": not a canonical PCM WAV");
  std::memcpy(&rate, header.data() + 24, 4);
  std::uint32_t bytes;
  std::memcpy(&bytes, header.data() + 40, 4);
  std::vector<std::int16_t> samples(bytes / 2);
  in.read(reinterpret_cast<char*>(samples.data()), bytes);
  return samples;
}

// `being serve` on a free port of 127.0.0.1, stopped with SIGTERM at the end.
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<std::string> all = {BEING_EXECUTABLE, "serve", "--port", "0"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    // The first line names the port.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos) {
      pollfd p{stdout_, POLLIN, 0};
      if (std::chrono::steady_clock::now() > deadline || poll(&p, 1, 1000) < 0) break;
      char c[256];
      if (p.revents & (POLLIN | POLLHUP)) {
        const ssize_t n = read(stdout_, c, sizeof c);
        if (n <= 0) break;
        line.append(c, static_cast<std::size_t>(n));
      }
    }
    std::smatch m;
    if (!std::regex_search(line, m, std::regex("listening on http://[0-9.]+:([0-9]+)/")))
      throw std::runtime_error("being serve did not start: \"" + line + "\"");
    port_ = static_cast<unsigned short>(std::stoi(m[1]));
  }

  ~ServerProcess() {
    if (pid_ > 0) stop();
    close(stdout_);
  }

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then the exit status (0: a clean stop).
  int stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // A field of /proc/PID/status in KiB (VmRSS: now, VmHWM: peak).
  long memory_kib(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  unsigned short port_ = 0;
};

// Everything a stream brought back.
struct StreamResult {
  nlohmann::json ready, end, error;
  std::vector<serve::FrameMessage> frames;
  std::vector<std::uint8_t> echoed;  // the echoed audio bytes, in order
  bool echo_contiguous = true;       // each echo started where the previous one ended
  std::string closed;                // why the connection ended
};

inline std::vector<std::uint8_t> pcm_bytes(const std::int16_t* samples, std::size_t count) {
  std::vector<std::uint8_t> bytes(count * 2);
  std::memcpy(bytes.data(), samples, bytes.size());
  return bytes;
}

// Receives until the connection ends (or `timeout`), sorting what arrives into `result`.
inline void collect(serve::StreamClient& client, StreamResult& result, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t next_echo = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = client.receive(std::chrono::milliseconds(500));
    if (!m) continue;
    if (m->kind == serve::StreamClient::Message::Kind::closed) {
      result.closed = m->data;
      return;
    }
    if (m->kind == serve::StreamClient::Message::Kind::text) {
      auto j = nlohmann::json::parse(m->data);
      if (j["type"] == "ready") result.ready = j;
      else if (j["type"] == "end") result.end = j;
      else if (j["type"] == "error") result.error = j;
      continue;
    }
    auto b = serve::decode_server_binary(reinterpret_cast<const std::uint8_t*>(m->data.data()), m->data.size());
    if (b.frame) result.frames.push_back(std::move(*b.frame));
    if (b.audio) {
      result.echo_contiguous &= b.audio->first_sample == next_echo;
      next_echo += static_cast<int64_t>(b.audio->payload.size() / 2);
      result.echoed.insert(result.echoed.end(), b.audio->payload.begin(), b.audio->payload.end());
    }
  }
  result.closed = "timed out";
}

// Streams 16-bit samples in chunks of varying size (any size must work), then stops and collects.
inline StreamResult stream_pcm(unsigned short port, const std::vector<std::int16_t>& pcm, serve::StartRequest request,
                               const serve::ExpressionWeights& weights = {}) {
  serve::StreamClient client("127.0.0.1", port);
  request.format = serve::SampleFormat::s16;
  client.send_text(serve::start_message(request));
  if (!weights.empty()) client.send_text(serve::expression_message(weights));
  const std::size_t sizes[] = {317, 1024, 4410, 999, 2};
  std::size_t at = 0;
  for (int k = 0; at < pcm.size(); ++k) {
    const std::size_t n = std::min(sizes[k % 5], pcm.size() - at);
    client.send_binary(pcm_bytes(pcm.data() + at, n));
    at += n;
  }
  client.send_text(R"({"type":"stop"})");
  StreamResult result;
  collect(client, result);
  return result;
}

}  // namespace being::test
