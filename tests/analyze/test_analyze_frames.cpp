// FrameAnalyzer on real and doctored frames: blank, tiny and border-cut faces get a clear status and
// never made-up landmarks; visible blinks raise eyeBlink*; jawOpen follows the speech envelope; a
// truncated or altered model file is refused with a message that names it.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "being/analyze/frame_analysis.h"
#include "being/analyze/overlay.h"
#include "being/audio/decoder.h"
#include "being/models/model_store.h"
#include "being/video/video_reader.h"
#include "being_test.h"

namespace {

using namespace being::analyze;
namespace fs = std::filesystem;

std::vector<being::video::Frame> read_frames(const std::string& name, int count) {
  being::video::VideoReader reader(being::test::shared_path("data/videos/" + name).string(), 25);
  std::vector<being::video::Frame> frames;
  being::video::Frame f;
  while (static_cast<int>(frames.size()) < count && reader.next(f)) frames.push_back(f);
  return frames;
}

being::draw::Image to_image(const being::video::Frame& f) {
  being::draw::Image image(f.width, f.height);
  image.rgb = f.rgb;
  return image;
}

// `image` pasted at (x, y) into a width x height canvas of grey; parts outside are cut off.
being::draw::Image paste(const being::draw::Image& image, int width, int height, int x, int y) {
  being::draw::Image canvas(width, height, {90, 90, 90});
  for (int r = 0; r < image.height; ++r)
    for (int c = 0; c < image.width; ++c)
      if (x + c >= 0 && x + c < width && y + r >= 0 && y + r < height)
        std::copy_n(image.at(c, r), 3, canvas.at(x + c, y + r));
  return canvas;
}

FrameAnalysis analyze_once(FrameAnalyzer& analyzer, const being::draw::Image& image) {
  analyzer.reset();
  return analyzer.analyze(image.rgb.data(), image.width, image.height);
}

AnalysisOptions no_masks() {
  AnalysisOptions o;
  o.masks = false;
  return o;
}

TEST(FrameAnalyzer, BadFramesGetAStatusAndNoLandmarks) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto frames = read_frames("may_5s.mp4", 1);
  ASSERT_EQ(frames.size(), 1u);
  const auto frame = to_image(frames[0]);
  FrameAnalyzer analyzer;  // with masks: they must come back at frame size on every kind of frame

  const FrameAnalysis real = analyze_once(analyzer, frame);
  ASSERT_EQ(real.status, FaceStatus::ok);
  ASSERT_EQ(real.landmarks.size(), 478u);
  EXPECT_EQ(real.person.size(), static_cast<std::size_t>(frame.width) * frame.height);
  std::printf("real frame: face %.0f px, presence %.2f\n", real.face_size_px, real.presence);

  const being::draw::Image black(320, 240);
  const FrameAnalysis blank = analyze_once(analyzer, black);
  EXPECT_EQ(blank.status, FaceStatus::blank_frame);
  EXPECT_TRUE(blank.landmarks.empty());

  // Shrunk to an eighth (~37 px) or a twelfth (~23 px) in a grey frame: below 40 px the detector
  // may still find the face (then it is refused as too small) or not; either way no landmarks.
  for (const int factor : {8, 12}) {
    const auto tiny = paste(shrink(frame, factor), 320, 240, 100, 50);
    const FrameAnalysis small = analyze_once(analyzer, tiny);
    std::printf("face shrunk %dx: %s, face %.0f px, presence %.2f\n", factor, to_string(small.status),
                small.face_size_px, small.presence);
    EXPECT_TRUE(small.status == FaceStatus::too_small || small.status == FaceStatus::no_face) << to_string(small.status);
    EXPECT_TRUE(small.landmarks.empty());
    const auto drawn = draw_overlay(tiny.rgb.data(), small, 0, 0.0, analyzer.blendshape_names());
    EXPECT_EQ(drawn.width, 320);
  }
  // A face the detector does find (~48 px) under a 60 px minimum: the size rule on a real face.
  AnalysisOptions strict = no_masks();
  strict.min_face_px = 60;
  FrameAnalyzer strict_analyzer(strict);
  const FrameAnalysis refused = analyze_once(strict_analyzer, paste(shrink(frame, 6), 320, 240, 100, 50));
  EXPECT_EQ(refused.status, FaceStatus::too_small) << to_string(refused.status);
  EXPECT_GT(refused.face_size_px, 40);
  EXPECT_TRUE(refused.landmarks.empty());

