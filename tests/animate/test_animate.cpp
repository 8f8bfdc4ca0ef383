// runtime/animate: the binding reproduces the stored neutral Gaussians, a rigidly moved triangle
// carries its Gaussians rigidly, streaming and whole-file expression codes are the same bits, and
// the test avatar's mouth opens at the frames where sound starts (0 +- 1 frame).
#include "being/animate/deform.h"
#include "being/animate/expression_stream.h"
#include "being/animate/live_expression.h"
#include "being/animate/pose.h"
#include "being_test.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace being::animate {
namespace {

namespace fs = std::filesystem;

const asset::Avatar& test_avatar() {
  static const asset::Avatar avatar = asset::read_avatar(BEING_TEST_AVATAR);
  return avatar;
}

// Rotation (unit quaternion x, y, z, w) applied to a vector.
std::array<double, 3> rotate(const double q[4], const std::array<double, 3>& v) {
  const double x = q[0], y = q[1], z = q[2], w = q[3];
  const double r[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
                       2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                       2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
  return {r[0] * v[0] + r[1] * v[1] + r[2] * v[2], r[3] * v[0] + r[4] * v[1] + r[5] * v[2],
          r[6] * v[0] + r[7] * v[1] + r[8] * v[2]};
}

std::array<double, 4> multiply(const double a[4], const float b[4]) {
  return {a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1], a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
          a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3], a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]};
}

// |q . p| = 1 when both are the same rotation (q and -q are).
double same_rotation(const float* q, const double* p) {
  return std::abs(q[0] * p[0] + q[1] * p[1] + q[2] * p[2] + q[3] * p[3]);
}

TEST(Deformer, CodeZeroReproducesTheStoredNeutralGaussians) {
  const auto& avatar = test_avatar();
  Deformer deformer(avatar);
  GaussianGeometry g;
  const std::vector<float> zero(avatar.face.expression_dim(), 0.0f);
  deformer.apply(zero.data(), g);
  const auto& n = avatar.gaussians;
  ASSERT_EQ(g.positions.size(), n.positions.size());
  std::set<int> groups;
  for (std::size_t i = 0; i < n.count(); ++i) {
    groups.insert(avatar.binding.groups[i]);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(g.positions[i * 3 + c], n.positions[i * 3 + c], 1e-6) << "Gaussian " << i;
      EXPECT_NEAR(g.log_scales[i * 3 + c], n.log_scales[i * 3 + c], 1e-5) << "Gaussian " << i;
    }
    const double stored[4] = {n.rotations[i * 4], n.rotations[i * 4 + 1], n.rotations[i * 4 + 2], n.rotations[i * 4 + 3]};
    EXPECT_NEAR(same_rotation(&g.rotations[i * 4], stored), 1.0, 1e-5) << "Gaussian " << i;
  }
  EXPECT_EQ(groups, (std::set<int>{0, 1, 2})) << "the test avatar has face, head-rigid and mouth Gaussians";
}

