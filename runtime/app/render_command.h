// `being render AVATAR --audio FILE -o OUT`: headless rendering of an avatar driven by an audio
// file, to an MP4 (H.264 + AAC) or to numbered RGBA PNG frames. Semantics: docs/runtime.md.
#pragma once

#include <string>

namespace being::app {

struct RenderOptions {
  std::string avatar;
  std::string audio;
  std::string output;      // OUT.mp4, or a printf pattern such as frames/%05d.png
  int fps = 25;
  std::string size;        // "WxH"; empty: the avatar camera's size
  std::string background;  // "plate", "transparent" or "#rrggbb"; empty: plate when the avatar has plates, else black
};

// Validators for the command line: an empty string when `value` is well-formed, else the problem.
std::string check_size(const std::string& value);
std::string check_background(const std::string& value);

// Renders; returns the process exit code (0 on success) after printing any error to stderr.
int run_render(const RenderOptions& options);

}  // namespace being::app