  // The frame shifted left so that the border cuts through the face: with a fifth of the face gone
  // the landmarks are kept and flagged; with nearly half gone the face may no longer be found.
  const float face_left = std::min_element(real.landmarks.begin(), real.landmarks.begin() + 468,
                                           [](auto& a, auto& b) { return a.x < b.x; })->x;
  for (const float gone : {0.2f, 0.45f}) {
    const int shift = static_cast<int>(face_left + gone * real.face_size_px);
    const FrameAnalysis cut = analyze_once(analyzer, paste(frame, frame.width, frame.height, -shift, 0));
    std::printf("%.0f%% of the face cut off: %s, %.0f%% of the mesh outside\n", 100 * gone, to_string(cut.status),
                100 * cut.outside_fraction);
    if (gone < 0.3f) {
      EXPECT_EQ(cut.status, FaceStatus::cut_by_border) << to_string(cut.status);
    }
    EXPECT_TRUE(cut.status == FaceStatus::cut_by_border || cut.status == FaceStatus::no_face) << to_string(cut.status);
    if (cut.status == FaceStatus::cut_by_border) {
      ASSERT_EQ(cut.landmarks.size(), 478u);
      EXPECT_GT(cut.outside_fraction, 0.05f);
      // The nose tip stays inside and where the shift put it.
      EXPECT_NEAR(cut.landmarks[1].x, real.landmarks[1].x - shift, 0.05 * real.face_size_px);
    } else {
      EXPECT_TRUE(cut.landmarks.empty());
    }
  }
}

std::vector<FrameAnalysis> analyze_video_frames(const std::string& name, int count) {
  const auto frames = read_frames(name, count);
  EXPECT_EQ(static_cast<int>(frames.size()), count);
  FrameAnalyzer analyzer(no_masks());
  std::vector<FrameAnalysis> results;
  for (const auto& f : frames) results.push_back(analyzer.analyze(f.rgb.data(), f.width, f.height));
  return results;
}

// Blendshape indices in MediaPipe's order (face_blendshapes_io.json; test_face_analyzer checks names).
constexpr int kEyeBlinkLeft = 9, kEyeBlinkRight = 10, kJawOpen = 25;

// may_5s.mp4 shows two blinks: eyes closed on frames 5-8 and 100-101 (checked on the overlay).
TEST(FrameAnalyzer, VisibleBlinksRaiseEyeBlink) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const auto results = analyze_video_frames("may_5s.mp4", 110);
  for (const auto& r : results) ASSERT_EQ(r.status, FaceStatus::ok);
  const auto blink = [&](int i) {
    return 0.5f * (results[i].blendshapes[kEyeBlinkLeft] + results[i].blendshapes[kEyeBlinkRight]);
  };
  for (const auto& [closed, open] : std::vector<std::pair<int, int>>{{6, 2}, {7, 14}, {100, 95}, {101, 108}}) {
    std::printf("blink: frame %d %.2f, open frame %d %.2f\n", closed, blink(closed), open, blink(open));
    EXPECT_GT(blink(closed), 0.5f) << "frame " << closed;
    EXPECT_GT(blink(closed), blink(open) + 0.3f) << "frames " << closed << ", " << open;
  }
}

