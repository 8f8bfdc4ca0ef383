#include "being/video/video_reader.h"

#include "being/media/stream_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <filesystem>

namespace being::video {
namespace {

// A decoded source picture in RGB, before rotation.
struct Picture {
  bool valid = false;
  int source_index = -1;
  double start_s = 0.0;     // presentation time relative to the container start
  double duration_s = 0.0;  // how long it stays on screen
  std::vector<std::uint8_t> rgb;
};

void rotate_rgb(const std::vector<std::uint8_t>& in, int w, int h, int degrees, std::vector<std::uint8_t>& out) {
  out.resize(in.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int ox = x, oy = y, ow = w;
      if (degrees == 90) { ox = h - 1 - y; oy = x; ow = h; }
      else if (degrees == 180) { ox = w - 1 - x; oy = h - 1 - y; }
      else if (degrees == 270) { ox = y; oy = w - 1 - x; ow = h; }
      const std::uint8_t* src = &in[(static_cast<std::size_t>(y) * w + x) * 3];
      std::uint8_t* dst = &out[(static_cast<std::size_t>(oy) * ow + ox) * 3];
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
    }
  }
}

}  // namespace

struct VideoReader::Impl {
  media::StreamDecoder input;
  double fps;
  VideoInfo info;
  SwsContext* scaler = nullptr;
  int coded_width = 0, coded_height = 0;
  double origin_s = 0.0;           // container start time
  double stream_time_base = 0.0;
  double fallback_frame_s = 0.04;  // frame duration when the stream does not say
  bool decode_done = false;
  int decoded = 0;
  double last_end_s = 0.0;  // where the last decoded picture stopped being shown
  int output_index = 0;
  Picture current, upcoming;

  Impl(const std::string& path, double output_fps) : input(path, media::StreamKind::video), fps(output_fps) {
    AVCodecContext* codec = input.codec();
    AVFormatContext* format = input.format();
    AVStream* stream = input.stream();
    coded_width = codec->width;
    coded_height = codec->height;
    if (coded_width <= 0 || coded_height <= 0) input.fail("video stream has no picture size");

    stream_time_base = av_q2d(stream->time_base);
    origin_s = format->start_time != AV_NOPTS_VALUE ? static_cast<double>(format->start_time) / AV_TIME_BASE : 0.0;

    info.codec = codec->codec->name;
    const AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
    info.nominal_fps = stream->r_frame_rate.num > 0 ? av_q2d(stream->r_frame_rate) : av_q2d(rate);
    info.average_fps = rate.num > 0 ? av_q2d(rate) : info.nominal_fps;
    if (info.nominal_fps > 0) fallback_frame_s = 1.0 / info.nominal_fps;
    if (format->duration > 0) info.duration_s = static_cast<double>(format->duration) / AV_TIME_BASE;
    if (stream->start_time != AV_NOPTS_VALUE) info.video_start_s = stream->start_time * stream_time_base - origin_s;
    for (unsigned i = 0; i < format->nb_streams; ++i)
      if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;

    // Players turn the picture by the display matrix; so do we (clockwise, in quarter turns).
    if (const auto* matrix = reinterpret_cast<const int32_t*>(av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr))) {
      const double ccw = av_display_rotation_get(matrix);
      if (!std::isnan(ccw)) {
        int cw = static_cast<int>(std::lround(-ccw / 90.0)) * 90 % 360;
        info.rotation_degrees = cw < 0 ? cw + 360 : cw;
      }
    }
    const bool quarter = info.rotation_degrees == 90 || info.rotation_degrees == 270;
    info.width = quarter ? coded_height : coded_width;
    info.height = quarter ? coded_width : coded_height;
  }

  ~Impl() { sws_freeContext(scaler); }

  // Decodes the next source picture into `out`; false when the stream has ended.
  bool decode_next(Picture& out) {
    AVFrame* frame = input.next_frame();
    if (!frame) return false;
    store(frame, out);
    return true;
  }

  void store(const AVFrame* frame, Picture& out) {
    if (frame->width != coded_width || frame->height != coded_height)
      input.fail("picture size changes mid-stream (" + std::to_string(frame->width) + "x" + std::to_string(frame->height) + "); re-encode the video with a fixed size");
    scaler = sws_getCachedContext(scaler, coded_width, coded_height, static_cast<AVPixelFormat>(frame->format),
                                  coded_width, coded_height, AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!scaler) input.fail("cannot convert its pixel format to RGB");
    // swscale's SIMD paths may write a little past the last pixel: give them room, then trim.
    const std::size_t bytes = static_cast<std::size_t>(coded_width) * coded_height * 3;
    std::vector<std::uint8_t> rgb(bytes + 64);
    uint8_t* planes[4] = {rgb.data(), nullptr, nullptr, nullptr};
    int strides[4] = {coded_width * 3, 0, 0, 0};
    sws_scale(scaler, frame->data, frame->linesize, 0, coded_height, planes, strides);
    rgb.resize(bytes);
    if (info.rotation_degrees != 0) rotate_rgb(rgb, coded_width, coded_height, info.rotation_degrees, out.rgb);
    else out.rgb = std::move(rgb);

    const int64_t pts = frame->best_effort_timestamp;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(58, 2, 100)
    const int64_t duration = frame->duration;
#else
    const int64_t duration = frame->pkt_duration;
#endif
    out.start_s = pts != AV_NOPTS_VALUE ? pts * stream_time_base - origin_s : (decoded == 0 ? info.video_start_s : last_end_s);
    out.duration_s = duration > 0 ? duration * stream_time_base : fallback_frame_s;
    out.source_index = decoded++;
    out.valid = true;
    last_end_s = out.start_s + out.duration_s;
  }

  bool next(Frame& result) {
    const double t = output_index / fps;
    const double epsilon = 1e-6;
    if (!current.valid) {
      if (!decode_next(current)) {
        if (decoded == 0) input.fail("contains no decodable video frames");
        return false;
      }
      upcoming.valid = false;
    }
    // Advance to the last picture that is on screen at time t.
    while (true) {
      if (!upcoming.valid && !decode_done && !decode_next(upcoming)) decode_done = true;
      if (upcoming.valid && upcoming.start_s <= t + epsilon) {
        std::swap(current, upcoming);
        upcoming.valid = false;
        continue;
      }
      break;
    }
    if (!upcoming.valid && t >= current.start_s + current.duration_s - epsilon) return false;

    result.index = output_index;
    result.time_s = t;
    result.source_index = current.source_index;
    result.width = info.width;
    result.height = info.height;
    result.rgb = current.rgb;
    ++output_index;
    return true;
  }
};

VideoReader::VideoReader(const std::string& path, double fps) {
  if (!(fps > 0.0 && fps <= 240.0)) throw VideoError(path + ": frame rate must be in (0, 240], got " + std::to_string(fps));
  impl_ = std::make_unique<Impl>(path, fps);
}

VideoReader::~VideoReader() = default;
const VideoInfo& VideoReader::info() const { return impl_->info; }
double VideoReader::fps() const { return impl_->fps; }
bool VideoReader::next(Frame& frame) { return impl_->next(frame); }

}  // namespace being::video
