// A dataset and an avatar that agree by construction, for testing bake eval without a trained
// avatar: a cartoon face of Gaussians bound to MediaPipe's canonical mesh (skin, lips, brows, eyes,
// irises, a dark mouth interior) with two expression codes (jaw open, brows up), rendered under
// moving head poses and crop windows over a smooth background; its audio is a tone whose loudness
// follows the jaw, and its audio encoder maps loudness back to the jaw.
#pragma once

#include <filesystem>

#include "being/asset/avatar.h"

namespace being::eval_test {

struct PairOptions {
  int frames = 100;      // 4 s at 25 fps
  int validation = 75;   // the last 75 frames
  int crop_size = 128;
  int skipped_frame = -1;  // a validation frame marked valid = 0 (-1: none)
};

// The avatar alone (no files).
asset::Avatar synthetic_avatar();

// Writes the dataset into `dataset_dir` (rendered with `avatar`'s tracked drive) and the avatar to
// `avatar_path`.
void write_pair(const asset::Avatar& avatar, const std::filesystem::path& avatar_path,
                const std::filesystem::path& dataset_dir, const PairOptions& options = {});

// Every face Gaussian moved to another triangle: an avatar that no longer matches the dataset.
asset::Avatar shifted(const asset::Avatar& avatar);

}  // namespace being::eval_test
