// The live statistics overlay of `being play` (and any window that plays an avatar): frame rate,
// frame time, mic-to-photon latency and the expression code as bars. Drawn with ImGui: call it
// between Window::begin_frame() and Window::present().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace being::window {

struct OverlayStats {
  double fps = 0;                 // presented frames per second, recent average
  double frame_ms = 0;            // time between presents, recent average
  double latency_ms = -1;         // mic-to-photon latency; < 0: not measured (no line shown)
  std::string source;             // what drives the avatar ("mic: NAME", "file: NAME"); may hold lines
  std::string status;             // a warning to show (e.g. the microphone disconnected); empty: none
  const std::vector<std::string>* names = nullptr;  // expression names (code_dim of them)
  const float* code = nullptr;    // the shown frame's expression code
  std::size_t code_dim = 0;
};

// A small translucent window in the top-left corner. Bars show each weight clamped to [-1, 1]
// around a centre line, with the value written beside it; they scroll within 40% of the height.
void draw_overlay(const OverlayStats& stats);

}  // namespace being::window