// Centred moving average over 2 * half + 1 frames (shorter at the ends).
std::vector<double> moving_average(const std::vector<double>& x, int half) {
  std::vector<double> out(x.size());
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    const int a = std::max(0, i - half), b = std::min(static_cast<int>(x.size()) - 1, i + half);
    out[i] = std::accumulate(x.begin() + a, x.begin() + b + 1, 0.0) / (b - a + 1);
  }
  return out;
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
  return sxy / std::sqrt(sxx * syy);
}

// Frame by frame, jaw opening and loudness agree only loosely (consonants are loud with the jaw
// nearly shut); over syllables (0.36 s) they move together. aoc_8s measured r = 0.39.
TEST(FrameAnalyzer, JawOpenFollowsTheSpeechEnvelope) {
  const auto video = being::test::shared_path("data/videos/aoc_8s.mp4");
  BEING_REQUIRE_SHARED(video);
  const auto results = analyze_video_frames("aoc_8s.mp4", 200);
  const auto audio = being::audio::decode_audio_file(video.string());  // 16 kHz: 640 samples a frame
  std::vector<double> jaw, envelope;
  for (std::size_t i = 0; i < results.size() && (i + 1) * 640 <= audio.size(); ++i) {
    ASSERT_EQ(results[i].status, FaceStatus::ok) << "frame " << i;
    double e = 0;
    for (std::size_t k = i * 640; k < (i + 1) * 640; ++k) e += audio[k] * audio[k];
    envelope.push_back(std::sqrt(e / 640));
    jaw.push_back(results[i].blendshapes[kJawOpen]);
  }
  const double r = correlation(moving_average(jaw, 4), moving_average(envelope, 4));
  std::printf("jawOpen vs audio RMS (9-frame means) over %zu frames: r = %.3f\n", jaw.size(), r);
  EXPECT_GT(r, 0.25);
}

// A copy of the model cache (links) with one file damaged.
fs::path damaged_cache(const std::string& name, const std::string& file, bool truncate) {
  const fs::path dir = being::test::scratch_dir(name);
  for (const auto& info : being::models::manifest()) {
    const fs::path source = being::models::cache_dir() / info.path, target = dir / info.path;
    fs::create_directories(target.parent_path());
    if (info.path != file) {
      if (fs::exists(source)) fs::create_symlink(source, target);
      continue;
    }
    fs::copy_file(source, target);
    if (truncate) {
      fs::resize_file(target, fs::file_size(target) / 2);
    } else {
      std::fstream f(target, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(1000);
      f.put('\x5a');
    }
  }
  return dir;
}

void expect_refused(const fs::path& cache, const std::string& file, const std::string& what) {
  const std::string original = being::models::cache_dir().string();
  setenv("BEING_MODEL_CACHE", cache.c_str(), 1);
  try {
    FrameAnalyzer analyzer(no_masks());
    ADD_FAILURE() << "a damaged " << file << " was accepted";
  } catch (const being::models::ModelError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_NE(message.find("setup.sh"), std::string::npos) << message;
  }
  setenv("BEING_MODEL_CACHE", original.c_str(), 1);
}

TEST(FrameAnalyzer, CudaWithoutCudaIsAClearError) {
  AnalysisOptions options = no_masks();
  options.device = "cuda";
  try {
    FrameAnalyzer analyzer(options);  // a LibTorch with CUDA and a device: nothing to check here
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("use --device cpu"), std::string::npos) << e.what();
  }
  options.device = "tpu";
  EXPECT_THROW(FrameAnalyzer{options}, std::runtime_error);
}

TEST(FrameAnalyzer, DamagedModelFilesAreRefused) {
  const std::string landmarker = "mediapipe_face/face_landmarks_detector.tflite";
  ASSERT_TRUE(fs::exists(being::models::cache_dir() / landmarker)) << "run scripts/setup.sh --models";
  expect_refused(damaged_cache("analyze_truncated_model", landmarker, true), landmarker, "corrupt");
  expect_refused(damaged_cache("analyze_altered_model", landmarker, false), landmarker, "corrupt");
}

}  // namespace
