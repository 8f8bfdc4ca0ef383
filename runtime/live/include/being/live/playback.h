// Audio playback through an OpenAL streaming source (a queue of small buffers), with the sample
// clock that `being play --audio FILE` shows its frames by: the picture follows what is heard.
#pragma once

#include "being/live/audio_devices.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace being::live {

struct PlaybackOptions {
  std::string device;           // "" : the default output device
  double buffer_seconds = 0.02; // audio per OpenAL buffer
  int buffers = 4;              // buffers kept queued on the source
};

class Playback {
 public:
  // Opens the output device and a streaming source for mono audio at `sample_rate`. Throws
  // AudioDeviceError when the device cannot be opened, std::invalid_argument on bad options.
  explicit Playback(int sample_rate, const PlaybackOptions& options = {});
  ~Playback();
  Playback(const Playback&) = delete;
  Playback& operator=(const Playback&) = delete;

  int sample_rate() const;

  // Appends mono float samples (-1..1) to play after those appended before.
  void append(const float* samples, std::size_t count);
  // No more samples will be appended: finished() becomes true once all have played.
  void end_of_stream();
  // Starts (or resumes) playing.
  void play();
  void pause();
  // Moves played buffers back to the queue and refills them; restarts the source after an underrun
  // while samples are waiting. Call often (every frame).
  void update();

  // Samples played so far: those of the buffers already played plus the source's offset in the
  // current one. Starts at 0; does not advance while paused or starved.
  int64_t position() const;
  // position() in seconds, minus the output latency OpenAL reports (AL_SOFT_source_latency): the
  // stream time being heard now.
  double heard_seconds() const;
  bool finished() const;
  // False once the output device disappeared (ALC_EXT_disconnect); the clock then stops.
  bool connected() const;

 private:
  struct State;  // the OpenAL device, context, source and buffers
  std::unique_ptr<State> state_;
};

}  // namespace being::live
