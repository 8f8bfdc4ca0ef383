#include <algorithm>
#include <cmath>
#include <memory>

#include "being/draw/canvas.h"
#include "being/encode/mp4_writer.h"
#include "being/face_model/canonical_face.h"
#include "being/plates/background_plate.h"
#include "being/plates/torso_plate.h"
#include "being/video/video_reader.h"
#include "stages.h"

namespace being::ingest {

namespace {

namespace fs = std::filesystem;
using draw::Color;
using draw::Point;

constexpr int kSheetFrames = 12, kTile = 256;

// Label tints of the overlays, indexed by plates::Label.
constexpr Color kLabelColor[] = {{0, 0, 0}, {60, 120, 255}, {255, 220, 0}, {255, 120, 160}, {255, 150, 30},
                                 {255, 0, 40}, {0, 255, 120}};

// Labels are categories: the nearest source pixel, never a blend.
void crop_nearest(const std::uint8_t* src, int width, int height, const tracking::CropWindow& w, int size,
                  std::uint8_t* out) {
  const double step = w.size / size;
  for (int v = 0; v < size; ++v)
    for (int u = 0; u < size; ++u) {
      const int x = std::clamp(static_cast<int>(std::floor(w.x0 + (u + 0.5) * step)), 0, width - 1);
      const int y = std::clamp(static_cast<int>(std::floor(w.y0 + (v + 0.5) * step)), 0, height - 1);
      out[static_cast<std::size_t>(v) * size + u] = src[static_cast<std::size_t>(y) * width + x];
    }
}

// Labels for a frame without a tracked face: what the segmenter calls person counts as torso, so the
// trainer (which skips such frames anyway) and the plates never treat it as head.
plates::LabelMap person_only(const std::vector<float>& person, const std::vector<float>& hair, int width, int height) {
  plates::LabelMap m;
  m.width = width;
  m.height = height;
  m.labels.resize(person.size());
  m.alpha.resize(person.size());
  for (std::size_t i = 0; i < person.size(); ++i) {
    const float p = std::max(person[i], hair[i]);
    m.alpha[i] = static_cast<std::uint8_t>(std::lround(std::clamp(p, 0.0f, 1.0f) * 255));
    m.labels[i] = p > 0.5f ? plates::kTorso : plates::kBackground;
  }
  return m;
}

void tint_labels(draw::Image& image, const std::vector<std::uint8_t>& labels, double alpha) {
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const auto l = labels[static_cast<std::size_t>(y) * image.width + x];
      if (l != plates::kBackground) draw::blend(image, x, y, kLabelColor[l], alpha);
    }
}

draw::Image to_canvas(const std::uint8_t* rgb, int width, int height) {
  draw::Image image(width, height);
  std::copy_n(rgb, image.rgb.size(), image.rgb.begin());
  return image;
}

// The tracking drawn over the source frame: labels, the fitted rigid mesh (the person's mean face), the
// head's axes, the landmarks, the neck cut and the crop window.
draw::Image overlay(const std::uint8_t* rgb, int width, int height, const plates::LabelMap& labels, const Track& t,
                    const Analysis& a, int i) {
  const auto& canonical = t.identity;
  draw::Image image = to_canvas(rgb, width, height);
  tint_labels(image, labels.labels, 0.3);
  const double line = std::max(1.0, width / 512.0);
  if (t.valid[i]) {
    std::vector<Point> projected(canonical.size());
    for (std::size_t k = 0; k < canonical.size(); ++k) {
      const auto p = t.camera.project(tracking::to_camera(t.poses[i], canonical[k]));
      projected[k] = {p[0], p[1]};
    }
    for (const auto& [p, q] : face_model::mesh_edges()) draw::draw_line(image, projected[p], projected[q], {220, 220, 220}, 0.6 * line, 0.35);
    for (const auto& l : a.landmarks_of(i)) draw::draw_disc(image, {l.x, l.y}, 0.9 * line, {0, 230, 255}, 0.8);
    const auto origin = t.camera.project(tracking::to_camera(t.poses[i], {0, 0, 0}));
    const tracking::Vec3 axes[3] = {{6, 0, 0}, {0, 6, 0}, {0, 0, 6}};
    const Color axis_color[3] = {{255, 60, 60}, {60, 255, 60}, {80, 80, 255}};
    for (int k = 0; k < 3; ++k) {
      const auto e = t.camera.project(tracking::to_camera(t.poses[i], axes[k]));
      draw::draw_line(image, {origin[0], origin[1]}, {e[0], e[1]}, axis_color[k], 2 * line);
    }
  }
  std::vector<Point> cut;
  for (const auto& p : labels.neck_cut) cut.push_back({p[0], p[1]});
  if (!cut.empty()) draw::draw_polyline(image, cut, false, {255, 255, 255}, line);
  const auto& w = t.crops[i];
  draw::draw_polyline(image, {{w.x0, w.y0}, {w.x0 + w.size, w.y0}, {w.x0 + w.size, w.y0 + w.size}, {w.x0, w.y0 + w.size}},
                      true, {255, 230, 0}, line);
  return image;
}

// Resizes to a kTile x kTile thumbnail (nearest sample of an area average; a picture to look at).
draw::Image thumbnail(const draw::Image& image) {
  draw::Image out(kTile, kTile);
  const double sx = static_cast<double>(image.width) / kTile, sy = static_cast<double>(image.height) / kTile;
  for (int y = 0; y < kTile; ++y)
    for (int x = 0; x < kTile; ++x)
      for (int c = 0; c < 3; ++c) {
        double sum = 0;
        int count = 0;
        for (int yy = static_cast<int>(y * sy); yy < std::max(static_cast<int>(y * sy) + 1, static_cast<int>((y + 1) * sy)); ++yy)
          for (int xx = static_cast<int>(x * sx); xx < std::max(static_cast<int>(x * sx) + 1, static_cast<int>((x + 1) * sx)); ++xx)
            sum += image.at(std::min(xx, image.width - 1), std::min(yy, image.height - 1))[c], ++count;
        out.at(x, y)[c] = static_cast<std::uint8_t>(std::lround(sum / count));
      }
  return out;
}

draw::Image side_by_side(const draw::Image& left, const draw::Image& right) {
  draw::Image out(2 * kTile, kTile);
  for (int y = 0; y < kTile; ++y) {
    std::copy_n(left.at(0, y), kTile * 3, out.at(0, y));
    std::copy_n(right.at(0, y), kTile * 3, out.at(kTile, y));
  }
  return out;
}

std::vector<std::uint8_t> even_frame(const draw::Image& image, int width, int height) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(width) * height * 3, 0);
  for (int y = 0; y < image.height; ++y)
    std::copy_n(image.at(0, y), image.width * 3, &out[static_cast<std::size_t>(y) * width * 3]);
  return out;
}

}  // namespace

