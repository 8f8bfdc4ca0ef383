#include "editor_app.h"

#include "being/animate/deform.h"
#include "being/offline/render_file.h"

#include <SDL.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace being::editor {
namespace {

namespace fs = std::filesystem;

constexpr float kSidePanel = 330.0f;    // left and right panels, pixels
constexpr float kTimelinePanel = 170.0f;
constexpr std::size_t kRecentFiles = 8;
constexpr float kBackgroundGrey = 0.18f;  // viewport background without a plate

void copy_field(char* field, std::size_t size, const std::string& text) {
  std::snprintf(field, size, "%s", text.c_str());
}

// Recent files live in $XDG_CONFIG_HOME/being/editor-recent.txt (or ~/.config/...): editor-only.
fs::path recent_file() {
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config) return fs::path(config) / "being" / "editor-recent.txt";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "being" / "editor-recent.txt";
  return {};
}

std::vector<std::string> read_recent() {
  std::vector<std::string> files;
  std::ifstream in(recent_file());
  for (std::string line; std::getline(in, line) && files.size() < kRecentFiles;)
    if (!line.empty()) files.push_back(line);
  return files;
}

std::size_t gaussian_bytes(const asset::Gaussians& g) {
  return g.count() * (3 + 4 + 3 + 1 + static_cast<std::size_t>(g.sh_coefficients()) * 3) * sizeof(float);
}

std::string format_bytes(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

bool on(const std::string& word) { return word == "on"; }

}  // namespace

EditorApp::EditorApp(window::Window& window, const EditorOptions& options)
    : window_(window), options_(options), script_(options.script), recent_(read_recent()) {
  if (!options.avatar.empty()) open(options.avatar);
  if (!options.audio.empty()) load_audio(options.audio);
  start_time_ = last_frame_time_ = std::chrono::steady_clock::now();
  window_.set_event_handler([this](const SDL_Event& event) { handle_key(event); });
}

void EditorApp::handle_key(const SDL_Event& event) {
  if (event.type != SDL_KEYDOWN || !document_) return;
  if (event.key.keysym.sym == SDLK_SPACE && !ImGui::GetIO().WantCaptureKeyboard && timeline_) {
    toggle_play();
    return;
  }
  if (!(event.key.keysym.mod & KMOD_CTRL)) return;
  attempt([&] {
    if (event.key.keysym.sym == SDLK_s) save("");
    if (event.key.keysym.sym == SDLK_z && document_->can_undo()) undo_or_redo(false);
    if (event.key.keysym.sym == SDLK_y && document_->can_redo()) undo_or_redo(true);
  });
}

void EditorApp::save(const std::string& path) {
  document_->save(path);
  if (!path.empty()) remember_recent(path);
  status_ = "saved " + document_->path().string();
}

void EditorApp::undo_or_redo(bool redo) {
  if (redo) {
    document_->redo();
  } else {
    document_->undo();
  }
  tuning_changed();
}

EditorApp::~EditorApp() {
  if (export_) {
    export_->cancel = true;
    export_->worker.join();
  }
}

void EditorApp::open(const std::string& path) {
  auto document = std::make_unique<Document>(path);
  stop_sound();
  stop_microphone();
  player_.reset();
  background_player_.reset();
  timeline_.reset();
  document_ = std::move(document);
  const asset::Avatar& avatar = document_->avatar();
  slider_code_.assign(avatar.face.expression_dim(), 0.0f);
  code_ = slider_code_;
  blink_codes_.clear();
  for (std::size_t k = 0; k < avatar.face.expression_dim(); ++k)
    if (avatar.face.expression_names[k].rfind("eyeBlink", 0) == 0) blink_codes_.push_back(k);
  edges_ = mesh_edges(avatar.face);
  zero_opacities_.assign(avatar.gaussians.count(), 0.0f);
  wireframe_tuning_ = std::make_unique<animate::CodeTuning>(avatar);
  drive_ = Drive::sliders;
  rebuild_players();
  copy_field(save_field_, sizeof save_field_, path);
  copy_field(open_field_, sizeof open_field_, path);
  remember_recent(path);
  status_ = "opened " + path;
}

void EditorApp::open_discarding(const std::string& path) {
  if (document_ && document_->modified() && discard_for_ != path) {
    discard_for_ = path;
    status_ = "unsaved edits in " + document_->path().filename().string() + ": save them, or open again to drop them";
    return;
  }
  discard_for_.clear();
  open(path);
}

void EditorApp::load_audio(const std::string& path) {
  if (!document_) throw DocumentError("audio " + path + ": open an avatar first");
  stop_sound();
  timeline_ = std::make_unique<Timeline>(document_->avatar(), path, options_.fps);
  drive_ = Drive::audio;
  copy_field(audio_field_, sizeof audio_field_, path);
  status_ = "audio " + path;
}

