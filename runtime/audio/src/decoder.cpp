#include "being/audio/decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace being::audio {
namespace {

std::string av_message(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace

struct AudioDecoder::Impl {
  std::string path;
  int out_rate = 16000;
  AudioSourceInfo info;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  SwrContext* resampler = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  int stream_index = -1;
  bool demux_done = false;
  bool decoder_drained = false;
  bool resampler_flushed = false;
  std::vector<float> pending;  // converted samples not yet handed out
  std::size_t pending_offset = 0;

  ~Impl() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&resampler);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }

  [[noreturn]] void fail(const std::string& what) const { throw AudioError(path + ": " + what); }

  void open() {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail("no such file");
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, not an audio or video file");
    int rc = avformat_open_input(&format, path.c_str(), nullptr, nullptr);
    if (rc < 0) fail("not a media file FFmpeg can read (" + av_message(rc) + ")");
    rc = avformat_find_stream_info(format, nullptr);
    if (rc < 0) fail("cannot read stream information (" + av_message(rc) + "); the file may be truncated");
    const AVCodec* decoder = nullptr;
    stream_index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
    if (stream_index == AVERROR_STREAM_NOT_FOUND) fail("has no audio stream");
    if (stream_index < 0 || !decoder) fail("no decoder for its audio codec in this FFmpeg build");
    AVStream* stream = format->streams[stream_index];
    codec = avcodec_alloc_context3(decoder);
    if (!codec) throw std::bad_alloc();
    if ((rc = avcodec_parameters_to_context(codec, stream->codecpar)) < 0 ||
        (rc = avcodec_open2(codec, decoder, nullptr)) < 0)
      fail("cannot open the " + std::string(decoder->name) + " decoder (" + av_message(rc) + ")");
    if (codec->sample_rate <= 0 || codec->ch_layout.nb_channels <= 0) fail("audio stream has no sample rate or channels");

    info.codec = decoder->name;
    info.sample_rate = codec->sample_rate;
    info.channels = codec->ch_layout.nb_channels;
    if (format->duration > 0) info.duration_s = static_cast<double>(format->duration) / AV_TIME_BASE;

    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    rc = swr_alloc_set_opts2(&resampler, &mono, AV_SAMPLE_FMT_FLT, out_rate, &codec->ch_layout,
                             codec->sample_fmt, codec->sample_rate, 0, nullptr);
    if (rc < 0 || (rc = swr_init(resampler)) < 0) fail("cannot set up resampling (" + av_message(rc) + ")");
    packet = av_packet_alloc();
    frame = av_frame_alloc();
    if (!packet || !frame) throw std::bad_alloc();
  }

  void convert(const uint8_t** input, int input_samples) {
    const int capacity = swr_get_out_samples(resampler, input_samples);
    if (capacity <= 0) return;
    const std::size_t start = pending.size();
    pending.resize(start + static_cast<std::size_t>(capacity));
    uint8_t* out = reinterpret_cast<uint8_t*>(pending.data() + start);
    const int written = swr_convert(resampler, &out, capacity, input, input_samples);
    if (written < 0) fail("resampling failed (" + av_message(written) + ")");
    pending.resize(start + static_cast<std::size_t>(written));
  }

  // Moves decoded frames into `pending` until some samples are there or the stream has ended.
  bool refill() {
    while (pending_offset >= pending.size()) {
      pending.clear();
      pending_offset = 0;
      int rc = avcodec_receive_frame(codec, frame);
      if (rc == 0) {
        convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
        av_frame_unref(frame);
        continue;
      }
      if (rc == AVERROR_EOF) {
        decoder_drained = true;
        if (resampler_flushed) return false;
        resampler_flushed = true;
        convert(nullptr, 0);
        continue;
      }
      if (rc != AVERROR(EAGAIN)) fail("audio data cannot be decoded (" + av_message(rc) + ")");
      if (demux_done) fail("decoder stalled at the end of the stream");
      rc = av_read_frame(format, packet);
      if (rc == AVERROR_EOF) {
        demux_done = true;
        avcodec_send_packet(codec, nullptr);
        continue;
      }
      if (rc < 0) fail("read error (" + av_message(rc) + "); the file may be truncated or corrupt");
      if (packet->stream_index == stream_index) {
        rc = avcodec_send_packet(codec, packet);
        // A damaged packet in the middle is skipped, as players do; the stream goes on.
        if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA) {
          av_packet_unref(packet);
          fail("audio data cannot be decoded (" + av_message(rc) + ")");
        }
      }
      av_packet_unref(packet);
    }
    return true;
  }
};

AudioDecoder::AudioDecoder(const std::string& path, int sample_rate) : impl_(std::make_unique<Impl>()) {
  if (sample_rate <= 0) throw AudioError("sample rate must be positive");
  impl_->path = path;
  impl_->out_rate = sample_rate;
  impl_->open();
}

AudioDecoder::~AudioDecoder() = default;

std::size_t AudioDecoder::read(float* out, std::size_t max_samples) {
  std::size_t done = 0;
  while (done < max_samples && impl_->refill()) {
    const std::size_t n = std::min(max_samples - done, impl_->pending.size() - impl_->pending_offset);
    std::memcpy(out + done, impl_->pending.data() + impl_->pending_offset, n * sizeof(float));
    impl_->pending_offset += n;
    done += n;
  }
  return done;
}

const AudioSourceInfo& AudioDecoder::source() const { return impl_->info; }
int AudioDecoder::sample_rate() const { return impl_->out_rate; }

std::vector<float> decode_audio_file(const std::string& path, int sample_rate) {
  AudioDecoder decoder(path, sample_rate);
  std::vector<float> samples;
  std::vector<float> chunk(1 << 15);
  while (std::size_t n = decoder.read(chunk.data(), chunk.size())) samples.insert(samples.end(), chunk.begin(), chunk.begin() + n);
  return samples;
}

}  // namespace being::audio