TEST(Deformer, ARigidlyMovedTriangleCarriesItsGaussiansRigidly) {
  asset::Avatar avatar = test_avatar();
  // Pick a mouth triangle (its Gaussians have a normal offset) and move its three vertices by a
  // rotation about an arbitrary axis plus a translation, through expression 0 of a new basis.
  uint32_t moved = asset::kNoTriangle;
  for (std::size_t i = 0; i < avatar.binding.groups.size(); ++i)
    if (avatar.binding.groups[i] == uint8_t(asset::GaussianGroup::mouth_interior)) moved = avatar.binding.triangles[i];
  ASSERT_NE(moved, asset::kNoTriangle);
  const double half = 0.3, axis[3] = {0.48, 0.6, 0.64};
  const double q[4] = {axis[0] * std::sin(half), axis[1] * std::sin(half), axis[2] * std::sin(half), std::cos(half)};
  const std::array<double, 3> shift = {0.01, -0.02, 0.005};
  auto& face = avatar.face;
  std::fill(face.expression_basis.begin(), face.expression_basis.end(), 0.0f);
  std::set<uint32_t> moved_vertices;
  for (int c = 0; c < 3; ++c) {
    const uint32_t v = face.triangles[moved * 3 + c];
    moved_vertices.insert(v);
    const std::array<double, 3> p = {face.vertices[v * 3], face.vertices[v * 3 + 1], face.vertices[v * 3 + 2]};
    const auto r = rotate(q, p);
    for (int d = 0; d < 3; ++d) face.expression_basis[v * 3 + d] = float(r[d] + shift[d] - p[d]);
  }
  Deformer deformer(avatar);
  GaussianGeometry rest, posed;
  std::vector<float> code(face.expression_dim(), 0.0f);
  deformer.apply(code.data(), rest);
  code[0] = 1.0f;
  deformer.apply(code.data(), posed);

  int carried = 0, untouched = 0;
  for (std::size_t i = 0; i < avatar.gaussians.count(); ++i) {
    const uint32_t t = avatar.binding.triangles[i];
    if (t == moved) {
      ++carried;
      const std::array<double, 3> p = {rest.positions[i * 3], rest.positions[i * 3 + 1], rest.positions[i * 3 + 2]};
      const auto r = rotate(q, p);
      for (int d = 0; d < 3; ++d) {
        EXPECT_NEAR(posed.positions[i * 3 + d], r[d] + shift[d], 2e-6);
        EXPECT_NEAR(posed.log_scales[i * 3 + d], rest.log_scales[i * 3 + d], 1e-5);
      }
      const auto expected = multiply(q, &rest.rotations[i * 4]);
      EXPECT_NEAR(same_rotation(&posed.rotations[i * 4], expected.data()), 1.0, 1e-5);
      continue;
    }
    bool shares_vertex = false;
    if (t != asset::kNoTriangle)
      for (int c = 0; c < 3; ++c) shares_vertex |= moved_vertices.count(face.triangles[t * 3 + c]) > 0;
    if (shares_vertex) continue;
    ++untouched;
    for (int d = 0; d < 3; ++d) ASSERT_EQ(posed.positions[i * 3 + d], rest.positions[i * 3 + d]) << "Gaussian " << i;
  }
  EXPECT_GT(carried, 0);
  EXPECT_GT(untouched, 1000);
}

// Mono 16-bit PCM WAV at `rate` Hz.
void write_wav(const fs::path& path, const std::vector<float>& samples, int rate) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4), u32(36 + bytes), out.write("WAVEfmt ", 8), u32(16), u16(1), u16(1);
  u32(rate), u32(rate * 2), u16(2), u16(16), out.write("data", 4), u32(bytes);
  for (float s : samples) u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(std::clamp(s, -1.0f, 1.0f) * 32767))));
}

// Silence with noisy tone bursts in [start, end) seconds: speech-like energy steps at known times.
std::vector<float> bursts(double seconds, const std::vector<std::pair<double, double>>& on, int rate = 16000) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> s(static_cast<std::size_t>(seconds * rate), 0.0f);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double t = double(i) / rate;
    for (const auto& [a, b] : on)
      if (t >= a && t < b) s[i] = 0.4f * float(std::sin(2 * 3.14159265358979 * 180 * t)) + noise(rng);
  }
  return s;
}

std::vector<float> stream_codes(const asset::Avatar& avatar, const fs::path& path, int fps) {
  ExpressionStream stream(avatar, path.string(), fps);
  std::vector<float> codes(static_cast<std::size_t>(stream.frame_count()) * stream.code_dim());
  std::size_t i = 0;
  while (stream.next(&codes[i])) i += stream.code_dim();
  EXPECT_EQ(i, codes.size());
  return codes;
}

