// The side-by-side MP4 of bake eval: real | audio | tracked at three crops wide, one frame per
// validation frame (skipped ones included), with the validation audio.
#include "being/eval/side_by_side.h"

#include "being_test.h"
#include "media_tools.h"
#include "synthetic_pair.h"

namespace {

namespace fs = std::filesystem;
using namespace being;

TEST(EvalVideo, WritesRealAudioAndTrackedSideBySideWithSound) {
  const auto dir = test::scratch_dir("video");
  eval_test::PairOptions pair;
  pair.skipped_frame = 30;  // inside the first 10 validation frames (25..34)
  eval_test::write_pair(eval_test::synthetic_avatar(), dir / "a.avatar", dir / "dataset", pair);
  eval::EvalOptions options;
  options.landmarks = false;
  options.max_frames = 10;
  const auto result = eval::evaluate_with_video(dir / "a.avatar", dir / "dataset", options, dir / "side.mp4");
  EXPECT_EQ(result.frames + result.skipped, 10);
  EXPECT_EQ(result.skipped, 1);
  const auto streams = test::ffprobe_streams(dir / "side.mp4").at("streams");
  ASSERT_EQ(streams.size(), 2u);
  for (const auto& s : streams) {
    if (s.at("codec_type") == "video") {
      EXPECT_EQ(s.at("width"), 3 * pair.crop_size);
      EXPECT_EQ(s.at("height"), pair.crop_size);
      EXPECT_EQ(s.at("nb_read_frames"), "10");
    } else {
      EXPECT_EQ(s.at("codec_type"), "audio");
      EXPECT_NEAR(std::stod(s.at("duration").get<std::string>()), 0.4, 0.05);
    }
  }
}

}  // namespace
