#include "being/tracking/idle_loop.h"

#include "being_test.h"

#include <cmath>
#include <random>

using namespace being::tracking;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFps = 25.0;
constexpr int kPeriod = 70;  // frames: 2.8 s

// Head sway and nodding that repeat every kPeriod frames, a mouth that opens and closes within the
// period, and a little tracking noise.
struct Motion {
  std::vector<HeadPose> poses;
  std::vector<double> mouth;
  std::vector<bool> valid;
};

Motion periodic_motion(int frames) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.002);
  Motion m;
  for (int i = 0; i < frames; ++i) {
    const double phase = 2.0 * kPi * i / kPeriod;
    HeadPose p;
    p.rotation = {0.15 * std::sin(phase) + noise(rng), 0.25 * std::sin(phase + 1.0) + noise(rng), 0.05 * std::cos(2 * phase)};
    p.translation = {1.5 * std::cos(phase), 0.5 * std::sin(2 * phase), 60.0 + std::sin(phase)};
    m.poses.push_back(p);
    m.mouth.push_back(0.5 + 0.5 * std::sin(2 * phase + 0.3));
    m.valid.push_back(true);
  }
  return m;
}

}  // namespace

TEST(IdleLoop, APeriodicMotionLoopsOverWholePeriods) {
  const Motion m = periodic_motion(900);
  const IdleLoop loop = choose_idle_loop(m.poses, m.mouth, m.valid, kFps);
  const int length = loop.end - loop.start;
  EXPECT_EQ(length % kPeriod, 0) << "loop [" << loop.start << ", " << loop.end << ")";
  EXPECT_GE(length, 4.0 * kFps);
  EXPECT_LE(length, 10.0 * kFps);
  EXPECT_LT(loop.seam_cost_deg, 1.0);
  // Of the seamless starts, one with the mouth nearly closed.
  EXPECT_LT(m.mouth[loop.start], 0.1);
}

TEST(IdleLoop, StaysInItsRangeAndAvoidsInvalidFrames) {
  Motion m = periodic_motion(900);
  IdleLoopOptions options;
  options.range_begin = 100;
  options.range_end = 600;
  for (int i = 100; i < 600; i += 50) m.valid[i] = false;  // only runs of 49 valid frames: too short
  EXPECT_THROW(choose_idle_loop(m.poses, m.mouth, m.valid, kFps, options), std::invalid_argument);
  for (int i = 100; i < 600; i += 50) m.valid[i] = i >= 300;  // now invalid up to frame 250 only
  const IdleLoop loop = choose_idle_loop(m.poses, m.mouth, m.valid, kFps, options);
  EXPECT_GE(loop.start, 251);
  EXPECT_LT(loop.end, 600);
  EXPECT_EQ((loop.end - loop.start) % kPeriod, 0);
}

TEST(IdleLoop, PrefersMatchingVelocityToMatchingPoseAlone) {
  // A head swinging back and forth: the same pose comes back every half period, but moving the other
  // way; only whole periods continue the motion.
  std::vector<HeadPose> poses;
  const int period = 110;
  for (int i = 0; i < 800; ++i) {
    HeadPose p;
    p.rotation = {0.0, 0.4 * std::sin(2.0 * kPi * i / period), 0.0};
    p.translation = {0.0, 0.0, 60.0};
    poses.push_back(p);
  }
  const IdleLoop loop = choose_idle_loop(poses, {}, std::vector<bool>(poses.size(), true), kFps);
  EXPECT_EQ((loop.end - loop.start) % period, 0) << "loop [" << loop.start << ", " << loop.end << ")";
}

TEST(IdleLoop, RejectsInputsItCannotUse) {
  const Motion m = periodic_motion(300);
  EXPECT_THROW(choose_idle_loop(m.poses, m.mouth, std::vector<bool>(10, true), kFps), std::invalid_argument);
  EXPECT_THROW(choose_idle_loop(m.poses, m.mouth, m.valid, 0.0), std::invalid_argument);
  IdleLoopOptions options;
  options.range_end = 400;
  EXPECT_THROW(choose_idle_loop(m.poses, m.mouth, m.valid, kFps, options), std::invalid_argument);
  options.range_end = -1;
  options.min_seconds = 20.0;
  options.max_seconds = 30.0;
  EXPECT_THROW(choose_idle_loop(m.poses, m.mouth, m.valid, kFps, options), std::invalid_argument);
}