TEST(ExpressionCodes, StreamingEqualsWholeFileBitForBit) {
  const auto dir = test::scratch_dir("animate_streaming");
  const auto wav = dir / "bursts.wav";
  write_wav(wav, bursts(7.3, {{0.5, 1.7}, {2.2, 2.25}, {3.0, 6.1}}), 16000);
  const auto samples = audio::decode_audio_file(wav.string(), 16000);

  asset::Avatar wide = test_avatar();
  wide.audio.context_before = 8;
  wide.audio.context_after = 8;
  // The first conv layer spans the whole window: widen its weights to the new window length.
  auto& conv = wide.networks[0].layers[0];
  const int64_t rows = mel_window(wide.audio).rows;
  wide.networks[0].tensors[0].shape = {1, conv.in, rows};
  wide.networks[0].tensors[0].data.assign(static_cast<std::size_t>(conv.in * rows) * 4, 0);
  for (int64_t b = 0; b < conv.in; ++b) {
    const float w = 0.01f;
    std::memcpy(&wide.networks[0].tensors[0].data[(b * rows + b % rows) * 4], &w, 4);
  }
  conv.kernel = rows;
  asset::Avatar raw = test_avatar();
  raw.audio.normalisation = asset::MelNormalisation::none;

  for (const asset::Avatar* avatar : {&test_avatar(), static_cast<const asset::Avatar*>(&wide), static_cast<const asset::Avatar*>(&raw)}) {
    for (int fps : {25, 30, 60}) {
      const auto whole = expression_codes(*avatar, samples, fps);
      const auto streamed = stream_codes(*avatar, wav, fps);
      ASSERT_EQ(whole.size(), static_cast<std::size_t>(frame_count(samples.size(), 16000, fps)));
      ASSERT_EQ(streamed.size(), whole.size()) << fps << " fps";
      for (std::size_t i = 0; i < whole.size(); ++i)
        ASSERT_EQ(std::memcmp(&whole[i], &streamed[i], 4), 0) << "frame " << i << " at " << fps << " fps: " << whole[i] << " vs " << streamed[i];
    }
  }
}

// First frame >= from whose code crosses 0.5 upwards (rising) or downwards.
int64_t crossing(const std::vector<float>& codes, int64_t from, bool rising) {
  for (int64_t i = std::max<int64_t>(from, 1); i < static_cast<int64_t>(codes.size()); ++i)
    if ((codes[i] > 0.5f) == rising && (codes[i - 1] > 0.5f) != rising) return i;
  return -1;
}

TEST(ExpressionCodes, TheMouthOpensAndClosesAtTheFramesOfTheSound) {
  const auto& avatar = test_avatar();
  const std::vector<std::pair<double, double>> on = {{1.0, 1.5}, {2.0, 2.4}};
  const auto samples = bursts(3.0, on);
  for (int fps : {25, 30, 60}) {
    const auto codes = expression_codes(avatar, samples, fps);
    ASSERT_EQ(codes.size(), static_cast<std::size_t>(3 * fps));
    // The code of time t sums up the avatar frame [t, t + 1/video_fps) (mel frames of that span),
    // so the tolerance is one avatar frame: one output frame at 25 fps, 2.4 at 60 fps.
    const double tolerance = fps / avatar.audio.video_fps;
    int64_t from = 0;
    for (const auto& [start, end] : on) {
      // Frame i shows time i / fps: the first frame at or after the start is the first open one,
      // the first at or after the end the first closed one.
      const int64_t open = crossing(codes, from, true), close = crossing(codes, open, false);
      EXPECT_NEAR(open, std::ceil(start * fps), tolerance) << fps << " fps, burst at " << start << " s";
      EXPECT_NEAR(close, std::ceil(end * fps), tolerance) << fps << " fps, burst ending at " << end << " s";
      from = close;
    }
    EXPECT_LT(codes[fps / 2], 0.2f);
    EXPECT_GT(codes[static_cast<std::size_t>(1.25 * fps)], 0.8f);
  }
}

