// The side-by-side video of `bake eval`: real | audio-driven | tracked, one row per validation
// frame, with the dataset's audio of those frames (H.264 + AAC through runtime/encode).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "being/eval/evaluate.h"

namespace being::encode {
class Mp4Writer;
}

namespace being::eval {

class SideBySideVideo {
 public:
  // audio: the dataset's whole track at `sample_rate`; each frame added brings its own 1/fps of it.
  // Throws encode::EncodeError when the file cannot be written.
  SideBySideVideo(const std::filesystem::path& path, int crop_size, int fps, std::vector<float> audio, int sample_rate);
  ~SideBySideVideo();

  void add(const EvalFrame& frame);
  // Moves the file into place; without it the partial file is removed.
  void finish();

 private:
  std::unique_ptr<encode::Mp4Writer> writer_;
  int crop_size_, fps_, sample_rate_;
  std::vector<float> audio_;
  draw::Image canvas_;
};

// evaluate() that also writes the side-by-side MP4 to `video` (nothing when it is empty).
EvalResult evaluate_with_video(const std::filesystem::path& avatar, const std::filesystem::path& dataset,
                               const EvalOptions& options, const std::filesystem::path& video);

}  // namespace being::eval
