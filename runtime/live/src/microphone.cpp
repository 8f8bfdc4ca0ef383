#include "being/live/microphone.h"

#include <AL/al.h>
#include <AL/alc.h>
#include <AL/alext.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace being::live {
namespace {

std::string device_list_text() {
  const auto names = capture_devices();
  if (names.empty()) return "no capture devices are listed";
  std::string text = "capture devices:";
  for (const auto& n : names) text += " \"" + n + "\"";
  return text;
}

// The device's own capture latency (ALC_SOFT_device_clock); nothing where OpenAL does not report it
// for capture devices (OpenAL Soft 1.19 does not).
std::optional<Clock::duration> device_latency(ALCdevice* device) {
  if (!alcIsExtensionPresent(device, "ALC_SOFT_device_clock")) return std::nullopt;
  auto get = reinterpret_cast<LPALCGETINTEGER64VSOFT>(alcGetProcAddress(device, "alcGetInteger64vSOFT"));
  if (!get) return std::nullopt;
  alcGetError(device);
  ALCint64SOFT nanoseconds = 0;
  get(device, ALC_DEVICE_LATENCY_SOFT, 1, &nanoseconds);
  if (alcGetError(device) != ALC_NO_ERROR || nanoseconds < 0) return std::nullopt;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(nanoseconds));
}

}  // namespace

struct Microphone::State {
  ALCdevice* device = nullptr;
  std::string name;
  int rate = 0;
  bool float_samples = false;
  bool disconnected = false;
  bool reports_latency = true;  // until the first query fails
  int64_t samples_read = 0;
  std::vector<short> int16;
};

Microphone::Microphone(const MicrophoneOptions& options) : state_(std::make_unique<State>()) {
  if (options.sample_rate < 0 || !(options.buffer_seconds > 0))
    throw AudioDeviceError("microphone: sample_rate must be >= 0 (0: automatic) and buffer_seconds > 0");
  State& s = *state_;
  const std::vector<int> rates = options.sample_rate ? std::vector<int>{options.sample_rate} : std::vector<int>{48000, 16000};
  const ALCchar* requested = options.device.empty() ? nullptr : options.device.c_str();
  for (int rate : rates) {
    const auto frames = static_cast<ALCsizei>(std::ceil(options.buffer_seconds * rate));
    // Float samples where the implementation captures them (OpenAL Soft does), else 16-bit.
    for (bool as_float : {true, false}) {
      s.device = alcCaptureOpenDevice(requested, rate, as_float ? AL_FORMAT_MONO_FLOAT32 : AL_FORMAT_MONO16, frames);
      if (s.device) {
        s.rate = rate;
        s.float_samples = as_float;
        break;
      }
    }
    if (s.device) break;
  }
  const std::string shown = options.device.empty() ? "the default capture device" : "capture device \"" + options.device + "\"";
  if (!s.device)
    throw AudioDeviceError("microphone: cannot open " + shown + " as mono audio at " +
                           (options.sample_rate ? std::to_string(options.sample_rate) + " Hz" : "48000 or 16000 Hz") +
                           " (" + device_list_text() + "; choose one with --mic NAME, or check the sound server)");
  const ALCchar* name = alcGetString(s.device, ALC_CAPTURE_DEVICE_SPECIFIER);
  s.name = name ? name : options.device;
  alcGetError(s.device);
  alcCaptureStart(s.device);
  if (alcGetError(s.device) != ALC_NO_ERROR) {
    alcCaptureCloseDevice(s.device);
    throw AudioDeviceError("microphone: " + shown + " opened but does not start capturing");
  }
}

Microphone::~Microphone() {
  alcCaptureStop(state_->device);
  alcCaptureCloseDevice(state_->device);
}

const std::string& Microphone::device_name() const { return state_->name; }
int Microphone::sample_rate() const { return state_->rate; }
int64_t Microphone::samples_read() const { return state_->samples_read; }

MicrophoneState Microphone::state() {
  State& s = *state_;
  if (!s.disconnected && alcIsExtensionPresent(s.device, "ALC_EXT_disconnect")) {
    ALCint connected = 1;
    alcGetIntegerv(s.device, ALC_CONNECTED, 1, &connected);
    s.disconnected = connected == 0;
  }
  return s.disconnected ? MicrophoneState::disconnected : MicrophoneState::capturing;
}

std::size_t Microphone::read(std::vector<float>& out, Clock::time_point& newest) {
  if (state() == MicrophoneState::disconnected) return 0;
  State& s = *state_;
  ALCint available = 0;
  alcGetIntegerv(s.device, ALC_CAPTURE_SAMPLES, 1, &available);
  // Every queued sample is read, so the newest one left the device just now (less its latency).
  const Clock::time_point now = Clock::now();
  if (available <= 0) return 0;
  const std::size_t n = static_cast<std::size_t>(available);
  const std::size_t start = out.size();
  out.resize(start + n);
  if (s.float_samples) {
    alcCaptureSamples(s.device, out.data() + start, available);
  } else {
    s.int16.resize(n);
    alcCaptureSamples(s.device, s.int16.data(), available);
    std::transform(s.int16.begin(), s.int16.end(), out.begin() + static_cast<std::ptrdiff_t>(start),
                   [](short v) { return static_cast<float>(v) / 32768.0f; });
  }
  newest = now;
  if (s.reports_latency) {
    const auto latency = device_latency(s.device);
    s.reports_latency = latency.has_value();
    if (latency) newest -= *latency;
  }
  s.samples_read += static_cast<int64_t>(n);
  return n;
}

}  // namespace being::live
