// Labels and plates on real footage (may_5s): FrameAnalyzer's landmarks and masks through label_map,
// the background plate and a torso plate. Checks plausible label fractions and writes pictures to look
// at (test-scratch/PlatesOnRealFrames.*/pictures): labels tinted over the frame with the neck cut, the
// background plate with its unseen pixels marked, and a torso plate.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "being/analyze/frame_analysis.h"
#include "being/draw/canvas.h"
#include "being/plates/background_plate.h"
#include "being/plates/labels.h"
#include "being/plates/torso_plate.h"
#include "being/video/video_reader.h"
#include "being_test.h"

namespace {

using namespace being::plates;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

being::draw::Image tinted(const std::vector<std::uint8_t>& rgb, const LabelMap& map) {
  static const being::draw::Color palette[] = {{0, 0, 0},     {60, 120, 255}, {255, 230, 0}, {255, 120, 200},
                                               {255, 140, 0}, {255, 0, 0},    {0, 255, 120}};
  being::draw::Image image(map.width, map.height);
  image.rgb = rgb;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const auto label = map.labels[static_cast<std::size_t>(y) * map.width + x];
      if (label != kBackground) being::draw::blend(image, x, y, palette[label], 0.45);
    }
  std::vector<being::draw::Point> cut;
  for (const auto& p : map.neck_cut) cut.push_back({p[0], p[1]});
  being::draw::draw_polyline(image, cut, false, {255, 255, 255}, 1.5);
  return image;
}

TEST(PlatesOnRealFrames, LabelFractionsAndPlatesArePlausible) {
  const auto video = being::test::shared_path("data/videos/may_5s.mp4");
  BEING_REQUIRE_SHARED(video);
  being::video::VideoReader reader(video.string(), 25);
  being::analyze::FrameAnalyzer analyzer;
  const auto& names = analyzer.blendshape_names();
  const int jaw_open = static_cast<int>(std::find(names.begin(), names.end(), "jawOpen") - names.begin());
  ASSERT_LT(jaw_open, 52);

  std::unique_ptr<BackgroundPlate> plate;
  being::video::Frame frame, widest_frame;
  LabelMap widest;
  float widest_jaw = -1;
  double label_ms = 0, plate_ms = 0;
  int analysed = 0;
  const auto dir = being::test::scratch_dir("pictures");
  while (reader.next(frame)) {
    if (frame.index % 8 != 0) continue;  // 16 frames over the 5 s
    const auto a = analyzer.analyze(frame.rgb.data(), frame.width, frame.height);
    ASSERT_TRUE(being::analyze::has_landmarks(a.status)) << "frame " << frame.index;
    auto start = Clock::now();
    const auto map = label_map(a.landmarks, a.person, a.hair, a.width, a.height);
    label_ms += ms_since(start);
    if (!plate) plate = std::make_unique<BackgroundPlate>(a.width, a.height);
    start = Clock::now();
    plate->add(frame.rgb.data(), map.alpha.data());
    plate_ms += ms_since(start);
    ++analysed;

    std::array<std::size_t, 7> count{};
    double torso_y = 0, face_y = 0;
    for (std::size_t i = 0; i < map.labels.size(); ++i) {
      ++count[map.labels[i]];
      const double y = static_cast<double>(i / map.width);
      if (map.labels[i] == kTorso) torso_y += y;
      if (map.labels[i] == kFaceSkin) face_y += y;
    }
    const double pixels = static_cast<double>(map.labels.size());
    std::printf("frame %3d jawOpen %.2f  background %.3f torso %.3f head %.3f face %.3f hair %.3f mouth %.4f eyes %.4f\n",
                frame.index, a.blendshapes[jaw_open], count[0] / pixels, count[1] / pixels, count[2] / pixels,
                count[3] / pixels, count[4] / pixels, count[5] / pixels, count[6] / pixels);
    EXPECT_GT((count[kFaceSkin] + count[kMouthInterior] + count[kEyes]) / pixels, 0.05) << "frame " << frame.index;
    EXPECT_GT(count[kEyes], 20u) << "frame " << frame.index;
    ASSERT_GT(count[kTorso], 0u) << "frame " << frame.index;
    EXPECT_GT(torso_y / count[kTorso], face_y / count[kFaceSkin] + 0.2 * a.face_size_px) << "torso below the face";
    EXPECT_GT(count[kBackground], 0u);
    if (a.blendshapes[jaw_open] > widest_jaw) widest_jaw = a.blendshapes[jaw_open], widest = map, widest_frame = frame;
  }
  ASSERT_GE(analysed, 15);
  std::size_t mouth = std::count(widest.labels.begin(), widest.labels.end(), kMouthInterior);
  EXPECT_GT(mouth, 50u) << "the frame with the widest jaw (jawOpen " << widest_jaw << ") shows a mouth interior";
  std::printf("label_map %.2f ms/frame, BackgroundPlate::add %.2f ms/frame (%dx%d)\n", label_ms / analysed,
              plate_ms / analysed, widest.width, widest.height);

  auto start = Clock::now();
  const auto result = plate->finish();
  const double finish_ms = ms_since(start);
  std::printf("background plate: seen %.3f of the frame, median |frame - plate| %.2f over %d frames\n",
              result.seen_fraction, result.median_abs_diff, result.frames);
  EXPECT_GT(result.seen_fraction, 0.2f);
  EXPECT_LT(result.median_abs_diff, 6.0f) << "may_5s is filmed by a static camera";

  start = Clock::now();
  const auto torso = torso_plate(widest_frame.rgb.data(), widest, result.rgb.data());
  std::printf("BackgroundPlate::finish %.1f ms, torso_plate %.2f ms\n", finish_ms, ms_since(start));
  being::draw::write_png(dir / "labels.png", tinted(widest_frame.rgb, widest));
  being::draw::Image plate_image(result.width, result.height);
  plate_image.rgb = result.rgb;
  for (std::size_t i = 0; i < result.seen.size(); ++i)
    if (!result.seen[i]) being::draw::blend(plate_image, static_cast<int>(i % result.width), static_cast<int>(i / result.width), {255, 0, 255}, 0.25);
  being::draw::write_png(dir / "background_plate.png", plate_image);
  being::draw::Image torso_image(result.width, result.height);
  torso_image.rgb = torso;
  being::draw::write_png(dir / "torso_plate.png", torso_image);
  std::printf("pictures in %s\n", dir.c_str());
}

}  // namespace
