// being-editor's window: the panels (avatar facts and timings, drive, tune, expressions, timeline),
// the viewport, and the script runner that performs the same actions the panels do.
#pragma once

#include "being/editor/document.h"
#include "being/editor/script.h"
#include "being/editor/timeline.h"
#include "being/editor/viewport.h"
#include "being/gpu/buffer.h"
#include "being/player/avatar_player.h"
#include "being/window/window.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#ifdef BEING_EDITOR_SOUND
#include "being/live/live_pipeline.h"
#include "being/live/microphone.h"
#include "being/live/playback.h"
#endif

union SDL_Event;

namespace being::editor {

struct EditorOptions {
  std::string avatar;                      // opened at start; may be empty
  std::string audio;                       // loaded into the timeline at start; may be empty
  std::vector<ScriptAction> script;        // run in order; may be empty
  int render_width = 0, render_height = 0;  // the viewport's frame size; 0: the avatar camera's
  int fps = 25;                            // frame rate of the timeline's codes and of exports
};

class EditorApp {
 public:
  // Throws asset::AssetError for an avatar that does not open, audio::AudioError for audio that
  // does not decode.
  EditorApp(window::Window& window, const EditorOptions& options);
  ~EditorApp();

  // Runs until the window is closed or a script quits; returns the exit code (a failed script
  // action prints FILE:LINE and its reason and gives 1).
  int run();

 private:
  enum class Drive { audio, sliders, microphone };
  struct Layers {
    bool gaussians = true, mesh = false, plate = true, alpha = false, split = false;
  };

  void open(const std::string& path);
  // From the panels: with unsaved edits, the first request only warns, a second one drops them.
  void open_discarding(const std::string& path);
  void toggle_play();
  void load_audio(const std::string& path);
  void rebuild_players();
  void save(const std::string& path);  // "": the open file
  void undo_or_redo(bool redo);
  void edit_tuning(const asset::Tuning& tuning, const std::string& what, bool merge);
  void tuning_changed();
  bool& layer(const std::string& name);  // gaussians, mesh, plate, alpha or split
  void set_layer(const std::string& name, bool on);
  // Starts rendering the timeline's audio to an MP4 on its own thread and device (the window keeps
  // drawing); finish_export() reports the result once it is done.
  void export_mp4(const std::string& path);
  void finish_export();
  void remember_recent(const std::string& path);

  // The frame: advances the clock, renders the avatar, returns what the viewport shows.
  window::FrameImage render_viewport(bool read_back);
  void draw_ui();
  void draw_menu();
  void draw_avatar_panel();
  void draw_tune_panel();
  void draw_expression_panel();
  void draw_timeline_panel();
  void draw_wireframe(const window::Rect& frame_rect);

  // Runs script actions until one needs frames to pass; false once the script failed or quit.
  bool step_script();
  void perform(const ScriptAction& action);

  Orbit orbit() const { return Orbit{orbit_yaw_, orbit_pitch_, orbit_zoom_}; }
  void handle_key(const SDL_Event& event);
  // Runs a panel's action; a failure becomes the status line (a person's mistake never ends the editor).
  template <typename Action>
  void attempt(Action&& action) {
    try {
      action();
    } catch (const std::exception& e) {
      status_ = e.what();
    }
  }
  void start_microphone(const std::string& device);
  void stop_microphone();
  void start_sound();
  void stop_sound();

  window::Window& window_;
  EditorOptions options_;
  std::unique_ptr<Document> document_;
  std::unique_ptr<player::AvatarPlayer> player_;
  std::unique_ptr<player::AvatarPlayer> background_player_;  // the same view with every Gaussian transparent
  std::vector<float> zero_opacities_;
  std::unique_ptr<Timeline> timeline_;
  Drive drive_ = Drive::sliders;
  std::vector<float> slider_code_;
  std::vector<float> code_;                // the code shown this frame, after the blink toggle
  bool blink_ = true;                      // false: the eyeBlink* components are held at 0
  std::vector<std::size_t> blink_codes_;
  Layers layers_;
  bool idle_motion_ = true;
  float orbit_yaw_ = 0, orbit_pitch_ = 0, orbit_zoom_ = 1;  // degrees, degrees, factor (Orbit)
  double loop_drag_from_ = 0;                             // where a right-drag on the waveform began
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges_;
  std::unique_ptr<animate::CodeTuning> wireframe_tuning_;  // follows the player's code shaping
  std::vector<float> wire_code_, wire_vertices_, wire_uv_;
  int64_t shown_frame_ = 0;
  std::size_t shown_idle_frame_ = 0;

  // Pixels shown when the view is computed on the CPU (alpha, split).
  std::vector<float> display_pixels_;
  gpu::Buffer display_buffer_;
  std::vector<float> last_pixels_;  // the last frame read back (screenshots)

  // Timings for the avatar panel.
  std::chrono::steady_clock::time_point last_frame_time_, start_time_;
  double fps_ = 0, render_ms_ = 0;
  render::FrameInfo frame_info_;  // the last frame's GPU times

  // An MP4 export in progress.
  struct Export {
    asset::Avatar avatar;  // a copy: edits made meanwhile do not change the file being written
    std::string path, error;
    std::atomic<int64_t> done{0}, total{0};
    std::atomic<bool> cancel{false}, finished{false};
    std::thread worker;
  };
  std::unique_ptr<Export> export_;

  // Script state.
  std::vector<ScriptAction> script_;
  std::size_t script_next_ = 0;
  int wait_frames_ = 0;
  std::string screenshot_path_;
  int exit_code_ = 0;

  // Text fields and messages of the panels.
  std::string status_;
  std::string discard_for_;  // the file a second open request may drop unsaved edits for
  char open_field_[1024] = "";
  char save_field_[1024] = "";
  char audio_field_[1024] = "";
  char export_field_[1024] = "out.mp4";
  char screenshot_field_[1024] = "screenshot.png";
  std::vector<std::string> recent_;

#ifdef BEING_EDITOR_SOUND
  std::unique_ptr<live::Playback> sound_;
  double sound_start_ = 0;  // the timeline time where the playing sound started

  std::unique_ptr<live::Microphone> microphone_;
  std::unique_ptr<live::LivePipeline> microphone_codes_;
  std::vector<float> captured_, microphone_code_;
  int64_t microphone_frame_ = -1;
  std::vector<std::string> capture_devices_;
#endif
  bool sound_failed_ = false;
};

}  // namespace being::editor
