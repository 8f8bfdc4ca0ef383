// Audio file decoding to the one format the pipeline uses: mono float samples at a fixed rate.
//
// Any container and codec Debian's FFmpeg reads (wav, flac, mp3, aac in mp4, ...), any rate, any
// channel layout, integer or float samples. Decoding streams: memory stays flat for hour-long files.
#pragma once

#include "being/media/media_error.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace being::audio {

using AudioError = being::media::MediaError;

struct AudioSourceInfo {
  std::string codec;         // e.g. "mp3", "pcm_s24le"
  int sample_rate = 0;       // of the file
  int channels = 0;          // of the file
  double duration_s = 0.0;   // from the container; 0 when it does not say
  // When the first sample plays, relative to the container's start (the video's time origin too):
  // a muxer may start the audio later (or earlier) than the pictures. Known once read() has
  // returned samples.
  double start_s = 0.0;
};

class AudioDecoder {
 public:
  // Opens `path` and picks its best audio stream. Throws AudioError with a message a user can act on
  // (file missing, not a media file, no audio stream, no decoder).
  explicit AudioDecoder(const std::string& path, int sample_rate = 16000);
  ~AudioDecoder();
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;

  // Writes up to `max_samples` mono samples; returns how many, 0 once the stream has ended.
  // Throws AudioError when the data turns out to be undecodable.
  std::size_t read(float* out, std::size_t max_samples);

  const AudioSourceInfo& source() const;
  int sample_rate() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes a whole file.
std::vector<float> decode_audio_file(const std::string& path, int sample_rate = 16000);

}  // namespace being::audio
