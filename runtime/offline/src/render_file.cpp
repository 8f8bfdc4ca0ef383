#include "being/offline/render_file.h"

#include "being/animate/expression_stream.h"
#include "being/audio/decoder.h"
#include "being/encode/mp4_writer.h"
#include "being/media/media_error.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace being::offline {
namespace {

namespace fs = std::filesystem;

constexpr int kMp4AudioRate = 48000;

bool is_frame_pattern(const std::string& output) { return output.find('%') != std::string::npos; }

// Where frames go: an MP4 with the audio, one RGBA PNG per frame, or nowhere (`null`: every frame
// is rendered and read back, then dropped; for memory and speed measurements).
class FrameSink {
 public:
  FrameSink(const RenderFileOptions& options, int width, int height) : width_(width), height_(height) {
    if (options.output == "null") return;
    if (is_frame_pattern(options.output)) {
      pattern_ = options.output;
      const fs::path first = frame_path(0);
      const fs::path dir = first.parent_path().empty() ? fs::path(".") : first.parent_path();
      if (!fs::is_directory(dir))
        throw RenderFileError("-o " + options.output + ": directory " + dir.string() + " does not exist; create it first");
      return;
    }
    encode::Mp4Options mp4;
    mp4.width = width;
    mp4.height = height;
    mp4.fps = options.fps;
    mp4.audio_sample_rate = kMp4AudioRate;
    mp4_ = std::make_unique<encode::Mp4Writer>(options.output, mp4);
    rgb_.resize(static_cast<std::size_t>(width) * height * 3);
  }

  bool is_mp4() const { return mp4_ != nullptr; }
  // False for the null sink: there is nothing to hand the frames to.
  bool takes_frames() const { return mp4_ != nullptr || !pattern_.empty(); }

  // `pixels`: RGBA float, colour premultiplied by alpha.
  void add_frame(int64_t index, const float* pixels) {
    if (mp4_) {
      player::to_rgb8(pixels, static_cast<std::size_t>(width_) * height_, rgb_.data());
      mp4_->add_frame(rgb_.data());
    } else if (!pattern_.empty()) {
      write_png(frame_path(index), pixels, width_, height_);
    }
  }

  void add_audio(const float* samples, std::size_t count) {
    if (mp4_) mp4_->add_audio(samples, count);
  }

  void finish() {
    if (mp4_) mp4_->finish();
  }

 private:
  fs::path frame_path(int64_t index) const {
    std::vector<char> name(pattern_.size() + 32);
    std::snprintf(name.data(), name.size(), pattern_.c_str(), static_cast<int>(index));
    return name.data();
  }

  int width_, height_;
  std::string pattern_;
  std::unique_ptr<encode::Mp4Writer> mp4_;
  std::vector<std::uint8_t> rgb_;
};

// Converting and encoding a frame costs about as much as rendering it on a GPU, so a worker thread
// writes frame i (and the audio up to its end) while frame i+1 renders. At most kQueued frames wait,
// so memory stays bounded; the sink sees frames and audio in the order they were pushed.
class SinkThread {
 public:
  explicit SinkThread(FrameSink& sink) : sink_(sink), worker_([this] { run(); }) {}
  ~SinkThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closing_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

  void push(int64_t index, const float* pixels, std::size_t floats, std::vector<float>& audio) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return jobs_.size() < kQueued || error_; });
    if (error_) std::rethrow_exception(error_);
    Job job;
    if (!spare_.empty()) {
      job.pixels = std::move(spare_.back());
      spare_.pop_back();
    }
    job.index = index;
    job.pixels.assign(pixels, pixels + floats);
    job.audio.swap(audio);
    audio.clear();
    jobs_.push_back(std::move(job));
    changed_.notify_all();
  }

  // Waits until every pushed frame is written; rethrows what the sink threw.
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return (jobs_.empty() && !busy_) || error_; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr std::size_t kQueued = 3;
  struct Job {
    int64_t index = 0;
    std::vector<float> pixels, audio;
  };

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return !jobs_.empty() || closing_; });
      if (jobs_.empty()) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      std::exception_ptr error;
      try {
        sink_.add_frame(job.index, job.pixels.data());
        if (!job.audio.empty()) sink_.add_audio(job.audio.data(), job.audio.size());
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      busy_ = false;
      if (error && !error_) error_ = error;
      spare_.push_back(std::move(job.pixels));
      changed_.notify_all();
    }
  }

  FrameSink& sink_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  std::vector<std::vector<float>> spare_;
  std::exception_ptr error_;
  bool busy_ = false, closing_ = false;
  std::thread worker_;  // last: starts after the members it uses exist
};

}  // namespace

