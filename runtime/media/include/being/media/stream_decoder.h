// One stream of a media file, demuxed and decoded frame by frame with FFmpeg. The audio decoder and
// the video reader are built on it; they add resampling, conversion and timing.
#pragma once

#include "being/media/media_error.h"

#include <string>

struct AVCodecContext;
struct AVFormatContext;
struct AVFrame;
struct AVPacket;
struct AVStream;

namespace being::media {

enum class StreamKind { audio, video };

// FFmpeg's text for an error code.
std::string av_error_text(int code);

class StreamDecoder {
 public:
  // Opens `path` and the best stream of `kind` with its decoder; throws MediaError (missing file,
  // not a media file, no such stream, no decoder).
  StreamDecoder(const std::string& path, StreamKind kind);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // The next decoded frame, owned by the decoder and valid until the next call; nullptr at the end.
  // Damaged packets in the middle are skipped, as players do. Throws MediaError on read errors.
  AVFrame* next_frame();

  AVFormatContext* format() const { return format_; }
  AVStream* stream() const;
  AVCodecContext* codec() const { return codec_; }
  const std::string& path() const { return path_; }

  // Throws MediaError("<path>: <what>").
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string path_;
  AVFormatContext* format_ = nullptr;
  AVCodecContext* codec_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
  int stream_index_ = -1;
  bool demux_done_ = false;
};

}  // namespace being::media