TEST(ExpressionCodes, TheTestAvatarsJawFollowsTheLoudnessOfRealSpeech) {
  const auto path = test::shared_path("data/audio/en_male_jfk_11s.flac");
  BEING_REQUIRE_SHARED(path);
  const auto samples = audio::decode_audio_file(path.string(), 16000);
  const auto codes = expression_codes(test_avatar(), samples, 25);
  // Loudness of each frame's 40 ms in dB, against the code: they must rise and fall together
  // (0.90 measured).
  std::vector<double> loudness, code;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    double energy = 1e-10;
    for (std::size_t s = i * 640; s < std::min(samples.size(), (i + 1) * 640); ++s) energy += samples[s] * samples[s];
    loudness.push_back(10 * std::log10(energy));
    code.push_back(codes[i]);
  }
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
  const double ml = mean(loudness), mc = mean(code);
  double cov = 0, vl = 0, vc = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    cov += (loudness[i] - ml) * (code[i] - mc);
    vl += (loudness[i] - ml) * (loudness[i] - ml);
    vc += (code[i] - mc) * (code[i] - mc);
  }
  EXPECT_GT(cov / std::sqrt(vl * vc), 0.7) << "correlation of jaw opening and loudness";
  EXPECT_LT(*std::min_element(code.begin(), code.end()), 0.2) << "the mouth closes in pauses";
  EXPECT_GT(*std::max_element(code.begin(), code.end()), 0.8) << "and opens wide on loud syllables";
}

TEST(ExpressionCodes, WindowCoversTheContextAroundEachFrame) {
  const MelWindow w = mel_window(test_avatar().audio);
  EXPECT_EQ(w.mel_per_frame, 4);
  EXPECT_EQ(w.rows, 20);
  EXPECT_EQ(w.first(10, 25), 40 - 8);
  EXPECT_EQ(w.first(10, 50), 20 - 8);  // t = 0.2 s at 50 fps
  EXPECT_EQ(w.centre(1, 30), 3);       // t = 33.3 ms: mel frame 3 (30 ms) is nearest
}

TEST(Pose, TheIdleLoopRunsAtItsOwnRateAndWraps) {
  const auto& idle = test_avatar().idle;  // 8 frames at 12.5 fps
  ASSERT_EQ(idle.frame_count(), 8u);
  EXPECT_EQ(idle_frame(0, 25, idle), 0u);
  EXPECT_EQ(idle_frame(1, 25, idle), 0u);
  EXPECT_EQ(idle_frame(2, 25, idle), 1u);
  EXPECT_EQ(idle_frame(15, 25, idle), 7u);
  EXPECT_EQ(idle_frame(16, 25, idle), 0u);
  EXPECT_EQ(idle_frame(12, 30, idle), 5u);  // t = 0.4 s
  EXPECT_EQ(idle_frame(1000, 60, idle), 0u);  // floor(1000 * 12.5 / 60) = 208 = 26 loops
}

TEST(Pose, HeadToCameraIsTheIdlePose) {
  const auto& idle = test_avatar().idle;
  double view[16];
  head_to_camera(idle, 3, view);
  // The pose maps the head-space origin to t and keeps lengths (a rotation).
  for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(view[k * 4 + 3], idle.translations[3 * 3 + k]);
  for (int col = 0; col < 3; ++col) {
    const double n = view[col] * view[col] + view[4 + col] * view[4 + col] + view[8 + col] * view[8 + col];
    EXPECT_NEAR(n, 1.0, 1e-6);
  }
  // The face (+z in head space) looks at the camera (-z in camera space).
  EXPECT_LT(view[2 * 4 + 2], -0.9);
  EXPECT_EQ(view[15], 1.0);
}

TEST(ExpressionCodes, AnAvatarWithoutAnAudioEncoderIsRejected) {
  asset::Avatar avatar = test_avatar();
  avatar.networks[0].name = "something_else";
  EXPECT_THROW(ExpressionEncoder{avatar}, asset::AssetError);
  avatar = test_avatar();
  avatar.face.expression_names.push_back("extra");
  EXPECT_THROW(ExpressionEncoder{avatar}, asset::AssetError);
}

TEST(ExpressionCodes, AMissingFileIsAnAudioError) {
  EXPECT_THROW(ExpressionStream(test_avatar(), "/no/such/file.wav", 25), audio::AudioError);
}

