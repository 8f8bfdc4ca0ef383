// being-editor under a private Xvfb on lavapipe: a script changes a blendshape weight, saves, and the
// saved avatar reloads with it; screenshots are not blank and differ with the weight; the window
// shows the avatar; the timeline exports an MP4; a kill during a save leaves the old file whole.
#include "being/asset/avatar.h"
#include "being_test.h"
#include "media_tools.h"
#include "editor_test.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

namespace being::editor {
namespace {

TEST(EditorWindow, AScriptedWeightIsSavedAndChangesTheScreenshot) {
  const fs::path dir = test::scratch_dir("weight");
  const fs::path avatar = dir / "me.avatar";
  fs::copy_file(BEING_TEST_AVATAR, avatar);
  const fs::path script = write_script(dir,
                                       "open " + avatar.string() + "\n"
                                       "idle-motion off\n"
                                       "wait 2\n"
                                       "screenshot " + (dir / "neutral.png").string() + "\n"
                                       "set code jawOpen 1\n"
                                       "wait 2\n"
                                       "screenshot " + (dir / "open.png").string() + "\n"
                                       "set weight jawOpen 0\n"
                                       "wait 2\n"
                                       "screenshot " + (dir / "closed.png").string() + "\n"
                                       "save\n"
                                       "screenshot " + (dir / "saved.png").string() + "\n"
                                       "wait 40\n"
                                       "quit\n");
  test::VirtualDisplay display;
  auto editor = start_editor(display, dir, {"--script", script.string(), "--render-size", "128x128"});
  ASSERT_TRUE(wait_for(dir / "saved.png", 60)) << log_of(dir);
  // The viewport (between the 330-pixel side panels, below the menu, above the timeline) shows the
  // avatar: far from uniform.
  const auto screen = display.grab(330, 30, 620, 500);
  EXPECT_GT(spread(screen.data(), screen.size() / 3, 3), 20.0) << "the viewport looks blank";
  ASSERT_EQ(editor->wait(60), 0) << log_of(dir);

  const asset::Avatar saved = asset::read_avatar(avatar);
  ASSERT_EQ(saved.tuning.expression_weights.size(), 1u);
  EXPECT_EQ(saved.tuning.expression_weights[0], 0.0f);

  const Image open = read_png(dir / "open.png"), closed = read_png(dir / "closed.png");
  ASSERT_EQ(open.width, 128);
  ASSERT_EQ(open.height, 128);
  EXPECT_GT(spread(open.rgba.data(), open.rgba.size() / 4, 4), 20.0) << "the screenshot is blank";
  EXPECT_GT(changed_pixels(open, closed), 50u) << "a jaw weight of 0 closes the open mouth";
  EXPECT_EQ(closed.rgba, read_png(dir / "neutral.png").rgba) << "weight 0: exactly the neutral face";
}

TEST(EditorWindow, TheTimelineRendersAnMp4) {
  const fs::path dir = test::scratch_dir("mp4");
  const fs::path wav = test::make_with_ffmpeg(dir / "tone.wav", "-f lavfi -i \"sine=frequency=300:duration=0.4:sample_rate=16000\"");
  const fs::path script = write_script(dir, "open " + std::string(BEING_TEST_AVATAR) + "\naudio " + wav.string() +
                                                "\nrender-mp4 " + (dir / "out.mp4").string() + "\nquit\n");
  test::VirtualDisplay display;
  auto editor = start_editor(display, dir, {"--script", script.string(), "--render-size", "64x64"});
  ASSERT_EQ(editor->wait(90), 0) << log_of(dir);
  const auto streams = test::ffprobe_streams(dir / "out.mp4")["streams"];
  ASSERT_GE(streams.size(), 1u);
  EXPECT_EQ(streams[0]["codec_name"], "h264");
  EXPECT_EQ(streams[0]["nb_read_frames"], "10");
}

// An avatar of about 150 MB (many copies of one noise plate), so that saving takes long enough to
// be interrupted between writing the temporary file and renaming it.
fs::path write_large_avatar(const fs::path& dir) {
  asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  const int w = avatar.camera.width, h = avatar.camera.height;
  std::vector<std::uint8_t> noise(static_cast<std::size_t>(w) * h * 3);
  std::mt19937 rng(7);
  for (auto& v : noise) v = static_cast<std::uint8_t>(rng());
  int size = 0;
  unsigned char* png = stbi_write_png_to_mem(noise.data(), w * 3, w, h, 3, &size);
  asset::Plate plate{asset::ImageFormat::png, std::vector<std::uint8_t>(png, png + size)};
  STBIW_FREE(png);
  const std::size_t frames = 150 * 1024 * 1024 / static_cast<std::size_t>(size);
  asset::IdleLoop& idle = avatar.idle;
  const std::vector<float> r(idle.rotations.begin(), idle.rotations.begin() + 4), t(idle.translations.begin(), idle.translations.begin() + 3);
  idle.rotations.clear();
  idle.translations.clear();
  idle.plates.assign(frames, plate);
  for (std::size_t f = 0; f < frames; ++f) {
    idle.rotations.insert(idle.rotations.end(), r.begin(), r.end());
    idle.translations.insert(idle.translations.end(), t.begin(), t.end());
  }
  const fs::path path = dir / "large.avatar";
  asset::write_avatar(avatar, path);
  return path;
}

TEST(EditorWindow, AKillDuringSaveLeavesTheOldFileWhole) {
  const fs::path dir = test::scratch_dir("kill");
  const fs::path avatar = write_large_avatar(dir);
  const auto original_size = fs::file_size(avatar);
  const fs::path script = write_script(dir, "open " + avatar.string() + "\nset weight jawOpen 0.5\nsave\nwait 100000\n");
  test::VirtualDisplay display;
  auto editor = start_editor(display, dir, {"--script", script.string(), "--render-size", "64x64"});
  // The writer's temporary file sits next to the avatar (".large.avatar.XXXXXX") until renamed.
  bool killed_mid_save = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!killed_mid_save && editor->running() && std::chrono::steady_clock::now() < end) {
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().rfind(".large.avatar.", 0) == 0) killed_mid_save = true;
    if (killed_mid_save) editor.reset();  // SIGKILL now, while the temporary file is being written
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(killed_mid_save) << "the save was never seen in progress\n" << log_of(dir);
  EXPECT_EQ(fs::file_size(avatar), original_size);
  const asset::Avatar old = asset::read_avatar(avatar);
  EXPECT_TRUE(old.tuning.is_default()) << "the old file, untouched";
}

TEST(EditorWindow, AMalformedScriptFailsBeforeAnyWindowOpens) {
  const fs::path dir = test::scratch_dir("malformed");
  const fs::path script = write_script(dir, "open x.avatar\nset weight jawOpen lots\n");
  const auto [code, out] = test::run_command("env -u DISPLAY " + std::string(BEING_EDITOR) + " --script " + script.string());
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find(script.string() + ":2: \"lots\" does not fit; usage: set weight NAME VALUE"), std::string::npos) << out;
}

}  // namespace
}  // namespace being::editor
