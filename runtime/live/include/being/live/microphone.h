// Microphone capture through OpenAL Soft: mono float samples with the time they were captured.
// Poll read() often (every frame): OpenAL keeps `buffer_seconds` of audio and drops what overflows.
#pragma once

#include "being/live/audio_devices.h"
#include "being/live/latency_meter.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace being::live {

struct MicrophoneOptions {
  std::string device;          // "" : the default capture device (see capture_devices())
  int sample_rate = 0;         // 0: 48000 Hz, else 16000 Hz, whichever the device opens with
  double buffer_seconds = 0.5; // OpenAL's capture ring buffer
};

enum class MicrophoneState {
  capturing,
  disconnected,  // the device disappeared (unplugged, sound server gone): read() returns nothing
};

class Microphone {
 public:
  // Opens the device and starts capturing. Throws AudioDeviceError when it cannot be opened at any
  // of the rates (the message lists the capture devices).
  explicit Microphone(const MicrophoneOptions& options = {});
  ~Microphone();
  Microphone(const Microphone&) = delete;
  Microphone& operator=(const Microphone&) = delete;

  const std::string& device_name() const;
  int sample_rate() const;

  // Appends every sample captured since the last call (mono float, -1..1) to `out` and returns how
  // many; `newest` is set to the capture time of the last one appended (the time of the read,
  // minus what was still queued behind it and the device's own latency where OpenAL reports it).
  // Returns 0 (and leaves `newest`) when nothing new arrived or the device is disconnected.
  std::size_t read(std::vector<float>& out, Clock::time_point& newest);
  // Checks ALC_CONNECTED (ALC_EXT_disconnect); once disconnected, stays so.
  MicrophoneState state();
  // Samples delivered by read() so far.
  int64_t samples_read() const;

 private:
  struct State;  // the OpenAL device (its struct's name differs between OpenAL versions)
  std::unique_ptr<State> state_;
};

}  // namespace being::live
