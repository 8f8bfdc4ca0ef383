// The plain-C++ parts of the analysis: face status rules, blank frames, the jitter measure, and the
// JSON line of a frame without a face.
#include <nlohmann/json.hpp>

#include <cmath>

#include "being/analyze/frame_analysis.h"
#include "being/analyze/jitter.h"
#include "being/analyze/video_analysis.h"
#include "being_test.h"

namespace {

using namespace being::analyze;
using being::face::Landmark;

// A 478-point "face": a square of side `size` at (x, y).
std::vector<Landmark> square_face(float x, float y, float size) {
  std::vector<Landmark> lm(478);
  for (std::size_t i = 0; i < lm.size(); ++i) {
    const float u = static_cast<float>(i % 22) / 21, v = static_cast<float>(i / 22) / 21;
    lm[i] = {x + u * size, y + v * size, 0};
  }
  return lm;
}

TEST(FaceStatus, SizeAndBorderRules) {
  const AnalysisOptions options;
  float size = 0, outside = 0;
  EXPECT_EQ(classify_face(square_face(100, 100, 200), 512, 512, options, &size, &outside), FaceStatus::ok);
  EXPECT_NEAR(size, 200, 1e-3);
  EXPECT_EQ(outside, 0);
  EXPECT_EQ(classify_face(square_face(100, 100, 39), 512, 512, options), FaceStatus::too_small);
  EXPECT_EQ(classify_face(square_face(100, 100, 41), 512, 512, options), FaceStatus::ok);
  // A third of the face past the left edge.
  EXPECT_EQ(classify_face(square_face(-70, 100, 200), 512, 512, options, &size, &outside), FaceStatus::cut_by_border);
  EXPECT_GT(outside, 0.3f);
  EXPECT_TRUE(has_landmarks(FaceStatus::cut_by_border));
  EXPECT_FALSE(has_landmarks(FaceStatus::too_small));
  EXPECT_STREQ(to_string(FaceStatus::blank_frame), "blank_frame");
}

TEST(FaceStatus, BlankFrames) {
  std::vector<std::uint8_t> black(64 * 48 * 3, 0), grey(64 * 48 * 3, 128);
  EXPECT_TRUE(is_blank(black.data(), 64, 48, 2));
  grey[100] = 129;  // codec noise is still blank
  EXPECT_TRUE(is_blank(grey.data(), 64, 48, 2));
  grey[200] = 200;  // one real feature is not
  EXPECT_FALSE(is_blank(grey.data(), 64, 48, 2));
}

TEST(LandmarkJitter, ZeroForSmoothMotionAndTheSpikeOtherwise) {
  std::vector<std::vector<Landmark>> tracks;
  for (int t = 0; t < 20; ++t) tracks.push_back(square_face(10.0f + 3.0f * t, 50.0f, 200));  // steady pan
  EXPECT_NEAR(landmark_jitter(tracks).rms_px, 0.0, 1e-5);
  EXPECT_EQ(landmark_jitter(tracks).frames, 16);

  // One frame off by 2 px: its residual is 2 px on every point, nothing elsewhere (medians ignore it).
  for (auto& l : tracks[10]) l.y += 2;
  const Jitter j = landmark_jitter(tracks);
  EXPECT_NEAR(j.rms_px, std::sqrt(4.0 / 16), 1e-4);
  EXPECT_GT(j.interocular_px, 0);

  // A frame without a face removes every window that contains it.
  tracks[5].clear();
  EXPECT_EQ(landmark_jitter(tracks).frames, 11);
  EXPECT_THROW(landmark_jitter(tracks, static_face_points(), 4), std::invalid_argument);
}

TEST(AnalysisJson, FrameWithoutFaceHasNoLandmarks) {
  FrameAnalysis a;
  a.width = 64;
  a.height = 48;
  a.status = FaceStatus::no_face;
  a.detected = true;
  const auto j = nlohmann::json::parse(json_line(a, 7, 0.28, {}));
  EXPECT_EQ(j.at("frame"), 7);
  EXPECT_EQ(j.at("status"), "no_face");
  EXPECT_EQ(j.at("face"), false);
  EXPECT_EQ(j.at("detected"), true);
  EXPECT_FALSE(j.contains("landmarks"));
  EXPECT_FALSE(j.contains("blendshapes"));
  EXPECT_FALSE(j.contains("roi"));

  a.status = FaceStatus::ok;
  a.landmarks = square_face(1, 2, 40);
  a.blendshapes[9] = 0.75f;
  a.roi = {0.5f, 0.5f, 0.25f, 0.5f, 0.1f};
  std::vector<std::string> names(52, "x");
  names[9] = "eyeBlinkLeft";
  const auto k = nlohmann::json::parse(json_line(a, 8, 0.32, names));
  ASSERT_EQ(k.at("landmarks").size(), 478u);
  EXPECT_FLOAT_EQ(k.at("landmarks")[0][0].get<float>(), 1.0f);
  EXPECT_FLOAT_EQ(k.at("blendshapes").at("eyeBlinkLeft").get<float>(), 0.75f);
  EXPECT_FLOAT_EQ(k.at("roi").at("width").get<float>(), 16.0f);  // normalized to pixels
}

}  // namespace
