// `being play AVATAR`: the avatar in a window, driven live by a microphone or by an audio file
// played in sync. Semantics, keys and the report's format: docs/runtime.md ("being play").
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace being::app {

struct PlayOptions {
  std::string avatar;
  std::string audio;         // play this file (with sound) instead of listening to a microphone
  std::string mic;           // capture device name; "" : the default one
  bool list_devices = false; // print the capture devices and exit
  double seconds = 0;        // stop after this long; 0: until the window closes (or the file ends)
  int fps = 60;              // frame rate of the expression codes; presents are paced by the display
  int look_ahead = -1;       // live look-ahead in avatar frames; -1: the avatar's (tuning, else context_after)
  double delay_ms = 0;       // mic: paced playout this far behind capture (LivePipeline::at_delay); 0: newest frame
  std::string size;          // "WxH": render size and initial window size; empty: the avatar camera's
  bool fullscreen = false;
  std::string background;    // "plate", "transparent" or "#rrggbb"; empty: as `being render`
  bool overlay = true;       // show the statistics overlay at start (Tab or F1 toggles it)
  std::string report;        // JSON lines, one per presented frame; empty: none
};

// Adds the `play` subcommand and its options (filled in by parsing) to `app`.
CLI::App* add_play_command(CLI::App& app, PlayOptions& options);

// Plays; returns the process exit code (0 on success, 2 on a usage error) after printing any error
// to stderr. Throws what it cannot handle (an invalid avatar, a lost device) for main() to print.
int run_play(const PlayOptions& options);

}  // namespace being::app
