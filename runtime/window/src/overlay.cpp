#include "being/window/overlay.h"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace being::window {

namespace {

// One bar per weight, clamped to [-1, 1] around a centre line, with the value and the name beside
// it; the rows scroll within at most 40% of the window's height, so that a 32-dimensional code does
// not hide the face.
void draw_weights(const OverlayStats& stats) {
  const float bar_width = 100.0f, bar_height = ImGui::GetTextLineHeight();
  const float row = ImGui::GetTextLineHeightWithSpacing();
  const float height = std::min(row * static_cast<float>(stats.code_dim), 0.4f * ImGui::GetIO().DisplaySize.y);
  ImGui::BeginChild("weights", ImVec2(bar_width + 110.0f, height));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (std::size_t k = 0; k < stats.code_dim; ++k) {
    const float value = stats.code[k];
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float centre = origin.x + bar_width * 0.5f;
    const float end = centre + std::clamp(value, -1.0f, 1.0f) * bar_width * 0.5f;
    draw->AddRectFilled(origin, ImVec2(origin.x + bar_width, origin.y + bar_height), IM_COL32(60, 60, 60, 200));
    draw->AddRectFilled(ImVec2(std::min(centre, end), origin.y), ImVec2(std::max(centre, end), origin.y + bar_height),
                        IM_COL32(90, 180, 255, 255));
    draw->AddLine(ImVec2(centre, origin.y), ImVec2(centre, origin.y + bar_height), IM_COL32(200, 200, 200, 255));
    ImGui::Dummy(ImVec2(bar_width, bar_height));
    ImGui::SameLine();
    const std::string name = stats.names && k < stats.names->size() ? (*stats.names)[k] : "code " + std::to_string(k);
    ImGui::Text("%+.2f %s", value, name.c_str());
  }
  ImGui::EndChild();
}

}  // namespace

void draw_overlay(const OverlayStats& stats) {
  ImGui::SetNextWindowPos(ImVec2(8, 8), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.6f);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoMove;
  if (ImGui::Begin("being overlay", nullptr, flags)) {
    ImGui::Text("%.1f fps  %.1f ms/frame", stats.fps, stats.frame_ms);
    if (stats.latency_ms >= 0) ImGui::Text("latency %.0f ms", stats.latency_ms);
    if (!stats.source.empty()) ImGui::TextUnformatted(stats.source.c_str());
    if (!stats.status.empty()) ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.3f, 1.0f), "%s", stats.status.c_str());
    if (stats.code && stats.code_dim > 0) {
      ImGui::Separator();
      draw_weights(stats);
    }
  }
  ImGui::End();
}

}  // namespace being::window
