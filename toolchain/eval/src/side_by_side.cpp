#include "being/eval/side_by_side.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "being/dataset/dataset.h"
#include "being/encode/mp4_writer.h"

namespace being::eval {
namespace {

constexpr draw::Color kCaption{255, 255, 255};
constexpr const char* kPanelNames[] = {"real", "audio", "tracked"};

}  // namespace

SideBySideVideo::SideBySideVideo(const std::filesystem::path& path, int crop_size, int fps, std::vector<float> audio,
                                 int sample_rate)
    : crop_size_(crop_size), fps_(fps), sample_rate_(sample_rate), audio_(std::move(audio)), canvas_(3 * crop_size, crop_size) {
  encode::Mp4Options options;
  options.width = 3 * crop_size;
  options.height = crop_size;
  options.fps = fps;
  options.audio_sample_rate = sample_rate;
  writer_ = std::make_unique<encode::Mp4Writer>(path, options);
}

SideBySideVideo::~SideBySideVideo() = default;

void SideBySideVideo::add(const EvalFrame& frame) {
  const draw::Image* panels[] = {frame.real, frame.audio, frame.tracked};
  for (int p = 0; p < 3; ++p) {
    const draw::Image& panel = *panels[p];
    for (int y = 0; y < crop_size_; ++y)
      std::memcpy(canvas_.at(p * crop_size_, y), panel.at(0, y), static_cast<std::size_t>(crop_size_) * 3);
    const std::string caption = frame.skipped && p > 0 ? std::string(kPanelNames[p]) + " (no face)" : kPanelNames[p];
    draw::draw_text(canvas_, p * crop_size_ + 4, 4, caption, kCaption, crop_size_ >= 256 ? 2 : 1);
  }
  writer_->add_frame(canvas_.rgb.data());
  // This frame's 1/fps of the audio, zeros past its end, so sound and picture stay in step.
  const auto sample = [&](int n) { return static_cast<std::size_t>(std::llround(static_cast<double>(n) * sample_rate_ / fps_)); };
  const std::size_t begin = sample(frame.index), end = sample(frame.index + 1);
  std::vector<float> chunk(end - begin, 0.0f);
  for (std::size_t i = begin; i < std::min(end, audio_.size()); ++i) chunk[i - begin] = audio_[i];
  writer_->add_audio(chunk.data(), chunk.size());
}

void SideBySideVideo::finish() { writer_->finish(); }

EvalResult evaluate_with_video(const std::filesystem::path& avatar, const std::filesystem::path& dataset,
                               const EvalOptions& options, const std::filesystem::path& video) {
  if (video.empty()) return evaluate(avatar, dataset, options);
  std::unique_ptr<SideBySideVideo> writer;
  const auto result = evaluate(avatar, dataset, options, [&](const EvalFrame& frame) {
    if (!writer) {
      // The first frame tells the size; the dataset is open again only for its audio.
      const dataset::Dataset data(dataset);
      writer = std::make_unique<SideBySideVideo>(video, frame.real->width, data.manifest().fps, data.audio(),
                                                 data.manifest().audio.sample_rate);
    }
    writer->add(frame);
  });
  if (writer) writer->finish();
  return result;
}

}  // namespace being::eval