void EditorApp::rebuild_players() {
  player_.reset();
  background_player_.reset();
  if (!document_) return;
  const asset::Avatar& avatar = document_->avatar();
  player::PlayerOptions look;
  look.width = options_.render_width;
  look.height = options_.render_height;
  look.idle_motion = idle_motion_;
  look.renderer.gpu_timing = true;
  if (layers_.alpha) {
    look.background = player::Background::transparent;
  } else if (layers_.plate && !avatar.idle.plates.empty()) {
    look.background = player::Background::plate;
  } else {
    look.background = player::Background::solid;
    std::fill(look.color, look.color + 3, kBackgroundGrey);
  }
  player_ = std::make_unique<player::AvatarPlayer>(window_.context(), avatar, look);
  if (!layers_.gaussians || layers_.split) {
    background_player_ = std::make_unique<player::AvatarPlayer>(window_.context(), avatar, look);
    render::GaussianArrays hidden = render::arrays_of(avatar.gaussians);
    hidden.opacities = zero_opacities_.data();
    background_player_->renderer().set_gaussians(hidden);
  }
  const int pixels = player_->width() * player_->height();
  display_pixels_.assign(static_cast<std::size_t>(pixels) * 4, 0.0f);
  display_buffer_ = gpu::Buffer(window_.context(), static_cast<VkDeviceSize>(pixels) * 4 * sizeof(float), 0,
                                gpu::MemoryLocation::host);
}

void EditorApp::edit_tuning(const asset::Tuning& tuning, const std::string& what, bool merge) {
  document_->edit(tuning, what, merge);
  tuning_changed();
}

void EditorApp::tuning_changed() {
  if (player_) player_->refresh_plate();
  if (background_player_) background_player_->refresh_plate();
}

bool& EditorApp::layer(const std::string& name) {
  return name == "gaussians" ? layers_.gaussians
         : name == "mesh"    ? layers_.mesh
         : name == "plate"   ? layers_.plate
         : name == "alpha"   ? layers_.alpha
                             : layers_.split;
}

void EditorApp::set_layer(const std::string& name, bool value) {
  if (layer(name) == value) return;
  layer(name) = value;
  if (name != "mesh") rebuild_players();
}

void EditorApp::remember_recent(const std::string& path) {
  const std::string absolute = fs::absolute(path).string();
  recent_.erase(std::remove(recent_.begin(), recent_.end(), absolute), recent_.end());
  recent_.insert(recent_.begin(), absolute);
  if (recent_.size() > kRecentFiles) recent_.resize(kRecentFiles);
  const fs::path file = recent_file();
  if (file.empty()) return;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file);
  for (const std::string& f : recent_) out << f << "\n";
}

void EditorApp::export_mp4(const std::string& path) {
  if (!document_) throw DocumentError("render-mp4: open an avatar first");
  if (!timeline_) throw DocumentError("render-mp4: load an audio file first (the MP4 is the timeline's audio)");
  if (export_) throw DocumentError("render-mp4: " + export_->path + " is still being written");
  auto job = std::make_unique<Export>();
  job->avatar = document_->avatar();
  job->path = path;
  offline::RenderFileOptions options;
  options.audio = timeline_->path();
  options.output = path;
  options.fps = options_.fps;
  options.look.idle_motion = idle_motion_;
  Export* state = job.get();
  job->worker = std::thread([state, options] {
    struct Cancelled {};
    try {
      // A device of its own: the window's queue belongs to the window's thread.
      const gpu::Context context(gpu::ContextOptions::from_environment());
      offline::render_file(context, state->avatar, options, [state](int64_t done, int64_t total) {
        state->done = done;
        state->total = total;
        if (state->cancel) throw Cancelled{};  // the writer removes its partial file
      });
    } catch (const Cancelled&) {
      state->error = "cancelled";
    } catch (const std::exception& e) {
      state->error = e.what();
    }
    state->finished = true;
  });
  export_ = std::move(job);
  status_ = "writing " + path;
}

void EditorApp::finish_export() {
  if (!export_ || !export_->finished) return;
  export_->worker.join();
  const std::string error = export_->error, path = export_->path;
  const int64_t frames = export_->done;
  export_.reset();
  if (!error.empty()) throw DocumentError("render-mp4 " + path + ": " + error);
  status_ = "wrote " + path + " (" + std::to_string(frames) + " frames)";
}

void EditorApp::toggle_play() {
  if (timeline_->playing()) {
    timeline_->pause();
    stop_sound();
  } else {
    stop_microphone();
    timeline_->play();
    drive_ = Drive::audio;
    start_sound();
  }
}