FramesResult write_frames(const IngestRequest& request, const Analysis& a, const Track& t, const fs::path& work,
                          const Progress& progress) {
  const fs::path& dir = request.output;
  for (const char* sub : {"frames", "labels", "alpha", "loop", "loop_plates"}) fs::create_directories(dir / sub);

  video::VideoReader reader(request.video.string(), request.fps);
  plates::BackgroundPlate background(a.width, a.height);
  std::unique_ptr<encode::Mp4Writer> overlay_video;
  const int even_w = a.width + a.width % 2, even_h = a.height + a.height % 2;
  if (request.overlay) {
    encode::Mp4Options mp4;
    mp4.width = even_w;
    mp4.height = even_h;
    mp4.fps = request.fps;
    mp4.audio = false;
    overlay_video = std::make_unique<encode::Mp4Writer>(dir / "overlay.mp4", mp4);
  }
  const int s = request.crop_size;
  dataset::Image crop{s, s, 3, std::vector<std::uint8_t>(static_cast<std::size_t>(s) * s * 3)};
  dataset::Image crop_labels{s, s, 1, std::vector<std::uint8_t>(static_cast<std::size_t>(s) * s)};
  dataset::Image crop_alpha{s, s, 1, std::vector<std::uint8_t>(static_cast<std::size_t>(s) * s)};
  std::vector<draw::Image> sheet;
  std::vector<std::string> captions;
  std::vector<float> person, hair;
  video::Frame frame;
  int i = 0;
  for (; i < a.frames && reader.next(frame); ++i) {
    load_seg(work, i, a.width, a.height, person, hair);
    const auto labels = t.valid[i] ? plates::label_map(a.landmarks_of(i), person, hair, a.width, a.height)
                                   : person_only(person, hair, a.width, a.height);
    const auto& w = t.crops[i];
    crop = dataset::resample_window({a.width, a.height, 3, frame.rgb}, w.x0, w.y0, w.size, s);
    crop_nearest(labels.labels.data(), a.width, a.height, w, s, crop_labels.pixels.data());
    crop_alpha = dataset::resample_window({a.width, a.height, 1, labels.alpha}, w.x0, w.y0, w.size, s);
    dataset::write_jpeg(dataset::frame_path(dir, i), crop, request.jpeg_quality);
    dataset::write_png(dataset::label_path(dir, i), crop_labels);
    dataset::write_png(dataset::alpha_path(dir, i), crop_alpha);
    background.add(frame.rgb.data(), labels.alpha.data());
    if (i >= t.loop.start && i < t.loop.end)
      dataset::write_jpeg(dataset::loop_frame_path(dir, i - t.loop.start), {a.width, a.height, 3, frame.rgb},
                          request.jpeg_quality);
    const bool on_sheet = (i * kSheetFrames) / a.frames != ((i + 1) * kSheetFrames) / a.frames || i == 0;
    if (on_sheet || overlay_video) {
      const auto drawn = overlay(frame.rgb.data(), a.width, a.height, labels, t, a, i);
      if (overlay_video) overlay_video->add_frame(even_frame(drawn, even_w, even_h).data());
      if (on_sheet && static_cast<int>(sheet.size()) < kSheetFrames) {
        draw::Image trained = to_canvas(crop.pixels.data(), s, s);
        tint_labels(trained, crop_labels.pixels, 0.25);
        sheet.push_back(side_by_side(thumbnail(drawn), thumbnail(trained)));
        char caption[96];
        std::snprintf(caption, sizeof caption, "frame %d%s  reproj %.2f px", i, t.valid[i] ? "" : " (no face)",
                      t.reprojection_px[i]);
        captions.emplace_back(caption);
      }
    }
    if (progress) progress("frames", i + 1, a.frames);
  }
  if (i != a.frames)
    throw IngestError("the video ended after " + std::to_string(i) + " frames on the second read, but had " +
                      std::to_string(a.frames) + " on the first; delete " + work.string() + " and re-run");
  if (overlay_video) overlay_video->finish();

  const auto plate = background.finish();
  dataset::write_png(dir / "background.png", {a.width, a.height, 3, plate.rgb});
  std::vector<std::uint8_t> seen(plate.seen.size());
  for (std::size_t k = 0; k < seen.size(); ++k) seen[k] = plate.seen[k] ? 255 : 0;
  dataset::write_png(dir / "background_seen.png", {a.width, a.height, 1, seen});

  // Loop plates need the finished background: a second, short pass over the loop's frames.
  draw::Image first_plate;
  for (int k = t.loop.start; k < t.loop.end; ++k) {
    load_seg(work, k, a.width, a.height, person, hair);
    const auto labels = plates::label_map(a.landmarks_of(k), person, hair, a.width, a.height);
    const auto source = dataset::read_image(dataset::loop_frame_path(dir, k - t.loop.start), 3);
    const auto torso = plates::torso_plate(source.pixels.data(), labels, plate.rgb.data());
    dataset::write_jpeg(dataset::loop_plate_path(dir, k - t.loop.start), {a.width, a.height, 3, torso}, request.jpeg_quality);
    if (k == t.loop.start) first_plate = to_canvas(torso.data(), a.width, a.height);
    if (progress) progress("plates", k - t.loop.start + 1, t.loop.end - t.loop.start);
  }
  sheet.push_back(side_by_side(thumbnail(to_canvas(plate.rgb.data(), a.width, a.height)), thumbnail(first_plate)));
  char caption[96];
  std::snprintf(caption, sizeof caption, "background (%.0f%% seen) | loop plate %d-%d", 100.0 * plate.seen_fraction,
                t.loop.start, t.loop.end);
  captions.emplace_back(caption);
  draw::write_png(dir / "contact_sheet.png", draw::contact_sheet(sheet, captions, 3));

  FramesResult r;
  r.background_median_diff = plate.median_abs_diff;
  r.background_seen_fraction = plate.seen_fraction;
  return r;
}

}  // namespace being::ingest
