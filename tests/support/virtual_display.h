// Tests that open windows: a private X server (Xvfb) on a free display number, screen grabs of it
// (ffmpeg x11grab), and child processes run against it. CI installs xvfb and ffmpeg (setup.sh); a
// machine without them fails these tests with a message saying so.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace being::test {

// A child process; killed (SIGKILL) if still running when destroyed.
class ChildProcess {
 public:
  // Runs argv[0] (searched in PATH) with the current environment plus `extra_env` ("NAME=value"),
  // stdout and stderr to `log` when not empty.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
               const std::string& log = "") {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      bool replaced = false;
      for (const auto& x : extra_env) replaced |= entry.substr(0, entry.find('=')) == x.substr(0, x.find('='));
      if (!replaced) env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> args, env;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!log.empty()) {
      posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    const int failed = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed) throw std::runtime_error("cannot start " + argv[0] + " (is it installed?)");
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      status_ = status;
      return false;
    }
    return true;
  }
  // The exit code once it ends within `timeout` seconds (then -1 and it is killed); 128 + signal
  // when a signal ended it.
  int wait(double timeout) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    while (running() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (running()) return -1;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// Xvfb on a free display (":97" and up, chosen at random so that parallel tests do not collide).
class VirtualDisplay {
 public:
  VirtualDisplay(int width = 1280, int height = 720) : width_(width), height_(height) {
    std::mt19937 rng(static_cast<unsigned>(getpid()) ^
                     static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (int attempt = 0; attempt < 20 && !server_; ++attempt) {
      const int number = 97 + static_cast<int>(rng() % 400);
      const std::string socket = "/tmp/.X11-unix/X" + std::to_string(number);
      if (std::filesystem::exists(socket) || std::filesystem::exists("/tmp/.X" + std::to_string(number) + "-lock"))
        continue;
      name_ = ":" + std::to_string(number);
      server_ = std::make_unique<ChildProcess>(
          std::vector<std::string>{"Xvfb", name_, "-screen", "0",
                                   std::to_string(width) + "x" + std::to_string(height) + "x24", "-nolisten", "tcp"},
          std::vector<std::string>{}, "/dev/null");
      for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i) {
        if (!server_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      if (!std::filesystem::exists(socket)) server_.reset();  // taken meanwhile, or failed: try another
    }
    if (!server_) throw std::runtime_error("cannot start Xvfb (apt-get install xvfb)");
  }

  // DISPLAY's value for clients.
  const std::string& name() const { return name_; }
  int width() const { return width_; }
  int height() const { return height_; }

  // The screen's pixels in [x, x+w) x [y, y+h) as RGB8, row-major (through ffmpeg's x11grab).
  std::vector<std::uint8_t> grab(int x, int y, int w, int h) const {
    const std::string command = "ffmpeg -loglevel error -f x11grab -draw_mouse 0 -video_size " + std::to_string(w) + "x" +
                                std::to_string(h) + " -i " + name_ + "+" + std::to_string(x) + "," +
                                std::to_string(y) + " -frames:v 1 -f rawvideo -pix_fmt rgb24 - 2>/dev/null";
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run ffmpeg (apt-get install ffmpeg)");
    const std::size_t got = fread(rgb.data(), 1, rgb.size(), pipe);
    pclose(pipe);
    if (got != rgb.size())
      throw std::runtime_error("ffmpeg x11grab returned " + std::to_string(got) + " bytes, not " +
                               std::to_string(rgb.size()) + ": is ffmpeg installed, and is the area on the screen? (" +
                               command + ")");
    return rgb;
  }

 private:
  int width_, height_;
  std::string name_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace being::test