void EditorApp::start_sound() {
#ifdef BEING_EDITOR_SOUND
  stop_sound();
  if (sound_failed_ || !timeline_) return;
  try {
    sound_ = std::make_unique<live::Playback>(timeline_->sample_rate());
    const double end = timeline_->looping() ? timeline_->loop_to() : timeline_->duration();
    const auto& samples = timeline_->samples();
    const auto first = static_cast<std::size_t>(timeline_->time() * timeline_->sample_rate());
    const auto last = std::min(samples.size(), static_cast<std::size_t>(end * timeline_->sample_rate()));
    if (first < last) sound_->append(samples.data() + first, last - first);
    sound_->end_of_stream();
    sound_->play();
    sound_start_ = timeline_->time();
  } catch (const std::exception& e) {
    // No sound device: the timeline still plays, on the wall clock.
    sound_.reset();
    sound_failed_ = true;
    status_ = std::string("no sound: ") + e.what();
  }
#endif
}

void EditorApp::stop_sound() {
#ifdef BEING_EDITOR_SOUND
  sound_.reset();
#endif
}

void EditorApp::start_microphone(const std::string& device) {
#ifdef BEING_EDITOR_SOUND
  stop_microphone();
  live::MicrophoneOptions options;
  options.device = device;
  microphone_ = std::make_unique<live::Microphone>(options);
  animate::LiveOptions live;
  live.fps = options_.fps;
  microphone_codes_ = std::make_unique<live::LivePipeline>(document_->avatar(), microphone_->sample_rate(), live);
  microphone_code_.assign(slider_code_.size(), 0.0f);
  microphone_frame_ = -1;
  drive_ = Drive::microphone;
  status_ = "microphone " + microphone_->device_name();
#else
  throw DocumentError("microphone " + device + ": this build has no OpenAL (apt-get install libopenal-dev)");
#endif
}

void EditorApp::stop_microphone() {
#ifdef BEING_EDITOR_SOUND
  microphone_codes_.reset();
  microphone_.reset();
#endif
  if (drive_ == Drive::microphone) drive_ = Drive::sliders;
}

window::FrameImage EditorApp::render_viewport(bool read_back) {
  const auto now = std::chrono::steady_clock::now();
  const double dt = std::chrono::duration<double>(now - last_frame_time_).count();
  last_frame_time_ = now;
  fps_ = fps_ == 0 ? 1.0 / std::max(dt, 1e-6) : 0.9 * fps_ + 0.1 / std::max(dt, 1e-6);
  if (!player_) return {};

  const float* code = slider_code_.data();
#ifdef BEING_EDITOR_SOUND
  if (drive_ == Drive::microphone && microphone_) {
    live::Clock::time_point newest{};
    const std::size_t got = microphone_->read(captured_, newest);
    if (got > 0) microphone_codes_->push(captured_.data() + captured_.size() - got, got, newest);
    captured_.clear();
    const int64_t frame = microphone_codes_->latest(microphone_code_.data());
    if (frame >= 0) microphone_frame_ = frame;
    if (microphone_->state() == live::MicrophoneState::disconnected) status_ = "the microphone disconnected";
    code = microphone_code_.data();
  }
#endif
  if (drive_ == Drive::microphone) {
    shown_frame_ = std::max<int64_t>(microphone_frame_, 0);
  } else if (drive_ == Drive::audio && timeline_) {
    bool wrapped = false;
#ifdef BEING_EDITOR_SOUND
    if (sound_ && timeline_->playing()) {
      sound_->update();
      // The picture follows what is heard: the sound's clock, not the frame clock.
      wrapped = timeline_->advance(sound_start_ + sound_->heard_seconds() - timeline_->time());
    } else {
      wrapped = timeline_->advance(dt);
    }
#else
    wrapped = timeline_->advance(dt);
#endif
    if (wrapped) start_sound();
    code = timeline_->code_at(timeline_->time());
    shown_frame_ = timeline_->frame_at(timeline_->time());
  } else {
    shown_frame_ = static_cast<int64_t>(std::chrono::duration<double>(now - start_time_).count() * options_.fps);
  }

  code_.assign(code, code + slider_code_.size());
  if (!blink_)
    for (const std::size_t k : blink_codes_) code_[k] = 0.0f;
  code = code_.data();

  const std::size_t idle = animate::tuned_idle_frame(idle_motion_ ? shown_frame_ : 0, options_.fps, document_->avatar());
  shown_idle_frame_ = idle;
  const std::array<double, 16> adjustment = orbit_adjustment(document_->avatar(), idle, orbit());
  player_->set_camera_adjustment(adjustment.data());
  if (background_player_) background_player_->set_camera_adjustment(adjustment.data());
  if (layers_.mesh) wire_code_.assign(code, code + slider_code_.size());

  // Split needs the head to compare; without Gaussians both halves would be the plate.
  const bool cpu_view = layers_.alpha || (layers_.split && layers_.gaussians);
  const auto start = std::chrono::steady_clock::now();
  player::AvatarPlayer& shown = layers_.gaussians ? *player_ : *background_player_;
  const render::FrameInfo info = shown.render(shown_frame_, options_.fps, code, {read_back || cpu_view});
  if (layers_.split && layers_.gaussians) {
    last_pixels_.assign(shown.host_rgba(), shown.host_rgba() + display_pixels_.size());
    background_player_->render(shown_frame_, options_.fps, code, {true});
    split_view(last_pixels_.data(), background_player_->host_rgba(), shown.width(), shown.height(), shown.width() / 2,
               display_pixels_.data());
  } else if (layers_.alpha) {
    alpha_view(shown.host_rgba(), display_pixels_.size() / 4, display_pixels_.data());
  }
  render_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  frame_info_ = info;

  if (cpu_view) {
    std::memcpy(display_buffer_.mapped(), display_pixels_.data(), display_pixels_.size() * sizeof(float));
    last_pixels_ = display_pixels_;
    return window::FrameImage{&display_buffer_, shown.width(), shown.height()};
  }
  if (read_back) last_pixels_.assign(shown.host_rgba(), shown.host_rgba() + display_pixels_.size());
  return window::FrameImage::of(shown.renderer());
}

