// editor core: the document's undo/redo and atomic, validated save of the tuning; the script
// language; the audio timeline; the viewport's orbit, projection and pixel views.
#include "being/animate/pose.h"
#include "being/editor/document.h"
#include "being/editor/script.h"
#include "being/editor/timeline.h"
#include "being/editor/viewport.h"
#include "being_test.h"
#include "media_tools.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

namespace being::editor {
namespace {

namespace fs = std::filesystem;

std::vector<char> file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path copy_of_test_avatar(const fs::path& dir) {
  const fs::path path = dir / "me.avatar";
  fs::copy_file(BEING_TEST_AVATAR, path);
  return path;
}

asset::Tuning with_weight(const Document& doc, float weight) {
  asset::Tuning t = doc.tuning();
  t.expression_weights.assign(doc.avatar().face.expression_dim(), 1.0f);
  t.expression_weights[doc.expression_index("jawOpen")] = weight;
  return t;
}

TEST(Document, UndoRedoAndMergedSliderDrags) {
  const fs::path dir = test::scratch_dir("doc");
  Document doc(copy_of_test_avatar(dir));
  EXPECT_FALSE(doc.can_undo());
  EXPECT_FALSE(doc.modified());
  for (float w : {1.2f, 1.4f, 1.6f}) doc.edit(with_weight(doc, w), "jawOpen weight", true);  // one drag
  asset::Tuning gain = doc.tuning();
  gain.expression_gain = 2;
  doc.edit(gain, "gain", false);
  EXPECT_TRUE(doc.modified());
  EXPECT_EQ(doc.undo_label(), "gain");
  doc.undo();
  EXPECT_EQ(doc.tuning().expression_gain, 1.0);
  EXPECT_EQ(doc.tuning().expression_weights[0], 1.6f);
  EXPECT_EQ(doc.undo_label(), "jawOpen weight");
  doc.undo();  // the whole drag at once
  EXPECT_TRUE(doc.tuning().expression_weights.empty());
  EXPECT_FALSE(doc.modified());
  EXPECT_THROW(doc.undo(), DocumentError);
  doc.redo();
  EXPECT_EQ(doc.tuning().expression_weights[0], 1.6f);
  doc.edit(with_weight(doc, 0.5f), "jawOpen weight", false);
  EXPECT_FALSE(doc.can_redo()) << "a new edit drops the redo history";
  EXPECT_THROW(doc.expression_index("smile"), DocumentError);
}

TEST(Document, SaveWritesTheTuningAndReloads) {
  const fs::path dir = test::scratch_dir("save");
  Document doc(copy_of_test_avatar(dir));
  doc.edit(with_weight(doc, 0.25f), "jawOpen weight");
  doc.save(dir / "tuned.avatar");
  EXPECT_EQ(doc.path(), dir / "tuned.avatar");
  EXPECT_FALSE(doc.modified());
  const asset::Avatar back = asset::read_avatar(dir / "tuned.avatar");
  ASSERT_EQ(back.tuning.expression_weights.size(), 1u);
  EXPECT_EQ(back.tuning.expression_weights[0], 0.25f);
}

TEST(Document, AnInvalidTuningIsNotSavedAndTheOldFileStays) {
  const fs::path dir = test::scratch_dir("invalid");
  const fs::path path = copy_of_test_avatar(dir);
  const std::vector<char> before = file_bytes(path);
  Document doc(path);
  doc.edit(with_weight(doc, 9.0f), "jawOpen weight");
  try {
    doc.save();
    FAIL() << "a weight of 9 was saved";
  } catch (const asset::AssetError& e) {
    EXPECT_NE(std::string(e.what()).find("tuning.expression_weights[0]: 9 outside [0, 4]"), std::string::npos) << e.what();
  }
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_TRUE(doc.modified());
}

TEST(Script, ParsesActionsWordsAndQuotes) {
  const auto actions = parse_script(
      "# tune the jaw\n"
      "open \"my avatar.avatar\"\n"
      "\n"
      "set weight jawOpen 0.5   # halve it\n"
      "layer mesh on\n"
      "save\n"
      "wait 3\n",
      "t.script");
  ASSERT_EQ(actions.size(), 5u);
  EXPECT_EQ(actions[0].verb, "open");
  EXPECT_EQ(actions[0].words, std::vector<std::string>{"my avatar.avatar"});
  EXPECT_EQ(actions[1].verb, "set weight");
  EXPECT_EQ(actions[1].words[0], "jawOpen");
  EXPECT_EQ(actions[1].number(1), 0.5);
  EXPECT_EQ(actions[1].where, "t.script:4");
  EXPECT_EQ(actions[3].verb, "save");
  EXPECT_TRUE(actions[3].words.empty());
  EXPECT_EQ(actions[4].number(0), 3);
}

TEST(Script, MistakesNameTheLineAndTheUsage) {
  const auto message = [](const std::string& text) {
    try {
      parse_script(text, "s");
    } catch (const ScriptError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("open a\nfly away\n"), "s:2: unknown action \"fly\" (being-editor --help lists the actions)");
  EXPECT_EQ(message("set colour red\n"), "s:1: unknown action \"set colour\" (being-editor --help lists the actions)");
  EXPECT_NE(message("set weight jawOpen lots\n").find("s:1: \"lots\" does not fit; usage: set weight NAME VALUE"), std::string::npos);
  EXPECT_NE(message("screenshot\n").find("s:1: 0 arguments; usage: screenshot PATH"), std::string::npos);
  EXPECT_NE(message("layer hair on\n").find("\"hair\" does not fit"), std::string::npos);
  EXPECT_EQ(message("open \"unclosed\n"), "s:1: a quoted word has no closing \"");
  EXPECT_THROW(read_script("/no/such/script"), ScriptError);
}

TEST(Timeline, CodesWaveformAndTransport) {
  const fs::path dir = test::scratch_dir("timeline");
  // 1 s of silence, then 1 s of a loud tone.
  const fs::path wav = test::make_with_ffmpeg(
      dir / "burst.wav", "-f lavfi -i \"aevalsrc='if(gte(t,1),0.5*sin(2*PI*440*t),0)':s=16000:d=2\"");
  const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  Timeline timeline(avatar, wav.string(), 25);
  EXPECT_NEAR(timeline.duration(), 2.0, 1e-3);
  EXPECT_EQ(timeline.frame_count(), 50);
  EXPECT_EQ(timeline.frame_at(0.5), 12);
  EXPECT_EQ(timeline.frame_at(99), 49);
  EXPECT_GT(*timeline.code_at(1.6), *timeline.code_at(0.4) + 0.1f) << "the jaw opens with the sound";

  std::vector<float> low, high;
  timeline.waveform(0, 2, 4, low, high);
  EXPECT_EQ(high[0], 0.0f);
  EXPECT_EQ(high[1], 0.0f);
  EXPECT_NEAR(high[3], 0.5f, 0.01f);
  EXPECT_NEAR(low[3], -0.5f, 0.01f);

  EXPECT_FALSE(timeline.advance(0.1)) << "paused: time stands";
  EXPECT_EQ(timeline.time(), 0.0);
  timeline.play();
  timeline.advance(0.5);
  EXPECT_NEAR(timeline.time(), 0.5, 1e-9);
  timeline.advance(5);
  EXPECT_FALSE(timeline.playing()) << "stops at the end without a loop";
  EXPECT_NEAR(timeline.time(), 2.0, 1e-3);
  timeline.set_loop(0.5, 1.0);
  timeline.play();
  EXPECT_NEAR(timeline.time(), 0.5, 1e-9) << "playing from the end starts the loop";
  EXPECT_TRUE(timeline.advance(0.7));
  EXPECT_NEAR(timeline.time(), 0.7, 1e-9);
  EXPECT_THROW(timeline.set_loop(1.0, 0.5), std::invalid_argument);
  timeline.seek(-3);
  EXPECT_EQ(timeline.time(), 0.0);
}

TEST(Viewport, TheDefaultOrbitIsTheTrainedCameraAndZoomKeepsTheCentreInPlace) {
  const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  const auto identity = orbit_adjustment(avatar, 0, {});
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(identity[i], i % 5 == 0 ? 1.0 : 0.0, 1e-12) << i;

  double pose[16];
  animate::head_to_camera(avatar.idle, 0, pose);
  const int w = avatar.camera.width, h = avatar.camera.height;
  std::vector<float> plain, zoomed;
  project_vertices(avatar, avatar.face.vertices, pose, w, h, plain);
  project_vertices(avatar, avatar.face.vertices, orbit_view(avatar, 0, {0, 0, 2}).data(), w, h, zoomed);
  // The mesh spreads about twice as far from its centre on screen.
  double mean_u = 0, spread_plain = 0, spread_zoomed = 0;
  const std::size_t n = plain.size() / 2;
  for (std::size_t i = 0; i < n; ++i) mean_u += plain[i * 2] / n;
  double mean_zoomed = 0;
  for (std::size_t i = 0; i < n; ++i) mean_zoomed += zoomed[i * 2] / n;
  for (std::size_t i = 0; i < n; ++i) {
    spread_plain += std::abs(plain[i * 2] - mean_u);
    spread_zoomed += std::abs(zoomed[i * 2] - mean_zoomed);
  }
  EXPECT_NEAR(spread_zoomed / spread_plain, 2.0, 0.1);
  EXPECT_NEAR(mean_zoomed, mean_u, 0.05 * w);
}

TEST(Viewport, EdgesAndPixelViews) {
  asset::FaceMesh quad;
  quad.vertices.assign(12, 0.0f);
  quad.triangles = {0, 1, 2, 0, 2, 3};
  EXPECT_EQ(mesh_edges(quad).size(), 5u);  // 4 sides and the shared diagonal

  const std::vector<float> left = {0.5f, 0.5f, 0.5f, 0.5f, 1, 1, 1, 1};
  const std::vector<float> right = {0, 0, 1, 1, 0, 1, 0, 1};
  std::vector<float> out(8);
  split_view(left.data(), right.data(), 2, 1, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f, 0, 1, 0, 1}));
  alpha_view(left.data(), 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{0.5f, 0.5f, 0.5f, 1, 1, 1, 1, 1}));
}

}  // namespace
}  // namespace being::editor
