#include "being/live/playback.h"

#include <AL/al.h>
#include <AL/alc.h>
#include <AL/alext.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <vector>

namespace being::live {

struct Playback::State {
  ALCdevice* device = nullptr;
  ALCcontext* context = nullptr;
  ALuint source = 0;
  std::vector<ALuint> buffers;
  std::vector<ALuint> idle;               // buffers not on the source
  std::deque<float> pending;              // appended, not yet queued
  std::deque<std::size_t> queued_sizes;   // samples in each buffer on the source, oldest first
  int rate = 0;
  std::size_t buffer_samples = 0;
  int64_t unqueued_samples = 0;           // samples of the buffers played and taken off the source
  int64_t appended = 0;
  bool ended = false, playing = false;
  std::vector<short> int16;

  // One OpenAL context is current per process; each Playback makes its own current first.
  void make_current() const { alcMakeContextCurrent(context); }

  void fill_idle_buffers() {
    while (!idle.empty() && (pending.size() >= buffer_samples || (ended && !pending.empty()))) {
      const std::size_t n = std::min(buffer_samples, pending.size());
      int16.resize(n);
      std::transform(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n), int16.begin(),
                     [](float v) { return static_cast<short>(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767.0f)); });
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
      const ALuint buffer = idle.back();
      idle.pop_back();
      alBufferData(buffer, AL_FORMAT_MONO16, int16.data(), static_cast<ALsizei>(n * sizeof(short)), rate);
      alSourceQueueBuffers(source, 1, &buffer);
      queued_sizes.push_back(n);
    }
  }
};

Playback::Playback(int sample_rate, const PlaybackOptions& options) : state_(std::make_unique<State>()) {
  if (sample_rate < 1000 || sample_rate > 384000 || !(options.buffer_seconds > 0) || options.buffers < 2)
    throw std::invalid_argument("playback: sample rate must be 1000..384000 Hz, buffer_seconds > 0 and buffers >= 2");
  State& s = *state_;
  s.rate = sample_rate;
  s.buffer_samples = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(options.buffer_seconds * sample_rate)));
  const std::string shown = options.device.empty() ? "the default output device" : "output device \"" + options.device + "\"";
  s.device = alcOpenDevice(options.device.empty() ? nullptr : options.device.c_str());
  if (!s.device)
    throw AudioDeviceError("playback: cannot open " + shown + " (check the sound server, or ALSOFT_DRIVERS=null for no sound)");
  s.context = alcCreateContext(s.device, nullptr);
  if (!s.context) {
    alcCloseDevice(s.device);
    throw AudioDeviceError("playback: cannot create an OpenAL context on " + shown);
  }
  s.make_current();
  alGetError();
  alGenSources(1, &s.source);
  s.buffers.resize(static_cast<std::size_t>(options.buffers));
  alGenBuffers(options.buffers, s.buffers.data());
  if (alGetError() != AL_NO_ERROR) {
    alcMakeContextCurrent(nullptr);
    alcDestroyContext(s.context);
    alcCloseDevice(s.device);
    throw AudioDeviceError("playback: cannot create an OpenAL source and its buffers on " + shown);
  }
  alSourcei(s.source, AL_SOURCE_RELATIVE, AL_TRUE);  // mono, centred on the listener
  s.idle = s.buffers;
}

Playback::~Playback() {
  State& s = *state_;
  s.make_current();
  alSourceStop(s.source);
  alSourcei(s.source, AL_BUFFER, 0);
  alDeleteSources(1, &s.source);
  alDeleteBuffers(static_cast<ALsizei>(s.buffers.size()), s.buffers.data());
  alcMakeContextCurrent(nullptr);
  alcDestroyContext(s.context);
  alcCloseDevice(s.device);
}

int Playback::sample_rate() const { return state_->rate; }

void Playback::append(const float* samples, std::size_t count) {
  state_->pending.insert(state_->pending.end(), samples, samples + count);
  state_->appended += static_cast<int64_t>(count);
}

void Playback::end_of_stream() { state_->ended = true; }

void Playback::play() {
  state_->playing = true;
  update();
}

void Playback::pause() {
  state_->make_current();
  state_->playing = false;
  alSourcePause(state_->source);
}

void Playback::update() {
  State& s = *state_;
  s.make_current();
  ALint processed = 0;
  alGetSourcei(s.source, AL_BUFFERS_PROCESSED, &processed);
  for (ALint i = 0; i < processed; ++i) {
    ALuint buffer = 0;
    alSourceUnqueueBuffers(s.source, 1, &buffer);
    s.unqueued_samples += static_cast<int64_t>(s.queued_sizes.front());
    s.queued_sizes.pop_front();
    s.idle.push_back(buffer);
  }
  s.fill_idle_buffers();
  ALint state = AL_INITIAL;
  alGetSourcei(s.source, AL_SOURCE_STATE, &state);
  // A source that ran dry stops; it restarts here once samples are queued again.
  if (s.playing && state != AL_PLAYING && !s.queued_sizes.empty()) alSourcePlay(s.source);
}

int64_t Playback::position() const {
  const State& s = *state_;
  s.make_current();
  ALint state = AL_INITIAL, offset = 0;
  alGetSourcei(s.source, AL_SOURCE_STATE, &state);
  if (state == AL_STOPPED)  // every queued buffer has played; the offset reads 0 then
    return s.unqueued_samples + std::accumulate(s.queued_sizes.begin(), s.queued_sizes.end(), int64_t{0});
  if (state == AL_INITIAL) return s.unqueued_samples;
  alGetSourcei(s.source, AL_SAMPLE_OFFSET, &offset);
  return s.unqueued_samples + offset;
}

double Playback::heard_seconds() const {
  const double played = static_cast<double>(position()) / state_->rate;
  double latency = 0;
  if (alIsExtensionPresent("AL_SOFT_source_latency")) {
    auto get = reinterpret_cast<LPALGETSOURCEDVSOFT>(alGetProcAddress("alGetSourcedvSOFT"));
    ALdouble offset_and_latency[2] = {0, 0};
    if (get) {
      alGetError();
      get(state_->source, AL_SEC_OFFSET_LATENCY_SOFT, offset_and_latency);
      if (alGetError() == AL_NO_ERROR) latency = offset_and_latency[1];
    }
  }
  return std::max(0.0, played - latency);
}

bool Playback::finished() const { return state_->ended && position() >= state_->appended; }

bool Playback::connected() const {
  ALCdevice* device = state_->device;
  if (!alcIsExtensionPresent(device, "ALC_EXT_disconnect")) return true;
  ALCint connected = 1;
  alcGetIntegerv(device, ALC_CONNECTED, 1, &connected);
  return connected != 0;
}

}  // namespace being::live