void EditorApp::draw_wireframe(const window::Rect& frame_rect) {
  if (!layers_.mesh || !player_ || frame_rect.width <= 0) return;
  const asset::Avatar& avatar = document_->avatar();
  // The same shaping of the code as the player's, fed the same frames, so the mesh matches the splats.
  std::vector<float> tuned(wire_code_.size());
  wireframe_tuning_->apply(shown_frame_, options_.fps, wire_code_.data(), tuned.data());
  animate::Deformer(avatar).deform_mesh(tuned.data(), wire_vertices_);
  const std::array<double, 16> view = orbit_view(avatar, shown_idle_frame_, orbit());
  project_vertices(avatar, wire_vertices_, view.data(), frame_rect.width, frame_rect.height, wire_uv_);
  ImDrawList* draw = ImGui::GetBackgroundDrawList();
  const ImU32 colour = IM_COL32(80, 255, 120, 160);
  for (const auto& [a, b] : edges_) {
    const float ax = wire_uv_[a * 2], ay = wire_uv_[a * 2 + 1], bx = wire_uv_[b * 2], by = wire_uv_[b * 2 + 1];
    if (std::isnan(ax) || std::isnan(bx)) continue;
    draw->AddLine(ImVec2(frame_rect.x + ax, frame_rect.y + ay), ImVec2(frame_rect.x + bx, frame_rect.y + by), colour, 1.0f);
  }
}

void EditorApp::draw_menu() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    ImGui::SetNextItemWidth(360);
    const bool enter = ImGui::InputText("##open", open_field_, sizeof open_field_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if (ImGui::Button("Open") || enter) {
      attempt([&] { open_discarding(open_field_); });
      ImGui::CloseCurrentPopup();
    }
    if (ImGui::BeginMenu("Recent", !recent_.empty())) {
      for (const std::string& path : std::vector<std::string>(recent_))
        if (ImGui::MenuItem(path.c_str())) {
          attempt([&] { open_discarding(path); });
        }
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Save", "Ctrl+S", false, document_ != nullptr)) {
      attempt([&] { save(""); });
    }
    ImGui::SetNextItemWidth(360);
    ImGui::InputText("##saveas", save_field_, sizeof save_field_);
    ImGui::SameLine();
    if (ImGui::Button("Save as") && document_) {
      attempt([&] { save(save_field_); });
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit")) window_.request_close();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Edit")) {
    const std::string undo = "Undo " + (document_ ? document_->undo_label() : "");
    const std::string redo = "Redo " + (document_ ? document_->redo_label() : "");
    if (ImGui::MenuItem(undo.c_str(), "Ctrl+Z", false, document_ && document_->can_undo())) undo_or_redo(false);
    if (ImGui::MenuItem(redo.c_str(), "Ctrl+Y", false, document_ && document_->can_redo())) undo_or_redo(true);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (const char* name : {"gaussians", "mesh", "plate", "alpha", "split"}) {
      bool value = layer(name);
      if (ImGui::MenuItem(name, nullptr, &value)) set_layer(name, value);
    }
    bool motion = idle_motion_;
    if (ImGui::MenuItem("idle head motion", nullptr, &motion)) {
      idle_motion_ = motion;
      rebuild_players();
    }
    ImGui::EndMenu();
  }
  if (document_) {
    ImGui::Separator();
    ImGui::TextUnformatted((document_->path().filename().string() + (document_->modified() ? " (modified)" : "")).c_str());
  }
  if (!status_.empty()) {
    ImGui::Separator();
    ImGui::TextUnformatted(status_.c_str());
  }
  ImGui::EndMainMenuBar();
}