// Codes of every frame of `samples` pushed live in chunks of `chunk`, then zeros after the end until
// the last frame's look-ahead is covered.
std::vector<float> live_codes(const asset::Avatar& avatar, const std::vector<float>& samples, const LiveOptions& options,
                              std::size_t chunk) {
  LiveExpression live(avatar, options);
  const int64_t frames = frame_count(static_cast<int64_t>(samples.size()), avatar.audio.sample_rate, options.fps);
  std::vector<float> codes(static_cast<std::size_t>(frames) * live.code_dim());
  const std::vector<float> zeros(chunk, 0.0f);
  std::size_t pushed = 0;
  while (live.next_frame() < frames) {
    float* out = &codes[static_cast<std::size_t>(live.next_frame()) * live.code_dim()];
    if (live.next(out)) continue;
    const std::size_t n = pushed < samples.size() ? std::min(chunk, samples.size() - pushed) : chunk;
    live.push(pushed < samples.size() ? &samples[pushed] : zeros.data(), n);
    pushed += n;
  }
  return codes;
}

TEST(LiveExpression, ChunkSizesDoNotChangeTheCodes) {
  const auto samples = bursts(2.0, {{0.4, 1.1}});
  const auto reference = live_codes(test_avatar(), samples, {}, 4096);
  for (std::size_t chunk : {1, 37, 160, 1000})
    EXPECT_EQ(live_codes(test_avatar(), samples, {}, chunk), reference) << "chunk " << chunk;
}

TEST(LiveExpression, AFrameIsReadyExactlyWhenItsLookAheadHasArrived) {
  const auto& avatar = test_avatar();
  for (int look_ahead : {0, 1, avatar.audio.context_after}) {
    LiveOptions options;
    options.fps = 30;
    options.look_ahead_frames = look_ahead;
    LiveExpression live(avatar, options);
    const MelWindow w = mel_window(avatar.audio);
    const float zero = 0.0f;
    for (int64_t n = 1; n <= 8000; ++n) {
      live.push(&zero, 1);
      // Mel frame j is complete once sample j*hop + window/2 - 1 has arrived.
      const int64_t rows = (n - avatar.audio.window / 2) / avatar.audio.hop + 1;
      int64_t expected = 0;
      while (w.centre(expected, options.fps) + int64_t(look_ahead) * w.mel_per_frame + w.mel_per_frame - 1 < rows) ++expected;
      if (n % 97 == 0 || n == 8000) ASSERT_EQ(live.frames_ready(), expected) << "after " << n << " samples, look-ahead " << look_ahead;
    }
    const double expected_seconds = ((look_ahead + 1.0) * w.mel_per_frame - 1) * avatar.audio.hop / avatar.audio.sample_rate +
                                    avatar.audio.window / 2.0 / avatar.audio.sample_rate;
    EXPECT_DOUBLE_EQ(live.look_ahead_seconds(), expected_seconds);
  }
}

TEST(LiveExpression, ACodeDoesNotDependOnAudioBeyondItsLookAhead) {
  const auto& avatar = test_avatar();
  LiveOptions options;
  options.fps = 25;
  options.look_ahead_frames = 1;
  const auto quiet = bursts(2.0, {{0.2, 0.6}});
  auto loud = quiet;
  for (std::size_t i = 16000; i < loud.size(); ++i) loud[i] = 0.5f * std::sin(float(i) * 0.3f);
  const auto a = live_codes(avatar, quiet, options, 320), b = live_codes(avatar, loud, options, 320);
  // Frame i reads audio up to (i + 1 + look-ahead) / 25 s plus half a mel window: frames up to 23
  // end before the change at 1.0 s.
  for (int i = 0; i <= 23; ++i) EXPECT_EQ(a[i], b[i]) << "frame " << i;
  EXPECT_NE(std::vector<float>(a.begin() + 26, a.end()), std::vector<float>(b.begin() + 26, b.end()));
}

