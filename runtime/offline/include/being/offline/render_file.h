// Offline rendering of an avatar driven by an audio file (docs/runtime.md, "being render"): codes
// from the file (animate::ExpressionStream), frames from player::AvatarPlayer, written to an MP4
// (H.264 + AAC, the audio resampled to 48 kHz), to numbered RGBA PNG frames or nowhere. `being
// render` and the editor's export both run it, so they write the same frames.
#pragma once

#include "being/asset/avatar.h"
#include "being/gpu/context.h"
#include "being/player/avatar_player.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace being::offline {

// A problem with the request (audio unreadable, output unwritable, a setting the output cannot
// hold); the message says what to change.
class RenderFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RenderFileOptions {
  std::string audio;           // any file FFmpeg reads
  std::string output;          // OUT.mp4, a printf pattern such as frames/%05d.png, or "null"
  int fps = 25;
  player::PlayerOptions look;  // size 0: the avatar camera's
};

// Called after each frame with the frames done and the total.
using Progress = std::function<void(int64_t done, int64_t total)>;

// Renders every frame of the audio; returns the number of frames. Throws RenderFileError for the
// problems above and media::MediaError when reading or writing fails mid-way.
int64_t render_file(const gpu::Context& context, const asset::Avatar& avatar, const RenderFileOptions& options,
                    const Progress& progress = {});

// Premultiplied float RGBA (AvatarPlayer::host_rgba()) to a straight-alpha RGBA PNG; throws
// RenderFileError when the file cannot be written.
void write_png(const std::filesystem::path& path, const float* rgba, int width, int height);

}  // namespace being::offline
