// A private PulseAudio server for the device tests: a mono 48 kHz null sink "being_mic" whose
// monitor ("Monitor of BeingMic" to OpenAL) is the default source, so that what is played into the
// sink is what a microphone hears. The server runs in a private folder with its own
// XDG_RUNTIME_DIR and HOME (under /tmp: a socket path must fit in 108 bytes); this process and its
// children reach it through PULSE_SERVER, and OpenAL is pinned to its PulseAudio backend. A server that cannot start fails the test:
// pulseaudio is one of scripts/setup.sh's packages, so a skip would hide a broken CI machine.
#pragma once

#include "virtual_display.h"  // ChildProcess (tests/play)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

namespace being::test {

class PulseServer {
 public:
  static constexpr const char* kSink = "being_mic";
  static constexpr const char* kMonitorDevice = "Monitor of BeingMic";

  // Writes the server's log to log_dir/pulseaudio.log.
  explicit PulseServer(const std::filesystem::path& log_dir) {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "being-pulse-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a folder for the PulseAudio server in /tmp");
    dir_ = pattern;
    const fs::path dir = dir_, log = log_dir / "pulseaudio.log";
    fs::create_directories(dir / "run");
    fs::create_directories(dir / "home");
    ::chmod((dir / "run").c_str(), 0700);
    socket_ = (dir / "native").string();
    // No autospawned server behind our back if ours is gone (the disconnect test stops it).
    std::ofstream(dir / "client.conf") << "autospawn = no\n";
    setenv("PULSE_SERVER", ("unix:" + socket_).c_str(), 1);
    setenv("PULSE_CLIENTCONFIG", (dir / "client.conf").c_str(), 1);
    setenv("ALSOFT_DRIVERS", "pulse", 1);
    // norewinds: with rewinds, PulseAudio 16's null sink intermittently stops feeding its monitor
    // to low-latency readers (measured: 5 of 8 two-second captures stalled; none with it).
    const std::vector<std::string> argv = {
        "pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--log-target=stderr",
        "--load=module-null-sink sink_name=" + std::string(kSink) +
            " rate=48000 channels=1 norewinds=1 sink_properties=device.description=BeingMic",
        "--load=module-native-protocol-unix auth-anonymous=1 socket=" + socket_};
    const std::vector<std::string> env = {"XDG_RUNTIME_DIR=" + (dir / "run").string(), "HOME=" + (dir / "home").string()};
    server_ = std::make_unique<ChildProcess>(argv, env, log.string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && server_->running()) {
      if (fs::exists(socket_) &&
          ChildProcess({"pactl", "set-default-source", std::string(kSink) + ".monitor"}).wait(10) == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error("could not start a private PulseAudio server (pulseaudio and pactl from scripts/setup.sh: "
                             "apt-get install pulseaudio pulseaudio-utils); its log: " + log.string());
  }
  ~PulseServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  PulseServer(const PulseServer&) = delete;
  PulseServer& operator=(const PulseServer&) = delete;

  // Kills the server now (as a crash or an unplugged device would end it) and waits for it.
  void stop() { server_.reset(); }

  // Whether a client is recording from the server now (the microphone of a program under test).
  bool has_recording_client() const {
    FILE* pipe = popen("pactl list short source-outputs 2>/dev/null", "r");
    if (!pipe) return false;
    char line[256];
    const bool any = std::fgets(line, sizeof line, pipe) != nullptr;
    pclose(pipe);
    return any;
  }

  // Starts playing a WAV into the null sink (the "microphone").
  std::unique_ptr<ChildProcess> play(const std::filesystem::path& wav) const {
    const std::vector<std::string> argv = {"paplay", "--device=" + std::string(kSink), wav.string()};
    return std::make_unique<ChildProcess>(argv);
  }

 private:
  std::filesystem::path dir_;
  std::string socket_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace being::test
