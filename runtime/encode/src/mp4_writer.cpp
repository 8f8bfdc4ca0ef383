#include "being/encode/mp4_writer.h"

#include "being/media/stream_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <vector>

namespace being::encode {
namespace {

constexpr int kAudioRate = 48000;  // AAC at 48 kHz plays everywhere; input of any rate is resampled

}  // namespace

struct Mp4Writer::Impl {
  std::filesystem::path path, partial;
  Mp4Options options;
  AVFormatContext* format = nullptr;
  AVCodecContext* video = nullptr;
  AVCodecContext* audio = nullptr;
  AVStream* video_stream = nullptr;
  AVStream* audio_stream = nullptr;
  SwsContext* to_yuv = nullptr;
  SwrContext* resampler = nullptr;
  AVFrame* video_frame = nullptr;
  AVFrame* audio_frame = nullptr;
  AVPacket* packet = nullptr;
  std::vector<float> audio_fifo;  // 48 kHz samples waiting for a full AAC frame
  // swscale's vector code reads up to a few bytes past the last RGB pixel, so frames are converted
  // from this copy with slack at the end, never from the caller's buffer.
  std::vector<std::uint8_t> rgb_staging;
  std::int64_t frames = 0;
  std::int64_t audio_samples = 0;  // 48 kHz samples sent to the encoder
  bool header_written = false;
  bool finished = false;

  ~Impl() {
    av_packet_free(&packet);
    av_frame_free(&audio_frame);
    av_frame_free(&video_frame);
    swr_free(&resampler);
    sws_freeContext(to_yuv);
    avcodec_free_context(&audio);
    avcodec_free_context(&video);
    if (format) {
      if (format->pb) avio_closep(&format->pb);
      avformat_free_context(format);
    }
    if (!finished) {
      std::error_code ec;
      std::filesystem::remove(partial, ec);
    }
  }

  [[noreturn]] void fail(const std::string& what) const { throw EncodeError(path.string() + ": " + what); }
  void check(int rc, const std::string& what) const {
    if (rc < 0) fail(what + " (" + media::av_error_text(rc) + ")");
  }

  void open() {
    if (options.width <= 0 || options.height <= 0 || options.width % 2 || options.height % 2)
      fail("frame size must be positive and even for H.264, got " + std::to_string(options.width) + "x" + std::to_string(options.height));
    if (options.fps <= 0 || options.fps > 240) fail("fps must be in 1..240");
    if (options.audio && options.audio_sample_rate <= 0) fail("audio sample rate must be positive");
    partial = path;
    partial += ".part";

    check(avformat_alloc_output_context2(&format, nullptr, "mp4", partial.c_str()), "cannot create an MP4 muxer");
    const AVCodec* h264 = avcodec_find_encoder_by_name("libx264");
    if (!h264) fail("this FFmpeg has no libx264 encoder (Debian's ffmpeg packages include it)");
    video_stream = avformat_new_stream(format, nullptr);
    video = avcodec_alloc_context3(h264);
    if (!video_stream || !video) throw std::bad_alloc();
    video->width = options.width;
    video->height = options.height;
    video->pix_fmt = AV_PIX_FMT_YUV420P;
    video->time_base = AVRational{1, options.fps};
    video->framerate = AVRational{options.fps, 1};
    video->gop_size = options.fps * 2;
    if (format->oformat->flags & AVFMT_GLOBALHEADER) video->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(video->priv_data, "preset", options.preset, 0);
    av_opt_set(video->priv_data, "crf", std::to_string(options.crf).c_str(), 0);
    check(avcodec_open2(video, h264, nullptr), "cannot open the H.264 encoder");
    check(avcodec_parameters_from_context(video_stream->codecpar, video), "cannot set video stream parameters");
    video_stream->time_base = video->time_base;
    video_stream->avg_frame_rate = video->framerate;

    if (options.audio) {
      const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
      if (!aac) fail("this FFmpeg has no AAC encoder");
      audio_stream = avformat_new_stream(format, nullptr);
      audio = avcodec_alloc_context3(aac);
      if (!audio_stream || !audio) throw std::bad_alloc();
      audio->sample_fmt = AV_SAMPLE_FMT_FLTP;
      audio->sample_rate = kAudioRate;
      AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
      check(av_channel_layout_copy(&audio->ch_layout, &mono), "cannot set the audio layout");
      audio->bit_rate = 128000;
      audio->time_base = AVRational{1, kAudioRate};
      if (format->oformat->flags & AVFMT_GLOBALHEADER) audio->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
      check(avcodec_open2(audio, aac, nullptr), "cannot open the AAC encoder");
      check(avcodec_parameters_from_context(audio_stream->codecpar, audio), "cannot set audio stream parameters");
      audio_stream->time_base = audio->time_base;
      check(swr_alloc_set_opts2(&resampler, &mono, AV_SAMPLE_FMT_FLT, kAudioRate, &mono, AV_SAMPLE_FMT_FLT,
                                options.audio_sample_rate, 0, nullptr), "cannot set up audio resampling");
      check(swr_init(resampler), "cannot set up audio resampling");
      audio_frame = av_frame_alloc();
      if (!audio_frame) throw std::bad_alloc();
    }

    const int rc = avio_open(&format->pb, partial.c_str(), AVIO_FLAG_WRITE);
    if (rc < 0) fail("cannot be written (" + media::av_error_text(rc) + "); check that the folder exists and is writable");
    AVDictionary* mux_options = nullptr;
    av_dict_set(&mux_options, "movflags", "+faststart", 0);  // index first: browsers start playing at once
    const int header = avformat_write_header(format, &mux_options);
    av_dict_free(&mux_options);
    check(header, "cannot write the MP4 header");
    header_written = true;

    to_yuv = sws_getContext(options.width, options.height, AV_PIX_FMT_RGB24, options.width, options.height,
                            AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr);
    video_frame = av_frame_alloc();
    packet = av_packet_alloc();
    if (!to_yuv || !video_frame || !packet) throw std::bad_alloc();
    video_frame->format = AV_PIX_FMT_YUV420P;
    video_frame->width = options.width;
    video_frame->height = options.height;
    check(av_frame_get_buffer(video_frame, 0), "cannot allocate a video frame");
  }