void EditorApp::draw_avatar_panel() {
  if (!document_) {
    ImGui::TextWrapped("No avatar open: File > Open, or being-editor AVATAR.");
    return;
  }
  const asset::Avatar& a = document_->avatar();
  if (ImGui::CollapsingHeader("Avatar", ImGuiTreeNodeFlags_DefaultOpen)) {
    std::size_t groups[3] = {0, 0, 0};
    for (const std::uint8_t g : a.binding.groups) ++groups[std::min<std::size_t>(g, 2)];
    ImGui::TextWrapped("%zu Gaussians, %s on the GPU", a.gaussians.count(), format_bytes(gaussian_bytes(a.gaussians)).c_str());
    ImGui::TextWrapped("face-bound %zu, head-rigid %zu, mouth %zu", groups[0], groups[1], groups[2]);
    ImGui::TextWrapped("mesh %zu vertices, %zu triangles, %zu codes", a.face.vertex_count(), a.face.triangle_count(), a.face.expression_dim());
    ImGui::TextWrapped("camera %dx%d, idle loop %zu frames at %.1f fps, %zu plates", a.camera.width, a.camera.height,
                a.idle.frame_count(), a.idle.fps, a.idle.plates.size());
  }
  if (ImGui::CollapsingHeader("Timings", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Text("%.1f fps (window)", fps_);
    ImGui::TextWrapped("frame %.2f ms (deform, upload, splat, read-back)", render_ms_);
    if (frame_info_.gpu_ms >= 0) {
      ImGui::Text("GPU %.2f ms, %u intersections", frame_info_.gpu_ms, frame_info_.intersections);
      if (ImGui::TreeNode("per pass")) {
        for (std::size_t i = 0; i < frame_info_.pass_ms.size(); ++i)
          ImGui::Text("%-10s %7.3f ms", render::pass_name(static_cast<render::Pass>(i)), frame_info_.pass_ms[i]);
        ImGui::TreePop();
      }
    }
    if (player_) ImGui::Text("render size %dx%d", player_->width(), player_->height());
  }
  if (ImGui::CollapsingHeader("View", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::SliderFloat("yaw", &orbit_yaw_, -45, 45, "%.0f deg");
    ImGui::SliderFloat("pitch", &orbit_pitch_, -30, 30, "%.0f deg");
    ImGui::SliderFloat("zoom", &orbit_zoom_, 0.5f, 3.0f, "%.2f");
    if (ImGui::Button("Trained camera")) {
      orbit_yaw_ = orbit_pitch_ = 0;
      orbit_zoom_ = 1;
    }
    ImGui::SetNextItemWidth(220);
    ImGui::InputText("##shot", screenshot_field_, sizeof screenshot_field_);
    ImGui::SameLine();
    if (ImGui::Button("Screenshot")) screenshot_path_ = screenshot_field_;
  }
}

void EditorApp::draw_tune_panel() {
  if (!document_ || !ImGui::CollapsingHeader("Tune (saved in the avatar)", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const asset::Avatar& a = document_->avatar();
  asset::Tuning t = document_->tuning();
  float gain = static_cast<float>(t.expression_gain), smoothing = static_cast<float>(t.smoothing);
  if (ImGui::SliderFloat("gain", &gain, 0, 4, "%.2f")) {
    t.expression_gain = gain;
    edit_tuning(t, "gain", true);
  }
  if (ImGui::SliderFloat("smoothing", &smoothing, 0, 1, "%.3f s")) {
    t.smoothing = smoothing;
    edit_tuning(t, "smoothing", true);
  }
  int look_ahead = t.look_ahead_frames < 0 ? a.audio.context_after : t.look_ahead_frames;
  if (ImGui::SliderInt("look-ahead", &look_ahead, 0, a.audio.context_after, "%d frames")) {
    t.look_ahead_frames = look_ahead;
    edit_tuning(t, "look-ahead", true);
  }
  ImGui::Text("live latency from look-ahead: %.0f ms", 1000.0 * look_ahead / a.audio.video_fps);
  if (ImGui::DragFloat3("plate gain", t.plate_gain.data(), 0.01f, 0, 4, "%.2f")) edit_tuning(t, "plate gain", true);
  if (ImGui::DragFloat3("plate offset", t.plate_offset.data(), 0.005f, -1, 1, "%.3f")) edit_tuning(t, "plate offset", true);
  if (ImGui::SliderFloat("saturation", &t.plate_saturation, 0, 4, "%.2f")) edit_tuning(t, "saturation", true);
  const int frames = static_cast<int>(a.idle.frame_count());
  if (ImGui::SliderInt("idle first", &t.idle_first, 0, frames - 1)) {
    t.idle_count = std::min(t.idle_count, frames - t.idle_first);
    edit_tuning(t, "idle segment", true);
  }
  if (ImGui::SliderInt("idle count", &t.idle_count, 0, frames - t.idle_first, t.idle_count ? "%d frames" : "to the end"))
    edit_tuning(t, "idle segment", true);
  ImGui::Text("idle frame shown: %zu", shown_idle_frame_);
}

void EditorApp::draw_expression_panel() {
  if (!document_) return;
  const asset::Avatar& a = document_->avatar();
  ImGui::TextUnformatted("Expressions: code (drive) and weight (saved)");
  int drive = static_cast<int>(drive_);
  if (ImGui::RadioButton("audio", &drive, 0) && timeline_) {
    stop_microphone();
    drive_ = Drive::audio;
  }
  ImGui::SameLine();
  if (ImGui::RadioButton("sliders", &drive, 1)) {
    stop_microphone();
    drive_ = Drive::sliders;
  }
  ImGui::SameLine();
  if (ImGui::Button("zero codes")) std::fill(slider_code_.begin(), slider_code_.end(), 0.0f);
  ImGui::SameLine();
  ImGui::Checkbox("blink", &blink_);
#ifdef BEING_EDITOR_SOUND
  if (ImGui::RadioButton("microphone", &drive, 2) && drive_ != Drive::microphone) {
    capture_devices_ = live::capture_devices();
    attempt([&] { start_microphone(""); });
  }
  if (drive_ == Drive::microphone) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(180);
    if (ImGui::BeginCombo("##mic", microphone_ ? microphone_->device_name().c_str() : "choose a device")) {
      for (const std::string& name : capture_devices_)
        if (ImGui::Selectable(name.c_str())) {
          attempt([&] { start_microphone(name); });
        }
      ImGui::EndCombo();
    }
    if (microphone_codes_) {
      const live::LatencyStats latency = microphone_codes_->latency().total();
      if (latency.frames > 0) ImGui::Text("mic-to-screen %.0f ms median, %.0f ms p95", latency.median * 1e3, latency.p95 * 1e3);
    }
  }
#endif
  ImGui::BeginChild("codes");
  asset::Tuning t = document_->tuning();
  const float* shown = code_.data();
  for (std::size_t k = 0; k < a.face.expression_dim(); ++k) {
    ImGui::PushID(static_cast<int>(k));
    const std::string& name = a.face.expression_names[k];
    if (ImGui::SmallButton("solo")) {
      std::fill(slider_code_.begin(), slider_code_.end(), 0.0f);
      slider_code_[k] = 1.0f;
      drive_ = Drive::sliders;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    float value = shown[k];
    if (ImGui::SliderFloat("##code", &value, -1.0f, 1.5f, "%.2f")) {
      slider_code_[k] = value;
      drive_ = Drive::sliders;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(70);
    float weight = t.expression_weights.empty() ? 1.0f : t.expression_weights[k];
    if (ImGui::SliderFloat("##weight", &weight, 0.0f, 4.0f, "x%.2f")) {
      if (t.expression_weights.empty()) t.expression_weights.assign(a.face.expression_dim(), 1.0f);
      t.expression_weights[k] = weight;
      edit_tuning(t, name + " weight", true);
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(name.c_str());
    ImGui::PopID();
  }
  ImGui::EndChild();
}

void EditorApp::draw_timeline_panel() {
  ImGui::SetNextItemWidth(420);
  const bool enter = ImGui::InputText("##audio", audio_field_, sizeof audio_field_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Load audio") || enter) && document_) {
    attempt([&] { load_audio(audio_field_); });
  }
  if (!timeline_) {
    ImGui::TextUnformatted("No audio: load a file to drive the avatar from sound (or use the expression sliders).");
    return;
  }
  ImGui::SameLine();
  if (ImGui::Button(timeline_->playing() ? "Pause" : "Play")) toggle_play();
  ImGui::SameLine();
  if (ImGui::Button("Clear loop")) timeline_->clear_loop();
  ImGui::SameLine();
  ImGui::Text("%.2f / %.2f s  frame %lld", timeline_->time(), timeline_->duration(), static_cast<long long>(shown_frame_));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::InputText("##export", export_field_, sizeof export_field_);
  ImGui::SameLine();
  if (export_) {
    ImGui::ProgressBar(export_->total > 0 ? float(export_->done) / float(export_->total) : 0.0f, ImVec2(120, 0));
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) export_->cancel = true;
  } else if (ImGui::Button("Render MP4")) {
    attempt([&] { export_mp4(export_field_); });
  }

  // Waveform: click or drag to scrub, right-drag to choose the loop range.
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x, std::max(40.0f, ImGui::GetContentRegionAvail().y));
  ImGui::InvisibleButton("waveform", size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const double duration = std::max(timeline_->duration(), 1e-6);
  const auto time_at = [&](float x) { return std::clamp((x - origin.x) / size.x, 0.0f, 1.0f) * duration; };
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
    timeline_->seek(time_at(ImGui::GetIO().MousePos.x));
    drive_ = Drive::audio;
    if (timeline_->playing()) start_sound();
  }
  if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) loop_drag_from_ = time_at(ImGui::GetIO().MousePos.x);
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Right)) {
    const double a = loop_drag_from_, b = time_at(ImGui::GetIO().MousePos.x);
    if (std::abs(b - a) > 0.05) timeline_->set_loop(std::min(a, b), std::max(a, b));
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(25, 25, 30, 255));
  if (timeline_->looping()) {
    const float x0 = origin.x + static_cast<float>(timeline_->loop_from() / duration) * size.x;
    const float x1 = origin.x + static_cast<float>(timeline_->loop_to() / duration) * size.x;
    draw->AddRectFilled(ImVec2(x0, origin.y), ImVec2(x1, origin.y + size.y), IM_COL32(60, 60, 120, 255));
  }
  std::vector<float> low, high;
  const int columns = std::max(1, static_cast<int>(size.x));
  timeline_->waveform(0, duration, columns, low, high);
  const float mid = origin.y + size.y / 2;
  for (int c = 0; c < columns; ++c)
    draw->AddLine(ImVec2(origin.x + c, mid - high[c] * size.y / 2), ImVec2(origin.x + c, mid - low[c] * size.y / 2 + 1),
                  IM_COL32(120, 200, 255, 255));
  const float x = origin.x + static_cast<float>(timeline_->time() / duration) * size.x;
  draw->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + size.y), IM_COL32(255, 220, 80, 255), 2.0f);
}

