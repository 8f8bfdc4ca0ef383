// scratch_dir gives each test its own folder: two tests that asked for the same name (as the face
// tests did for their decoded frames) cleared each other's files when ctest ran them in parallel.
#include "being_test.h"

namespace {

TEST(ScratchDir, LivesUnderTheRunningTestsOwnFolder) {
  const auto dir = being::test::scratch_dir("video_frames_512x512");
  EXPECT_EQ(dir.filename(), "video_frames_512x512");
  EXPECT_EQ(dir.parent_path().filename(), "ScratchDir.LivesUnderTheRunningTestsOwnFolder");
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
