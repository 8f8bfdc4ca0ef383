// Video decoding for ingest: any file Debian's FFmpeg reads, as RGB frames at a constant rate.
//
// Output frame i shows the picture on screen at media time i / fps, where media time 0 is the
// container's start (so it lines up with the audio decoded from the same file). Variable-frame-rate
// sources are resampled by timestamps: frames are repeated or skipped, never interpolated. Rotation
// metadata is applied, so frames come out the way players show them.
#pragma once

#include "being/media/media_error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace being::video {

using VideoError = being::media::MediaError;

struct VideoInfo {
  std::string codec;
  int width = 0;              // after rotation
  int height = 0;             // after rotation
  int rotation_degrees = 0;   // clockwise rotation applied to the coded pictures: 0, 90, 180, 270
  double nominal_fps = 0.0;   // the container's frame rate
  double average_fps = 0.0;   // frames / duration; differs from nominal for variable frame rate
  double duration_s = 0.0;    // of the whole file (container)
  double video_start_s = 0.0; // first video timestamp relative to the container start
  bool has_audio = false;
};

struct Frame {
  int index = 0;            // output frame number
  double time_s = 0.0;      // index / fps
  int source_index = 0;     // which decoded source frame it shows (repeats show the same one)
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, row-major, top row first
};

class VideoReader {
 public:
  // Throws VideoError (missing file, not a video, no video stream, no decoder).
  explicit VideoReader(const std::string& path, double fps = 25.0);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;
  double fps() const;

  // The next output frame; false at the end. Throws VideoError on undecodable data.
  bool next(Frame& frame);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace being::video
