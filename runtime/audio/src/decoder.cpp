#include "being/audio/decoder.h"

#include "being/media/stream_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>

namespace being::audio {

using media::av_error_text;

struct AudioDecoder::Impl {
  media::StreamDecoder input;
  int out_rate;
  AudioSourceInfo info;
  SwrContext* resampler = nullptr;
  bool decoder_drained = false;
  bool resampler_flushed = false;
  bool start_known = false;
  std::vector<float> pending;  // converted samples not yet handed out
  std::size_t pending_offset = 0;

  Impl(const std::string& path, int rate) : input(path, media::StreamKind::audio), out_rate(rate) {
    AVCodecContext* codec = input.codec();
    if (codec->sample_rate <= 0 || codec->ch_layout.nb_channels <= 0) input.fail("audio stream has no sample rate or channels");
    info.codec = codec->codec->name;
    info.sample_rate = codec->sample_rate;
    info.channels = codec->ch_layout.nb_channels;
    if (input.format()->duration > 0) info.duration_s = static_cast<double>(input.format()->duration) / AV_TIME_BASE;

    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    int rc = swr_alloc_set_opts2(&resampler, &mono, AV_SAMPLE_FMT_FLT, out_rate, &codec->ch_layout, codec->sample_fmt,
                                 codec->sample_rate, 0, nullptr);
    if (rc < 0 || (rc = swr_init(resampler)) < 0) input.fail("cannot set up resampling (" + av_error_text(rc) + ")");
  }

  ~Impl() { swr_free(&resampler); }

  // The first decoded frame's time, after the decoder dropped the codec's priming samples (the
  // stream's start_time would count those: 64 ms early for AAC at 16 kHz).
  void note_start(const AVFrame* frame) {
    start_known = true;
    if (frame->best_effort_timestamp == AV_NOPTS_VALUE) return;
    const AVFormatContext* format = input.format();
    const double origin = format->start_time != AV_NOPTS_VALUE ? static_cast<double>(format->start_time) / AV_TIME_BASE : 0.0;
    info.start_s = static_cast<double>(frame->best_effort_timestamp) * av_q2d(input.stream()->time_base) - origin;
  }

  void convert(const uint8_t** samples, int count) {
    const int capacity = swr_get_out_samples(resampler, count);
    if (capacity <= 0) return;
    const std::size_t start = pending.size();
    pending.resize(start + static_cast<std::size_t>(capacity));
    uint8_t* out = reinterpret_cast<uint8_t*>(pending.data() + start);
    const int written = swr_convert(resampler, &out, capacity, samples, count);
    if (written < 0) input.fail("resampling failed (" + av_error_text(written) + ")");
    pending.resize(start + static_cast<std::size_t>(written));
  }

  // Moves decoded frames into `pending` until some samples are there or the stream has ended.
  bool refill() {
    while (pending_offset >= pending.size()) {
      pending.clear();
      pending_offset = 0;
      if (!decoder_drained) {
        if (AVFrame* frame = input.next_frame()) {
          if (!start_known) note_start(frame);
          convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
          continue;
        }
        decoder_drained = true;
      }
      if (resampler_flushed) return false;
      resampler_flushed = true;
      convert(nullptr, 0);
    }
    return true;
  }
};

AudioDecoder::AudioDecoder(const std::string& path, int sample_rate) {
  if (sample_rate <= 0) throw AudioError(path + ": output sample rate must be positive");
  impl_ = std::make_unique<Impl>(path, sample_rate);
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
