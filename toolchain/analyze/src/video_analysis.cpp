#include "being/analyze/video_analysis.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>

#include "being/analyze/overlay.h"
#include "being/audio/decoder.h"
#include "being/encode/mp4_writer.h"
#include "being/video/video_reader.h"

namespace being::analyze {

namespace {

namespace fs = std::filesystem;

// A file written under OUT.part and moved onto OUT by commit(); removed if never committed.
class PartFile {
 public:
  explicit PartFile(const fs::path& path) : path_(path), part_(path.string() + ".part") {
    stream_.open(part_, std::ios::binary | std::ios::trunc);
    if (!stream_)
      throw std::runtime_error("cannot write the output " + path.string() +
                               " (check that the folder exists and is writable)");
  }
  ~PartFile() {
    if (committed_) return;
    stream_.close();
    std::error_code ignored;
    fs::remove(part_, ignored);
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  std::ofstream& stream() { return stream_; }
  const fs::path& part() const { return part_; }
  void commit() {
    stream_.close();
    if (!stream_) throw std::runtime_error("writing " + path_.string() + " failed (disk full?)");
    fs::rename(part_, path_);
    committed_ = true;
  }

 private:
  fs::path path_, part_;
  std::ofstream stream_;
  bool committed_ = false;
};

// The overlay as the encoder wants it: even width and height (pads one black row/column).
std::vector<std::uint8_t> even_frame(const draw::Image& image, int width, int height) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(width) * height * 3, 0);
  for (int y = 0; y < image.height; ++y)
    std::copy_n(image.at(0, y), image.width * 3, &out[static_cast<std::size_t>(y) * width * 3]);
  return out;
}

struct Thumbnail {
  draw::Image image;
  std::string caption;
};

}  // namespace

std::string json_line(const FrameAnalysis& a, int frame_index, double time_s,
                      const std::vector<std::string>& blendshape_names) {
  nlohmann::json j;
  j["frame"] = frame_index;
  j["time"] = std::round(time_s * 1e4) / 1e4;
  j["status"] = to_string(a.status);
  j["face"] = has_landmarks(a.status);
  j["detected"] = a.detected;
  j["presence"] = a.presence;
  if (!a.other_faces.empty()) {
    auto& others = j["other_faces"] = nlohmann::json::array();
    for (const auto& d : a.other_faces)
      others.push_back({{"x", d.x_min * a.width}, {"y", d.y_min * a.height}, {"width", d.width * a.width},
                        {"height", d.height * a.height}, {"score", d.score}});
  }
  if (a.status != FaceStatus::no_face && a.status != FaceStatus::blank_frame) {
    j["roi"] = {{"x", a.roi.x_center * a.width}, {"y", a.roi.y_center * a.height}, {"width", a.roi.width * a.width},
                {"height", a.roi.height * a.height}, {"rotation", a.roi.rotation}};
    j["face_size"] = a.face_size_px;
    j["outside"] = a.outside_fraction;
  }
  if (has_landmarks(a.status)) {
    auto& points = j["landmarks"] = nlohmann::json::array();
    for (const auto& l : a.landmarks) points.push_back({l.x, l.y, l.z});
    auto& scores = j["blendshapes"] = nlohmann::json::object();
    for (std::size_t i = 0; i < a.blendshapes.size() && i < blendshape_names.size(); ++i)
      scores[blendshape_names[i]] = a.blendshapes[i];
  }
  if (!a.person.empty()) {
    const auto mean = [](const std::vector<float>& m) {
      double s = 0;
      for (float v : m) s += v;
      return s / static_cast<double>(m.size());
    };
    j["person_area"] = mean(a.person);
    j["hair_area"] = mean(a.hair);
  }
  return j.dump();
}

