#include "being/window/overlay.h"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace being::window {

void draw_overlay(const OverlayStats& stats) {
  ImGui::SetNextWindowPos(ImVec2(8, 8), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.6f);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoMove;
  if (ImGui::Begin("being overlay", nullptr, flags)) {
    ImGui::Text("%.1f fps  %.1f ms/frame", stats.fps, stats.frame_ms);
    if (stats.latency_ms >= 0)
      ImGui::Text("latency %.0f ms", stats.latency_ms);
    else
      ImGui::TextUnformatted("latency -");
    if (!stats.source.empty()) ImGui::TextUnformatted(stats.source.c_str());
    if (!stats.status.empty()) ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.3f, 1.0f), "%s", stats.status.c_str());
    if (stats.code && stats.code_dim > 0) ImGui::Separator();
    const float bar_width = 140.0f, bar_height = ImGui::GetTextLineHeight();
    for (std::size_t k = 0; stats.code && k < stats.code_dim; ++k) {
      const float value = stats.code[k];
      const float clamped = std::clamp(value, -1.0f, 1.0f);
      const ImVec2 origin = ImGui::GetCursorScreenPos();
      ImDrawList* draw = ImGui::GetWindowDrawList();
      const float centre = origin.x + bar_width * 0.5f;
      draw->AddRectFilled(origin, ImVec2(origin.x + bar_width, origin.y + bar_height), IM_COL32(60, 60, 60, 200));
      const float end = centre + clamped * bar_width * 0.5f;
      draw->AddRectFilled(ImVec2(std::min(centre, end), origin.y), ImVec2(std::max(centre, end), origin.y + bar_height),
                          IM_COL32(90, 180, 255, 255));
      draw->AddLine(ImVec2(centre, origin.y), ImVec2(centre, origin.y + bar_height), IM_COL32(200, 200, 200, 255));
      ImGui::Dummy(ImVec2(bar_width, bar_height));
      ImGui::SameLine();
      const std::string name = stats.names && k < stats.names->size() ? (*stats.names)[k] : "code " + std::to_string(k);
      ImGui::Text("%+.2f %s", value, name.c_str());
    }
  }
  ImGui::End();
}

}  // namespace being::window
