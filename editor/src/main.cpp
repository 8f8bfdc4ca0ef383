// being-editor [AVATAR]: inspect and tune an avatar in a window (docs/editor.md).
#include "editor_app.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <regex>

namespace {

bool parse_size(const std::string& text, int& width, int& height) {
  static const std::regex pattern("([0-9]{1,4})x([0-9]{1,4})");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return false;
  width = std::stoi(m[1]);
  height = std::stoi(m[2]);
  return width >= 16 && height >= 16;
}

std::string size_check(const std::string& text) {
  int w = 0, h = 0;
  return parse_size(text, w, h) ? "" : "expected WxH with at least 16 pixels per side (got \"" + text + "\")";
}

}  // namespace

int main(int argc, char** argv) {
  std::string actions = "\nScript actions (--script FILE, one per line, # comments):\n";
  for (const std::string& line : being::editor::script_usage()) actions += "  " + line + "\n";
  CLI::App app{"being-editor: inspect and tune a baked avatar", "being-editor"};
  app.set_version_flag("--version", std::string("being-editor ") + BEING_VERSION);
  app.footer(actions);
  being::editor::EditorOptions options;
  std::string window_size = "1280x720", render_size, script;
  app.add_option("avatar", options.avatar, "The .avatar file to open");
  app.add_option("--audio", options.audio, "Audio file for the timeline (any format FFmpeg reads)");
  app.add_option("--script", script, "Run these UI actions in order (see below)");
  app.add_option("--window", window_size, "Window size WxH")->check(CLI::Validator(size_check, "WxH"))->capture_default_str();
  app.add_option("--render-size", render_size, "Viewport frame size WxH (default: the avatar camera's)")
      ->check(CLI::Validator(size_check, "WxH"));
  app.add_option("--fps", options.fps, "Frame rate of the timeline and of MP4 exports")
      ->check(CLI::IsMember({25, 30, 60}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!render_size.empty()) parse_size(render_size, options.render_width, options.render_height);
  try {
    // A malformed script fails here, before a window opens.
    if (!script.empty()) options.script = being::editor::read_script(script);
    being::window::WindowOptions look;
    look.title = "being-editor";
    parse_size(window_size, look.width, look.height);
    being::window::Window window(look);
    being::editor::EditorApp editor(window, options);
    return editor.run();
  } catch (const std::exception& e) {
    std::cerr << "being-editor: " << e.what() << "\n";
    return 1;
  }
}