VideoAnalysisSummary analyze_video(const VideoAnalysisRequest& request, const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  video::VideoReader reader(request.video, request.fps);
  const auto& info = reader.info();
  int expected = static_cast<int>(std::floor(info.duration_s * request.fps + 1e-6));
  if (request.max_frames > 0) expected = std::min(expected, request.max_frames);

  // Outputs are opened before any work, so an unwritable path fails at once.
  std::optional<PartFile> json, sheet_probe;
  if (!request.json.empty()) json.emplace(request.json);
  if (!request.contact_sheet.empty()) sheet_probe.emplace(request.contact_sheet);
  const int even_w = info.width + info.width % 2, even_h = info.height + info.height % 2;
  std::unique_ptr<encode::Mp4Writer> overlay;
  std::unique_ptr<audio::AudioDecoder> sound;
  if (!request.overlay.empty()) {
    encode::Mp4Options mp4;
    mp4.width = even_w;
    mp4.height = even_h;
    mp4.fps = request.fps;
    mp4.audio = info.has_audio;
    overlay = std::make_unique<encode::Mp4Writer>(request.overlay, mp4);
    if (info.has_audio) sound = std::make_unique<audio::AudioDecoder>(request.video, mp4.audio_sample_rate);
  }

  FrameAnalyzer analyzer(request.analysis);
  const auto& names = analyzer.blendshape_names();
  // The frame count is known only at the end (the duration is an estimate), so thumbnails are kept
  // at a stride giving about three times as many as the sheet needs, plus the last frame, and the
  // sheet picks evenly among them.
  const int sheet_stride = std::max(1, expected / (3 * std::max(1, request.contact_frames)));
  std::vector<Thumbnail> thumbnails;
  const int thumb_factor = std::max(1, (info.width + 319) / 320);
  const auto thumbnail = [&](const draw::Image& overlay_image, const video::Frame& f, const FrameAnalysis& a) {
    return Thumbnail{shrink(overlay_image, thumb_factor), "frame " + std::to_string(f.index) + " " + to_string(a.status)};
  };
  video::Frame last_frame;
  FrameAnalysis last_analysis;

  VideoAnalysisSummary summary;
  std::vector<std::vector<face::Landmark>> tracks;
  std::vector<float> samples;
  std::int64_t samples_written = 0;
  video::Frame frame;
  while ((request.max_frames <= 0 || summary.frames < request.max_frames) && reader.next(frame)) {
    FrameAnalysis a = analyzer.analyze(frame.rgb.data(), frame.width, frame.height);
    summary.face_s += a.face_seconds;
    summary.mask_s += a.mask_seconds;
    ++summary.by_status[static_cast<int>(a.status)];
    if (!a.other_faces.empty()) ++summary.frames_with_other_faces;
    tracks.push_back(a.status == FaceStatus::ok ? a.landmarks : std::vector<face::Landmark>{});
    if (json) json->stream() << json_line(a, frame.index, frame.time_s, names) << '\n';
    const bool thumb = sheet_probe && frame.index % sheet_stride == 0;
    if (overlay || thumb) {
      const draw::Image image = draw_overlay(frame.rgb.data(), a, frame.index, frame.time_s, names);
      if (overlay) {
        overlay->add_frame(even_frame(image, even_w, even_h).data());
        if (sound) {
          // Audio up to the end of this frame, from the same clock: sample = time * rate.
          const std::int64_t until = (frame.index + 1LL) * 16000 / request.fps;
          samples.assign(static_cast<std::size_t>(until - samples_written), 0.0f);
          std::size_t got = 0;
          while (got < samples.size()) {
            const std::size_t n = sound->read(samples.data() + got, samples.size() - got);
            if (n == 0) break;
            got += n;
          }
          overlay->add_audio(samples.data(), samples.size());
          samples_written = until;
        }
      }
      if (thumb) thumbnails.push_back(thumbnail(image, frame, a));
    }
    if (sheet_probe && !thumb) {
      last_frame = frame;
      last_analysis = std::move(a);
    } else if (sheet_probe) {
      last_frame.index = -1;
    }
    ++summary.frames;
    if (progress) progress(summary.frames, std::max(expected, summary.frames));
  }
  summary.jitter = landmark_jitter(tracks);

  if (overlay) overlay->finish();
  if (json) json->commit();
  if (sheet_probe) {
    if (last_frame.index >= 0 && !last_frame.rgb.empty()) {
      const auto image = draw_overlay(last_frame.rgb.data(), last_analysis, last_frame.index, last_frame.time_s, names);
      thumbnails.push_back(thumbnail(image, last_frame, last_analysis));
    }
    if (thumbnails.empty()) throw std::runtime_error("no frames decoded: nothing to put on the contact sheet");
    const int count = std::min<int>(std::max(1, request.contact_frames), static_cast<int>(thumbnails.size()));
    std::vector<draw::Image> images;
    std::vector<std::string> captions;
    for (int k = 0; k < count; ++k) {
      const auto& t = thumbnails[count == 1 ? 0 : std::lround(k * (thumbnails.size() - 1.0) / (count - 1))];
      images.push_back(t.image);
      captions.push_back(t.caption);
    }
    draw::write_png(sheet_probe->part(), draw::contact_sheet(images, captions, 4));
    sheet_probe->commit();
  }
  summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace being::analyze