TEST(LiveExpression, WithoutNormalisationAndTheFullLookAheadItEqualsTheFileForm) {
  asset::Avatar avatar = test_avatar();
  avatar.audio.normalisation = asset::MelNormalisation::none;
  const auto samples = bursts(2.0, {{0.3, 0.9}, {1.2, 1.6}});
  for (int fps : {25, 60}) {
    LiveOptions options;
    options.fps = fps;
    const auto file = expression_codes(avatar, samples, fps);
    const auto live = live_codes(avatar, samples, options, 512);
    ASSERT_EQ(live.size(), file.size());
    // Past the end the live stream was fed zeros, which is what the file form assumes too, except
    // that a zero sample's log-mel is the floor, not the zero row; so compare frames whose window
    // ends inside the audio.
    const int64_t inside = frame_count(16000 * 2 - 2000, 16000, fps);
    for (int64_t i = 0; i < inside; ++i) EXPECT_EQ(live[i], file[i]) << fps << " fps, frame " << i;
  }
}

TEST(LiveExpression, TheMouthOpensAndClosesAtTheFramesOfTheSoundWithRunningStatistics) {
  const auto& avatar = test_avatar();
  const std::vector<std::pair<double, double>> on = {{1.0, 1.5}, {2.0, 2.4}, {3.0, 3.6}};
  const auto samples = bursts(4.0, on);
  for (int fps : {25, 60}) {
    LiveOptions options;
    options.fps = fps;
    const auto codes = live_codes(avatar, samples, options, 800);
    const double tolerance = fps / avatar.audio.video_fps;
    int64_t from = 0;
    for (const auto& [start, end] : on) {
      const int64_t open = crossing(codes, from, true), close = crossing(codes, open, false);
      EXPECT_NEAR(open, std::ceil(start * fps), tolerance) << fps << " fps, burst at " << start << " s";
      EXPECT_NEAR(close, std::ceil(end * fps), tolerance) << fps << " fps, burst ending at " << end << " s";
      from = close;
    }
  }
}

TEST(LiveExpression, ALongSilenceKeepsTheMouthClosedAndTheNextWordsOpenIt) {
  const auto& avatar = test_avatar();
  LiveOptions options;
  options.fps = 25;
  const auto samples = bursts(31.0, {{1.0, 2.0}, {30.0, 30.6}});
  const auto codes = live_codes(avatar, samples, options, 1600);
  // 27 s of silence after the first word: far longer than the 10 s statistics time constant.
  float loudest_silence = 0;
  for (int i = 3 * 25; i < 30 * 25 - 2; ++i) loudest_silence = std::max(loudest_silence, codes[i]);
  EXPECT_LT(loudest_silence, 0.3f);
  EXPECT_NEAR(crossing(codes, 30 * 25 - 5, true), 30 * 25, 1);
}

TEST(LiveExpression, LatestSkipsToTheNewestReadyFrame) {
  const auto& avatar = test_avatar();
  LiveExpression live(avatar, {});
  std::vector<float> code(live.code_dim());
  EXPECT_EQ(live.latest(code.data()), -1);
  const auto samples = bursts(1.0, {{0.2, 0.8}});
  live.push(samples.data(), samples.size());
  const int64_t ready = live.frames_ready();
  ASSERT_GT(ready, 10);
  EXPECT_EQ(live.latest(code.data()), ready - 1);
  EXPECT_EQ(live.next_frame(), ready);
  EXPECT_EQ(live.latest(code.data()), -1);
  EXPECT_FALSE(live.next(code.data()));
}

TEST(LiveExpression, BadOptionsAreRejected) {
  LiveOptions options;
  options.fps = 0;
  EXPECT_THROW(LiveExpression(test_avatar(), options), std::invalid_argument);
  options = {};
  options.look_ahead_frames = test_avatar().audio.context_after + 1;
  EXPECT_THROW(LiveExpression(test_avatar(), options), std::invalid_argument);
  options = {};
  options.normalisation_seconds = 0;
  EXPECT_THROW(LiveExpression(test_avatar(), options), std::invalid_argument);
}

}  // namespace
}  // namespace being::animate
