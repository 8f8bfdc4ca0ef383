// MP4 output that plays everywhere: H.264 (libx264, yuv420p) video and AAC audio, timestamps from
// frame and sample counts (never from wall time), written to OUT.part and renamed on finish(), so an
// interrupted render leaves no half file that looks complete.
#pragma once

#include "being/media/media_error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace being::encode {

using EncodeError = being::media::MediaError;

struct Mp4Options {
  int width = 512;               // even
  int height = 512;              // even
  int fps = 25;
  bool audio = true;
  int audio_sample_rate = 16000;  // rate of the samples given to add_audio (mono float)
  int crf = 18;                  // x264 quality: lower is better, 18 is visually lossless
  const char* preset = "veryfast";
};

class Mp4Writer {
 public:
  // Opens the output; throws EncodeError when the path cannot be written or the options are bad.
  Mp4Writer(const std::filesystem::path& path, const Mp4Options& options);
  // Without finish(), removes the partial file.
  ~Mp4Writer();
  Mp4Writer(const Mp4Writer&) = delete;
  Mp4Writer& operator=(const Mp4Writer&) = delete;

  // One RGB frame, width * height * 3 bytes, top row first.
  void add_frame(const std::uint8_t* rgb);
  // Mono samples in [-1, 1] at audio_sample_rate.
  void add_audio(const float* samples, std::size_t count);
  // Flushes the encoders, writes the index and moves the file into place.
  void finish();

  std::int64_t frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::encode