void EditorApp::draw_ui() {
  draw_menu();
  const float top = ImGui::GetFrameHeight();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse;
  ImGui::SetNextWindowPos(ImVec2(0, top));
  ImGui::SetNextWindowSize(ImVec2(kSidePanel, display.y - top - kTimelinePanel));
  ImGui::Begin("Inspect", nullptr, fixed);
  draw_avatar_panel();
  draw_tune_panel();
  ImGui::End();
  ImGui::SetNextWindowPos(ImVec2(display.x - kSidePanel, top));
  ImGui::SetNextWindowSize(ImVec2(kSidePanel, display.y - top - kTimelinePanel));
  ImGui::Begin("Drive", nullptr, fixed);
  draw_expression_panel();
  ImGui::End();
  ImGui::SetNextWindowPos(ImVec2(0, display.y - kTimelinePanel));
  ImGui::SetNextWindowSize(ImVec2(display.x, kTimelinePanel));
  ImGui::Begin("Timeline", nullptr, fixed);
  draw_timeline_panel();
  ImGui::End();
}

bool EditorApp::step_script() {
  if (export_) return true;  // render-mp4 ends when its file is written
  if (wait_frames_ > 0) {
    --wait_frames_;
    return true;
  }
  while (script_next_ < script_.size() && wait_frames_ == 0 && screenshot_path_.empty() && !export_) {
    const ScriptAction& action = script_[script_next_++];
    try {
      perform(action);
    } catch (const std::exception& e) {
      std::cerr << "being-editor: " << action.where << ": " << action.verb << ": " << e.what() << "\n";
      exit_code_ = 1;
      return false;
    }
    if (action.verb == "quit") return false;
  }
  return true;
}

