// being-editor driven by a microphone: a private PulseAudio null sink is the capture device
// (tests/live/pulse_server.h); the face stays closed while the microphone hears silence and the
// mouth opens while speech-like bursts are played into it.
#include "being_test.h"
#include "editor_test.h"
#include "live_signals.h"
#include "pulse_server.h"

#include <gtest/gtest.h>

namespace being::editor {
namespace {

TEST(EditorMicrophone, TheMouthOpensWhileTheMicrophoneHearsSpeech) {
  const fs::path dir = test::scratch_dir("microphone");
  const fs::path fed = dir / "fed.wav";
  test::write_wav16(fed, test::burst_signal(30, {{0, 30}}, 48000), 48000);
  const fs::path script = write_script(dir, "microphone \"" + std::string(test::PulseServer::kMonitorDevice) + "\"\n"
                                            "idle-motion off\n"
                                            "wait 5\n"
                                            "screenshot " + (dir / "quiet.png").string() + "\n"
                                            "wait 25\n"
                                            "screenshot " + (dir / "speech.png").string() + "\n"
                                            "quit\n");
  test::PulseServer server(dir);
  test::VirtualDisplay display;
  auto editor = start_editor(display, dir, {BEING_TEST_AVATAR, "--script", script.string(), "--render-size", "128x128"},
                             "pulse");
  ASSERT_TRUE(wait_for(dir / "quiet.png", 60)) << log_of(dir);
  // Thirty seconds of speech-like sound outlast the 25 frames before the second screenshot.
  const auto feeder = server.play(fed);
  ASSERT_TRUE(wait_for(dir / "speech.png", 60)) << log_of(dir);
  ASSERT_EQ(editor->wait(60), 0) << log_of(dir);
  EXPECT_GT(changed_pixels(read_png(dir / "quiet.png"), read_png(dir / "speech.png")), 50u)
      << "the mouth did not move with the microphone's sound";
}

}  // namespace
}  // namespace being::editor
