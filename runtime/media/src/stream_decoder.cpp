#include "being/media/stream_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <filesystem>

namespace being::media {

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

StreamDecoder::StreamDecoder(const std::string& path, StreamKind kind) : path_(path) {
  const bool audio = kind == StreamKind::audio;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail("no such file");
  if (std::filesystem::is_directory(path, ec)) fail("is a directory, not a media file");
  int rc = avformat_open_input(&format_, path.c_str(), nullptr, nullptr);
  if (rc < 0) fail("not a media file FFmpeg can read (" + av_error_text(rc) + ")");
  if ((rc = avformat_find_stream_info(format_, nullptr)) < 0)
    fail("cannot read stream information (" + av_error_text(rc) + "); the file may be truncated");
  const AVCodec* decoder = nullptr;
  stream_index_ = av_find_best_stream(format_, audio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (stream_index_ == AVERROR_STREAM_NOT_FOUND) fail(audio ? "has no audio stream" : "has no video stream (is it an audio file?)");
  if (stream_index_ < 0 || !decoder) fail(std::string("no decoder for its ") + (audio ? "audio" : "video") + " codec in this FFmpeg build");
  if (!audio && (stream()->disposition & AV_DISPOSITION_ATTACHED_PIC)) fail("has only a cover picture, no video");
  codec_ = avcodec_alloc_context3(decoder);
  packet_ = av_packet_alloc();
  frame_ = av_frame_alloc();
  if (!codec_ || !packet_ || !frame_) throw std::bad_alloc();
  if ((rc = avcodec_parameters_to_context(codec_, stream()->codecpar)) < 0 || (rc = avcodec_open2(codec_, decoder, nullptr)) < 0)
    fail("cannot open the " + std::string(decoder->name) + " decoder (" + av_error_text(rc) + ")");
}

StreamDecoder::~StreamDecoder() {
  av_frame_free(&frame_);
  av_packet_free(&packet_);
  avcodec_free_context(&codec_);
  avformat_close_input(&format_);
}

AVStream* StreamDecoder::stream() const { return format_->streams[stream_index_]; }

void StreamDecoder::fail(const std::string& what) const { throw MediaError(path_ + ": " + what); }

AVFrame* StreamDecoder::next_frame() {
  av_frame_unref(frame_);
  while (true) {
    int rc = avcodec_receive_frame(codec_, frame_);
    if (rc == 0) return frame_;
    if (rc == AVERROR_EOF) return nullptr;
    if (rc != AVERROR(EAGAIN)) fail("data cannot be decoded (" + av_error_text(rc) + ")");
    if (demux_done_) return nullptr;
    rc = av_read_frame(format_, packet_);
    if (rc == AVERROR_EOF) {
      demux_done_ = true;
      avcodec_send_packet(codec_, nullptr);
      continue;
    }
    if (rc < 0) fail("read error (" + av_error_text(rc) + "); the file may be truncated or corrupt");
    if (packet_->stream_index == stream_index_) {
      rc = avcodec_send_packet(codec_, packet_);
      if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA) {
        av_packet_unref(packet_);
        fail("data cannot be decoded (" + av_error_text(rc) + ")");
      }
    }
    av_packet_unref(packet_);
  }
}

}  // namespace being::media