void EditorApp::perform(const ScriptAction& action) {
  const std::string& verb = action.verb;
  const auto& words = action.words;
  const bool needs_document = verb != "open" && verb != "wait" && verb != "quit";
  if (needs_document && !document_) throw DocumentError("no avatar is open (use open PATH first)");
  asset::Tuning t = document_ ? document_->tuning() : asset::Tuning{};
  if (verb == "open") {
    open(words[0]);
  } else if (verb == "save") {
    save(words.empty() ? "" : words[0]);
  } else if (verb == "undo" || verb == "redo") {
    undo_or_redo(verb == "redo");
  } else if (verb == "set weight") {
    const std::size_t k = document_->expression_index(words[0]);
    if (t.expression_weights.empty()) t.expression_weights.assign(document_->avatar().face.expression_dim(), 1.0f);
    t.expression_weights[k] = static_cast<float>(action.number(1));
    edit_tuning(t, words[0] + " weight", false);
  } else if (verb == "set code") {
    slider_code_[document_->expression_index(words[0])] = static_cast<float>(action.number(1));
    drive_ = Drive::sliders;
  } else if (verb == "set gain") {
    t.expression_gain = action.number(0);
    edit_tuning(t, "gain", false);
  } else if (verb == "set smoothing") {
    t.smoothing = action.number(0);
    edit_tuning(t, "smoothing", false);
  } else if (verb == "set look-ahead") {
    t.look_ahead_frames = static_cast<int>(action.number(0));
    edit_tuning(t, "look-ahead", false);
  } else if (verb == "set plate-gain" || verb == "set plate-offset") {
    auto& target = verb == "set plate-gain" ? t.plate_gain : t.plate_offset;
    for (int c = 0; c < 3; ++c) target[c] = static_cast<float>(action.number(c));
    edit_tuning(t, verb.substr(4), false);
  } else if (verb == "set saturation") {
    t.plate_saturation = static_cast<float>(action.number(0));
    edit_tuning(t, "saturation", false);
  } else if (verb == "set idle-segment") {
    t.idle_first = static_cast<int>(action.number(0));
    t.idle_count = static_cast<int>(action.number(1));
    edit_tuning(t, "idle segment", false);
  } else if (verb == "audio") {
    load_audio(words[0]);
  } else if (verb == "seek" || verb == "loop" || verb == "play" || verb == "pause") {
    if (!timeline_) throw DocumentError("no audio is loaded (use audio PATH first)");
    if (verb == "seek") timeline_->seek(action.number(0));
    if (verb == "loop") timeline_->set_loop(action.number(0), action.number(1));
    if (verb == "play") timeline_->play();
    if (verb == "pause") timeline_->pause();
    drive_ = Drive::audio;
    if (timeline_->playing()) start_sound(); else stop_sound();
  } else if (verb == "microphone") {
    start_microphone(words.empty() ? "" : words[0]);
  } else if (verb == "blink") {
    blink_ = on(words[0]);
  } else if (verb == "layer") {
    set_layer(words[0], on(words[1]));
  } else if (verb == "idle-motion") {
    idle_motion_ = on(words[0]);
    rebuild_players();
  } else if (verb == "orbit") {
    orbit_yaw_ = static_cast<float>(action.number(0));
    orbit_pitch_ = static_cast<float>(action.number(1));
  } else if (verb == "zoom") {
    if (!(action.number(0) > 0)) throw DocumentError("zoom must be positive (1: the trained camera)");
    orbit_zoom_ = static_cast<float>(action.number(0));
  } else if (verb == "screenshot") {
    screenshot_path_ = words[0];
  } else if (verb == "render-mp4") {
    export_mp4(words[0]);
  } else if (verb == "wait") {
    wait_frames_ = std::max(0, static_cast<int>(action.number(0)));
  } else if (verb == "quit") {
    window_.request_close();
  }
}

