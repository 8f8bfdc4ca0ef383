// Test helpers around command-line tools: running a command, making media with the ffmpeg CLI and
// reading what ffprobe says about a file (Debian's ffmpeg package, installed by scripts/setup.sh).
#pragma once

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

namespace being::test {

// Runs a shell command; returns its exit status (-1 if it did not exit normally) and its stdout and
// stderr together.
inline std::pair<int, std::string> run_command(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed for: " + command};
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Writes `out` with `ffmpeg <args> out`; throws with ffmpeg's message when it fails.
inline std::filesystem::path make_with_ffmpeg(const std::filesystem::path& out, const std::string& args) {
  const auto [code, message] = run_command("ffmpeg -nostdin -loglevel error -y " + args + " '" + out.string() + "'");
  if (code != 0) throw std::runtime_error("ffmpeg failed for " + out.string() + ": " + message);
  return out;
}

// ffprobe's view of a file's streams, with frames counted by decoding (`nb_read_frames`).
inline nlohmann::json ffprobe_streams(const std::filesystem::path& file) {
  const auto [code, out] = run_command("ffprobe -v error -count_frames -show_streams -of json '" + file.string() + "'");
  if (code != 0) throw std::runtime_error("ffprobe failed for " + file.string() + ": " + out);
  return nlohmann::json::parse(out);
}

}  // namespace being::test