  void drain(AVCodecContext* codec, AVStream* stream) {
    while (true) {
      const int rc = avcodec_receive_packet(codec, packet);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      check(rc, "encoding failed");
      // Each video packet shows for one frame; without it the muxer cannot know the last frame's
      // length and players drop it.
      if (codec == video && packet->duration == 0) packet->duration = 1;
      av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      check(av_interleaved_write_frame(format, packet), "writing failed (disk full?)");
    }
  }

  void send_audio_frames(bool flush) {
    const int frame_size = audio->frame_size > 0 ? audio->frame_size : 1024;
    std::size_t offset = 0;
    while (audio_fifo.size() - offset >= static_cast<std::size_t>(frame_size) || (flush && audio_fifo.size() > offset)) {
      const int n = static_cast<int>(std::min<std::size_t>(frame_size, audio_fifo.size() - offset));
      av_frame_unref(audio_frame);
      audio_frame->format = AV_SAMPLE_FMT_FLTP;
      audio_frame->sample_rate = kAudioRate;
      audio_frame->nb_samples = n;
      check(av_channel_layout_copy(&audio_frame->ch_layout, &audio->ch_layout), "cannot set the audio layout");
      check(av_frame_get_buffer(audio_frame, 0), "cannot allocate an audio frame");
      std::copy(audio_fifo.begin() + offset, audio_fifo.begin() + offset + n, reinterpret_cast<float*>(audio_frame->data[0]));
      audio_frame->pts = audio_samples;
      audio_samples += n;
      offset += n;
      check(avcodec_send_frame(audio, audio_frame), "audio encoding failed");
      drain(audio, audio_stream);
    }
    audio_fifo.erase(audio_fifo.begin(), audio_fifo.begin() + offset);
  }

  void resample(const float* samples, int count) {
    const int capacity = swr_get_out_samples(resampler, count);
    if (capacity <= 0) return;
    const std::size_t start = audio_fifo.size();
    audio_fifo.resize(start + capacity);
    uint8_t* out = reinterpret_cast<uint8_t*>(audio_fifo.data() + start);
    const uint8_t* in = reinterpret_cast<const uint8_t*>(samples);
    const int written = swr_convert(resampler, &out, capacity, samples ? &in : nullptr, count);
    check(written, "audio resampling failed");
    audio_fifo.resize(start + written);
  }
};

Mp4Writer::Mp4Writer(const std::filesystem::path& path, const Mp4Options& options) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->options = options;
  impl_->open();
}

Mp4Writer::~Mp4Writer() = default;

void Mp4Writer::add_frame(const std::uint8_t* rgb) {
  Impl& m = *impl_;
  if (m.finished) m.fail("add_frame after finish");
  m.check(av_frame_make_writable(m.video_frame), "cannot reuse the video frame");
  const std::size_t bytes = static_cast<std::size_t>(m.options.width) * m.options.height * 3;
  m.rgb_staging.resize(bytes + 64);
  std::copy(rgb, rgb + bytes, m.rgb_staging.begin());
  const uint8_t* planes[1] = {m.rgb_staging.data()};
  const int strides[1] = {m.options.width * 3};
  sws_scale(m.to_yuv, planes, strides, 0, m.options.height, m.video_frame->data, m.video_frame->linesize);
  m.video_frame->pts = m.frames++;
  m.check(avcodec_send_frame(m.video, m.video_frame), "video encoding failed");
  m.drain(m.video, m.video_stream);
}

void Mp4Writer::add_audio(const float* samples, std::size_t count) {
  Impl& m = *impl_;
  if (!m.options.audio) m.fail("add_audio on a writer opened without audio");
  if (m.finished) m.fail("add_audio after finish");
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t done = 0; done < count; done += kChunk) {
    m.resample(samples + done, static_cast<int>(std::min(kChunk, count - done)));
    m.send_audio_frames(false);
  }
}

void Mp4Writer::finish() {
  Impl& m = *impl_;
  if (m.finished) return;
  m.check(avcodec_send_frame(m.video, nullptr), "video encoding failed");
  m.drain(m.video, m.video_stream);
  if (m.audio) {
    m.resample(nullptr, 0);
    m.send_audio_frames(true);
    m.check(avcodec_send_frame(m.audio, nullptr), "audio encoding failed");
    m.drain(m.audio, m.audio_stream);
  }
  m.check(av_write_trailer(m.format), "cannot finish the MP4 file");
  m.check(avio_closep(&m.format->pb), "cannot close the output (disk full?)");
  std::error_code ec;
  std::filesystem::rename(m.partial, m.path, ec);
  if (ec) m.fail("cannot move the finished file into place: " + ec.message());
  m.finished = true;
}

std::int64_t Mp4Writer::frames_written() const { return impl_->frames; }

}  // namespace being::encode