int64_t render_file(const gpu::Context& context, const asset::Avatar& avatar, const RenderFileOptions& options,
                    const Progress& progress) {
  player::PlayerOptions look = options.look;
  if (look.width <= 0 || look.height <= 0) {
    look.width = avatar.camera.width;
    look.height = avatar.camera.height;
  }
  const bool mp4 = options.output != "null" && !is_frame_pattern(options.output);
  if (look.background == player::Background::plate && avatar.idle.plates.empty())
    throw RenderFileError("--background plate: this avatar has no idle-loop plates; use --background transparent or #rrggbb");
  if (look.background == player::Background::transparent && mp4)
    throw RenderFileError("--background transparent: MP4 has no alpha channel; write RGBA frames with -o DIR/%05d.png");
  if (mp4 && (look.width % 2 || look.height % 2))
    throw RenderFileError("--size " + std::to_string(look.width) + "x" + std::to_string(look.height) +
                          ": H.264 needs an even width and height");

  // Cheap checks first: the audio opens and the output can be written, before the audio's first pass.
  std::unique_ptr<audio::AudioDecoder> sound;
  try {
    sound = std::make_unique<audio::AudioDecoder>(options.audio, kMp4AudioRate);
  } catch (const media::MediaError& e) {
    throw RenderFileError(std::string("cannot read the audio: ") + e.what());
  }
  std::unique_ptr<FrameSink> sink;
  try {
    sink = std::make_unique<FrameSink>(options, look.width, look.height);
  } catch (const media::MediaError& e) {
    throw RenderFileError(std::string("cannot write the output: ") + e.what());
  }
  std::unique_ptr<animate::ExpressionStream> codes;
  try {
    codes = std::make_unique<animate::ExpressionStream>(avatar, options.audio, options.fps);
  } catch (const audio::AudioError& e) {
    throw RenderFileError(std::string("cannot read the audio: ") + e.what());
  }
  if (codes->frame_count() == 0) throw RenderFileError("--audio " + options.audio + ": the file has no samples");
  if (!sink->is_mp4()) sound.reset();

  std::unique_ptr<player::AvatarPlayer> view;
  try {
    view = std::make_unique<player::AvatarPlayer>(context, avatar, look);
  } catch (const player::PlayerError& e) {
    throw RenderFileError(e.what());
  }
  std::vector<float> code(codes->code_dim()), samples;
  const std::size_t floats = static_cast<std::size_t>(look.width) * look.height * 4;
  int64_t samples_sent = 0, frames = 0;
  {
    SinkThread writer(*sink);
    for (; codes->next(code.data()); ++frames) {
      try {
        view->render(frames, options.fps, code.data());
      } catch (const player::PlayerError& e) {
        throw RenderFileError(e.what());
      }
      samples.clear();
      if (sound) {
        // The audio up to the end of this frame, counted in samples: the clock is the sample position.
        const int64_t until = (frames + 1) * kMp4AudioRate / options.fps;
        samples.resize(static_cast<std::size_t>(std::max<int64_t>(until - samples_sent, 0)));
        const std::size_t got = samples.empty() ? 0 : sound->read(samples.data(), samples.size());
        samples.resize(got);
        samples_sent += static_cast<int64_t>(got);
      }
      if (sink->takes_frames()) writer.push(frames, view->host_rgba(), floats, samples);
      if (progress) progress(frames + 1, codes->frame_count());
    }
    writer.drain();
  }
  if (sound) {
    samples.resize(4096);
    while (const std::size_t got = sound->read(samples.data(), samples.size())) sink->add_audio(samples.data(), got);
  }
  sink->finish();
  return frames;
}

}  // namespace being::offline
