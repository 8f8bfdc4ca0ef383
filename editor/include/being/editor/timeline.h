// The editor's audio timeline: an audio file decoded once at the avatar's sample rate, its
// expression codes (the file form, animate::expression_codes, as `being render` computes them), a
// waveform for drawing, and the transport (time, play/pause, a loop range, scrubbing).
#pragma once

#include "being/asset/avatar.h"

#include <cstdint>
#include <string>
#include <vector>

namespace being::editor {

class Timeline {
 public:
  // Decodes the file (any format FFmpeg reads) and computes a code per frame at `fps`. Throws
  // audio::AudioError when it cannot be decoded, asset::AssetError when the avatar has no encoder.
  Timeline(const asset::Avatar& avatar, const std::string& audio_path, int fps);

  const std::string& path() const { return path_; }
  int fps() const { return fps_; }
  int sample_rate() const { return sample_rate_; }
  const std::vector<float>& samples() const { return samples_; }
  double duration() const { return static_cast<double>(samples_.size()) / sample_rate_; }
  int64_t frame_count() const { return frames_; }
  // The code of the frame shown at `seconds` (clamped to the audio), code_dim() values.
  const float* code_at(double seconds) const;
  int64_t frame_at(double seconds) const;
  std::size_t code_dim() const { return code_dim_; }

  // Minimum and maximum sample of each of `columns` equal slices of [from, to] seconds (0 outside
  // the audio), for drawing.
  void waveform(double from, double to, int columns, std::vector<float>& low, std::vector<float>& high) const;

  // Transport. The loop range, when set, is where playing wraps; without it playing stops at the end.
  double time() const { return time_; }
  bool playing() const { return playing_; }
  void play();
  void pause() { playing_ = false; }
  void seek(double seconds);  // clamped to [0, duration]
  // Throws std::invalid_argument unless 0 <= from < to <= duration.
  void set_loop(double from, double to);
  void clear_loop() { loop_from_ = loop_to_ = 0; }
  bool looping() const { return loop_to_ > loop_from_; }
  double loop_from() const { return loop_from_; }
  double loop_to() const { return loop_to_; }
  // Moves the time `seconds` forward while playing; returns true when it wrapped (the loop start).
  bool advance(double seconds);

 private:
  std::string path_;
  int fps_, sample_rate_;
  std::size_t code_dim_;
  std::vector<float> samples_, codes_;
  int64_t frames_ = 0;
  std::vector<float> block_low_, block_high_;  // per kBlock samples
  double time_ = 0, loop_from_ = 0, loop_to_ = 0;
  bool playing_ = false;
};

}  // namespace being::editor
