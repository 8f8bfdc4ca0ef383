// Frames of a shared test video, decoded with the ffmpeg CLI into a raw RGB file.
#pragma once

#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "being_test.h"

namespace being::test {

// `count` consecutive frames from `seconds` of ../shared/data/videos/<name>, scaled to width x
// height, as [count,H,W,3] float in [0,1]; undefined when the video or ffmpeg is missing.
inline torch::Tensor video_frames_rgb(const std::string& name, double seconds, int count, int width, int height) {
  const auto video = shared_path("data/videos/" + name);
  if (!std::filesystem::exists(video)) return {};
  const auto raw = scratch_dir("video_frames_" + std::to_string(width) + "x" + std::to_string(height)) / "frames.rgb";
  const std::string cmd = "ffmpeg -v error -y -ss " + std::to_string(seconds) + " -i '" + video.string() +
                          "' -frames:v " + std::to_string(count) + " -vf scale=" + std::to_string(width) + ":" +
                          std::to_string(height) + " -f rawvideo -pix_fmt rgb24 '" + raw.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  std::ifstream in(raw, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != static_cast<std::size_t>(count) * width * height * 3) return {};
  return torch::from_blob(bytes.data(), {count, height, width, 3}, torch::kUInt8).to(torch::kFloat) / 255.0f;
}

inline torch::Tensor video_frame_rgb(const std::string& name, double seconds, int width, int height) {
  return video_frames_rgb(name, seconds, 1, width, height);
}

}  // namespace being::test
