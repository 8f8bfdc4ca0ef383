#include "play_command.h"

#include "render_command.h"

#include "being/animate/expression_stream.h"
#include "being/asset/avatar.h"
#include "being/audio/decoder.h"
#include "being/live/audio_devices.h"
#include "being/live/live_pipeline.h"
#include "being/live/microphone.h"
#include "being/live/playback.h"
#include "being/player/avatar_player.h"
#include "being/window/overlay.h"
#include "being/window/window.h"

#include <CLI/CLI.hpp>
#include <SDL.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace being::app {

namespace {

using live::Clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// What drives the avatar: each frame it names the frame to show now and writes its code.
class Driver {
 public:
  virtual ~Driver() = default;
  // Reads what arrived since the last call; returns the frame to show and writes its code (the
  // previous frame again when nothing new is ready). `lead`: seconds until the frame will be
  // presented (the recent render + present time), for sources that know the future.
  virtual int64_t frame(float* code, double lead) = 0;
  // The frame was presented at `when`: its latency in seconds, where this source measures one.
  virtual std::optional<double> presented(int64_t frame, Clock::time_point when) = 0;
  virtual bool finished() const = 0;
  virtual std::string source() const = 0;
  virtual std::string status() = 0;  // a warning for the overlay; "" when all is well
  // A line for the end of the run.
  virtual std::string summary() const = 0;
};

// --audio FILE: the codes of the file form (as `being render`: whole-utterance normalisation and the
// full look-ahead, since the whole file is known), shown by the playback clock: the frame on screen
// is the frame of the sound being heard.
class FileDriver : public Driver {
 public:
  FileDriver(const asset::Avatar& avatar, const std::string& path, int fps) : path_(path), fps_(fps) {
    animate::ExpressionStream stream(avatar, path, fps);
    dim_ = stream.code_dim();
    codes_.resize(static_cast<std::size_t>(stream.frame_count()) * dim_);
    for (int64_t f = 0; f < stream.frame_count(); ++f) stream.next(codes_.data() + f * dim_);
    frames_ = stream.frame_count();
    if (frames_ == 0) throw std::runtime_error("--audio " + path + ": the file has no samples");
    decoder_ = std::make_unique<audio::AudioDecoder>(path, kPlaybackRate);
    try {
      playback_ = std::make_unique<live::Playback>(kPlaybackRate, live::PlaybackOptions{"", 0.02, 8});
    } catch (const live::AudioDeviceError& e) {
      // Without a sound device the picture still plays, by the wall clock.
      std::cerr << "being play: warning: no sound (" << e.what() << "); the picture follows the clock\n";
    }
    start_ = Clock::now();
    if (!playback_) return;
    feed();
    playback_->play();
    // The sound is kept flowing by its own thread: a slow frame (a CPU device at a large size)
    // must not starve the source, which would stutter the sound and stop the clock.
    feeder_ = std::thread([this] {
      while (!stop_) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          feed();
          playback_->update();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }

  ~FileDriver() override {
    stop_ = true;
    if (feeder_.joinable()) feeder_.join();
  }

  // The frame of the sound that will be heard when it is presented.
  int64_t frame(float* code, double lead) override {
    const double t = heard_seconds() + lead;
    const int64_t f = std::clamp<int64_t>(static_cast<int64_t>(std::floor(t * fps_)), 0, frames_ - 1);
    std::copy(codes_.begin() + f * dim_, codes_.begin() + (f + 1) * dim_, code);
    return f;
  }

  // File mode measures sync, not latency: how far the sound heard at the present is ahead of the
  // frame's time (positive: the picture lags the sound).
  std::optional<double> presented(int64_t frame, Clock::time_point) override {
    offset_ = heard_seconds() - static_cast<double>(frame) / fps_;
    offsets_.push_back(offset_);
    return std::nullopt;
  }

  bool finished() const override {
    if (!playback_) return seconds_between(start_, Clock::now()) * fps_ >= frames_;
    std::lock_guard<std::mutex> lock(mutex_);
    return playback_->finished();
  }
  std::string source() const override {
    char text[64];
    std::snprintf(text, sizeof text, "\nsound ahead of picture %+.0f ms", offset_ * 1000);
    return "file: " + std::filesystem::path(path_).filename().string() + text;
  }
  std::string status() override {
    if (!playback_) return "no sound device: the picture follows the clock";
    std::lock_guard<std::mutex> lock(mutex_);
    return playback_->connected() ? "" : "the sound device disappeared: the picture stopped";
  }
  std::string summary() const override {
    const live::LatencyStats s = live::summarise(offsets_);
    char text[160];
    std::snprintf(text, sizeof text, "sound ahead of picture at present: median %.1f ms, p95 %.1f ms, max %.1f ms",
                  s.median * 1000, s.p95 * 1000, s.max * 1000);
    return text;
  }

 private:
  static constexpr int kPlaybackRate = 48000;

  double heard_seconds() const {
    if (!playback_) return seconds_between(start_, Clock::now());
    std::lock_guard<std::mutex> lock(mutex_);
    return playback_->heard_seconds();
  }

  // Keeps about half a second decoded ahead of what plays (memory stays flat for long files).
  // Holds mutex_ (or runs before the feeder starts).
  void feed() {
    if (!decoder_) return;
    std::vector<float> chunk(4096);
    while (appended_ - playback_->position() < kPlaybackRate / 2) {
      const std::size_t n = decoder_->read(chunk.data(), chunk.size());
      if (n == 0) {
        playback_->end_of_stream();
        decoder_.reset();
        return;
      }
      playback_->append(chunk.data(), n);
      appended_ += static_cast<int64_t>(n);
    }
  }

  std::string path_;
  int fps_;
  std::size_t dim_ = 0;
  int64_t frames_ = 0, appended_ = 0;
  std::vector<float> codes_;
  std::unique_ptr<audio::AudioDecoder> decoder_;
  std::unique_ptr<live::Playback> playback_;
  mutable std::mutex mutex_;  // playback_ and decoder_ are shared with the feeder thread
  std::thread feeder_;
  std::atomic<bool> stop_{false};
  Clock::time_point start_;
  double offset_ = 0;
  std::vector<double> offsets_;
};

// A microphone: captured samples -> live codes (fixed look-ahead). Shown is the newest ready frame,
// or with a playout delay the frame captured that long before its present (paced: one new frame
// per present however unevenly the audio arrives); its mic-to-photon latency is measured when it
// is first presented.
class MicDriver : public Driver {
 public:
  MicDriver(const asset::Avatar& avatar, const std::string& device, int fps, int look_ahead, double delay_seconds)
      : mic_(live::MicrophoneOptions{device}),
        pipeline_(avatar, mic_.sample_rate(), animate::LiveOptions{fps, look_ahead}),
        delay_(delay_seconds),
        code_(pipeline_.code_dim(), 0.0f) {}

  int64_t frame(float* code, double lead) override {
    const std::size_t before = samples_.size();
    Clock::time_point newest;
    if (mic_.read(samples_, newest) > 0) pipeline_.push(samples_.data() + before, samples_.size() - before, newest);
    samples_.clear();
    const int64_t f = delay_ > 0 ? pipeline_.at_delay(Clock::now() + to_duration(lead), delay_, code_.data())
                                 : pipeline_.latest(code_.data());
    fresh_ = f >= 0;
    if (fresh_) shown_ = f;
    std::copy(code_.begin(), code_.end(), code);
    return shown_;
  }

  std::optional<double> presented(int64_t frame, Clock::time_point when) override {
    if (!fresh_) return std::nullopt;  // a repeated frame: its latency was measured when first shown
    fresh_ = false;
    return pipeline_.presented(frame, when);
  }

  bool finished() const override { return false; }
  std::string source() const override {
    char text[96];
    std::snprintf(text, sizeof text, "\nlook-ahead %.0f ms", pipeline_.look_ahead_seconds() * 1000);
    return "mic: " + mic_.device_name() + text;
  }
  std::string status() override {
    return mic_.state() == live::MicrophoneState::disconnected ? "the microphone disconnected: showing the last frame"
                                                                : "";
  }
  std::string summary() const override {
    const live::LatencyStats total = pipeline_.latency().total();
    const live::LatencyStats after = pipeline_.latency().after_audio();
    char text[360];
    std::snprintf(text, sizeof text,
                  "mic-to-photon latency over %zu frames: median %.1f ms, p95 %.1f ms, max %.1f ms "
                  "(look-ahead %.1f ms; after the look-ahead's audio arrived: median %.1f ms, p95 %.1f ms)",
                  total.frames, total.median * 1000, total.p95 * 1000, total.max * 1000,
                  pipeline_.look_ahead_seconds() * 1000, after.median * 1000, after.p95 * 1000);
    return text;
  }

 private:
  static Clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  live::Microphone mic_;
  live::LivePipeline pipeline_;
  double delay_;
  std::vector<float> code_, samples_;
  int64_t shown_ = 0;
  bool fresh_ = false;
};

int list_devices() {
  const std::vector<std::string> devices = live::capture_devices();
  const std::string fallback = live::default_capture_device();
  if (devices.empty()) {
    std::cout << "no capture devices (is a sound server running?)\n";
    return 0;
  }
  for (const auto& name : devices) std::cout << name << (name == fallback ? "  (default)" : "") << "\n";
  return 0;
}

// Recent frame rate, frame time and lead (from choosing a frame to presenting it): exponential
// averages.
class FrameClock {
 public:
  // The first frame's time holds the start-up (pipelines, first upload): it is no estimate.
  void presented(Clock::time_point started, Clock::time_point when) {
    if (last_) {
      interval_ = average(interval_, seconds_between(*last_, when));
      lead_ = average(lead_, seconds_between(started, when));
    }
    last_ = when;
  }
  double fps() const { return interval_ > 0 ? 1.0 / interval_ : 0; }
  double frame_ms() const { return interval_ * 1000; }
  double lead() const { return lead_; }

 private:
  static double average(double mean, double value) { return mean > 0 ? 0.8 * mean + 0.2 * value : value; }

  std::optional<Clock::time_point> last_;
  double interval_ = 0, lead_ = 0;
};

}  // namespace

CLI::App* add_play_command(CLI::App& app, PlayOptions& options) {
  auto* play = app.add_subcommand("play", "Play an avatar in a window, driven by the microphone or by an audio file (with sound)");
  play->add_option("avatar", options.avatar, "The .avatar file");
  auto* audio = play->add_option("--audio", options.audio, "Play this audio file (any format FFmpeg reads) in sync instead of listening");
  play->add_option("--mic", options.mic, "Capture device to listen to (see --list-devices; default: the system's)")->excludes(audio);
  play->add_flag("--list-devices", options.list_devices, "List the capture devices and exit");
  play->add_option("--seconds", options.seconds, "Stop after this many seconds (default: when the window closes, or the file ends)")
      ->check(CLI::NonNegativeNumber);
  play->add_option("--fps", options.fps, "Frame rate of the expression codes (presents follow the display)")
      ->check(CLI::Range(1, 240))
      ->capture_default_str();
  play->add_option("--look-ahead", options.look_ahead, "Live look-ahead in avatar frames (default: the avatar's)")
      ->check(CLI::NonNegativeNumber);
  play->add_option("--delay", options.delay_ms,
                   "Mic: show the audio of this many milliseconds ago, paced one frame per present "
                   "(smooth; must cover the look-ahead and the capture's chunks), instead of the newest ready frame")
      ->check(CLI::NonNegativeNumber);
  play->add_option("--size", options.size, "Render size and initial window size WxH (default: the avatar camera's)")
      ->check(CLI::Validator(check_size, "WxH"));
  play->add_flag("--fullscreen", options.fullscreen, "Start in full screen (F11 toggles)");
  play->add_option("--background", options.background, "plate, transparent or #rrggbb (default: plate when the avatar has plates, else black)")
      ->check(CLI::Validator(check_background, "plate|transparent|#rrggbb"));
  play->add_flag_callback("--no-overlay", [&options] { options.overlay = false; },
                          "Start without the statistics overlay (Tab or F1 toggles it)");
  play->add_option("--report", options.report, "Write one JSON line per presented frame (frame, time, presented, code, latency) to this file");
  return play;
}

int run_play(const PlayOptions& options) {
  if (options.list_devices) return list_devices();
  if (options.avatar.empty()) {
    std::cerr << "being play: the avatar is required (being play AVATAR); see being play --help\n";
    return 2;
  }
  const asset::Avatar avatar = asset::read_avatar(options.avatar);

  player::PlayerOptions look;
  if (!options.size.empty()) std::sscanf(options.size.c_str(), "%dx%d", &look.width, &look.height);
  if (!options.background.empty()) player::parse_background(options.background, look);

  window::WindowOptions window_options;
  window_options.title = "being play " + options.avatar;
  window_options.width = look.width > 0 ? look.width : avatar.camera.width;
  window_options.height = look.height > 0 ? look.height : avatar.camera.height;
  window_options.fullscreen = options.fullscreen;
  window::Window window(window_options);
  player::AvatarPlayer player(window.context(), avatar, look);

  std::unique_ptr<Driver> driver;
  if (!options.audio.empty())
    driver = std::make_unique<FileDriver>(avatar, options.audio, options.fps);
  else
    driver = std::make_unique<MicDriver>(avatar, options.mic, options.fps, options.look_ahead, options.delay_ms / 1000);

  std::ofstream report;
  if (!options.report.empty()) {
    report.open(options.report);
    if (!report) throw std::runtime_error("cannot write the report " + options.report);
  }

  bool overlay = options.overlay;
  window.set_event_handler([&](const SDL_Event& event) {
    if (event.type != SDL_KEYDOWN || event.key.repeat) return;
    const SDL_Keycode key = event.key.keysym.sym;
    if (key == SDLK_TAB || key == SDLK_F1) overlay = !overlay;
    if (key == SDLK_ESCAPE) window.request_close();
  });

  std::vector<float> code(player.code_dim(), 0.0f);
  FrameClock frame_clock;
  std::optional<double> last_latency;
  int64_t presented_frames = 0, rendered_frames = 0;
  double render_seconds = 0;  // deformation + splatting, to tell the renderer's share of the latency
  std::string status;  // the source's last warning, printed once when it changes
  const Clock::time_point start = Clock::now();
  while (window.poll_events()) {
    const double elapsed = seconds_between(start, Clock::now());
    if (options.seconds > 0 ? elapsed >= options.seconds : driver->finished()) break;
    const Clock::time_point frame_start = Clock::now();
    const int64_t frame = driver->frame(code.data(), frame_clock.lead());
    if (driver->status() != status) {
      status = driver->status();
      if (!status.empty()) std::cerr << "being play: warning: " << status << "\n";
    }
    if (!window.begin_frame()) {  // minimised: no rendering, but the audio keeps flowing
      window.wait_events(10);
      continue;
    }
    const Clock::time_point render_start = Clock::now();
    player.render(frame, options.fps, code.data(), render::FrameOptions{false});
    render_seconds += seconds_between(render_start, Clock::now());
    ++rendered_frames;
    if (overlay) {
      window::OverlayStats stats;
      stats.fps = frame_clock.fps();
      stats.frame_ms = frame_clock.frame_ms();
      stats.latency_ms = last_latency ? *last_latency * 1000 : -1;
      stats.source = driver->source();
      stats.status = status;
      stats.names = &avatar.face.expression_names;
      stats.code = code.data();
      stats.code_dim = code.size();
      window::draw_overlay(stats);
    }
    const window::FrameImage image = window::FrameImage::of(player.renderer());
    const window::PresentResult shown = window.present(image);
    if (!shown.presented) continue;
    frame_clock.presented(frame_start, shown.present_time);
    const std::optional<double> latency = driver->presented(frame, shown.present_time);
    if (latency) last_latency = latency;
    ++presented_frames;
    if (report.is_open()) {
      nlohmann::json line{{"frame", frame},
                          {"time", static_cast<double>(frame) / options.fps},
                          {"presented", seconds_between(start, shown.present_time)},
                          {"code", code},
                          {"latency", latency ? nlohmann::json(*latency) : nlohmann::json(nullptr)}};
      report << line.dump() << std::endl;  // whole lines as they happen, for readers that follow it
    }
  }
  const double elapsed = seconds_between(start, Clock::now());
  std::cout << "being play: " << presented_frames << " frames presented in " << elapsed << " s ("
            << (elapsed > 0 ? presented_frames / elapsed : 0) << " fps, render "
            << (rendered_frames > 0 ? render_seconds / rendered_frames * 1000 : 0) << " ms/frame, " << window.extent().width << "x"
            << window.extent().height << " window, "
            << (window.present_mode() == VK_PRESENT_MODE_FIFO_KHR ? "vsync" : "no vsync") << ", "
            << window.context().device_info().name << ")\n"
            << "being play: " << driver->summary() << "\n";
  return 0;
}

}  // namespace being::app