int EditorApp::run() {
  bool scripting = !script_.empty();
  while (window_.poll_events()) {
    if (export_ && export_->finished) {
      try {
        finish_export();
      } catch (const std::exception& e) {
        if (scripting) {
          std::cerr << "being-editor: " << e.what() << "\n";
          exit_code_ = 1;
          break;
        }
        status_ = e.what();
      }
    }
    if (scripting && !step_script()) {
      scripting = false;
      if (exit_code_ != 0) break;
    }
    if (!window_.begin_frame()) {
      window_.wait_events(50);
      continue;
    }
    const bool shoot = !screenshot_path_.empty();
    const window::FrameImage frame = render_viewport(shoot);
    if (shoot) {
      if (player_) {
        offline::write_png(screenshot_path_, last_pixels_.data(), player_->width(), player_->height());
        status_ = "wrote " + screenshot_path_;
      } else if (scripting) {
        std::cerr << "being-editor: screenshot " << screenshot_path_ << ": no avatar is open\n";
        exit_code_ = 1;
        break;
      }
      screenshot_path_.clear();
    }
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    const float top = ImGui::GetFrameHeight();
    window::Rect viewport{static_cast<int>(kSidePanel), static_cast<int>(top),
                          static_cast<int>(display.x - 2 * kSidePanel), static_cast<int>(display.y - top - kTimelinePanel)};
    draw_ui();
    if (frame.buffer) draw_wireframe(window::letterbox(frame.width, frame.height, viewport));
    window::PresentOptions present;
    present.viewport = viewport;
    std::fill(present.clear_color, present.clear_color + 3, 0.08f);
    const window::PresentResult shown = window_.present(frame.buffer ? &frame : nullptr, present);
#ifdef BEING_EDITOR_SOUND
    if (shown.presented && drive_ == Drive::microphone && microphone_codes_ && microphone_frame_ >= 0)
      microphone_codes_->presented(microphone_frame_, shown.present_time);
#endif
  }
  return exit_code_;
}

}  // namespace being::editor
