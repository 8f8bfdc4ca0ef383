// One progress bar per stage on stderr: stage, bar, count, rate and time left; a new stage starts a
// new line.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace bake {

class ProgressBar {
 public:
  void operator()(const std::string& stage, int done, int total, const std::string& note = "") {
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_) {
      end();
      stage_ = stage;
      started_ = now;
      last_ = {};
    } else if (done != total && now - last_ < std::chrono::milliseconds(200)) {
      return;
    }
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0;
    constexpr int kWidth = 30;
    const int filled = total > 0 ? std::min(kWidth, done * kWidth / total) : 0;
    const double left = rate > 0 && total > done ? (total - done) / rate : 0;
    std::fprintf(stderr, "\r%-9s [%s%s] %d/%d  %.1f/s  ETA %d:%02d %s", stage.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total, rate, static_cast<int>(left) / 60,
                 static_cast<int>(left) % 60, note.c_str());
  }
  // A line of its own under the bar; the stage's timing goes on.
  void note(const std::string& text) {
    std::fprintf(stderr, "%snote: %s\n", stage_.empty() ? "" : "\n", text.c_str());
  }
  void end() {
    if (!stage_.empty()) std::fprintf(stderr, "\n");
    stage_.clear();
  }

 private:
  std::string stage_;
  std::chrono::steady_clock::time_point started_, last_;
};

}  // namespace bake
