// bake eval on a dataset and avatar that agree by construction (synthetic_pair.h): the tracked drive
// reproduces the frames, the mouth follows, the A/V offset is 0; a shifted avatar scores clearly
// worse; the face box and the torso plate are the ones the protocol names; bad inputs are refused
// with messages that say what is wrong.
#include "being/eval/evaluate.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "being/dataset/dataset.h"
#include "being/eval/metrics.h"
#include "being/train/train.h"
#include "being_test.h"
#include "synthetic_pair.h"

namespace {

namespace fs = std::filesystem;
using namespace being;
using namespace being::eval;

constexpr int kSkipped = 60;

struct Pair {
  fs::path dir, avatar, dataset;
};

const Pair& pair() {
  static const Pair p = [] {
    Pair p;
    p.dir = test::scratch_dir("synthetic_pair");
    p.avatar = p.dir / "synthetic.avatar";
    p.dataset = p.dir / "dataset";
    eval_test::PairOptions options;
    options.skipped_frame = kSkipped;
    eval_test::write_pair(eval_test::synthetic_avatar(), p.avatar, p.dataset, options);
    return p;
  }();
  return p;
}

std::string error_of(const fs::path& avatar, const fs::path& dataset) {
  EvalOptions options;
  options.landmarks = false;
  try {
    evaluate(avatar, dataset, options);
  } catch (const EvalError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Eval, TheTrackedDriveReproducesAMatchingDataset) {
  const auto dir = test::scratch_dir("out");
  EvalOptions options;
  options.json = dir / "eval.json";
  options.contact_sheet = dir / "sheet.png";
  const EvalResult r = evaluate(pair().avatar, pair().dataset, options);
  std::cout << summary(r);
  EXPECT_EQ(r.frames, 74);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_GT(r.tracked.psnr, 40.0);
  EXPECT_GT(r.tracked.face_psnr, 38.0);
  EXPECT_GT(r.tracked.ssim, 0.98);
  EXPECT_GT(r.tracked.landmark_frames, 70);
  EXPECT_LT(r.tracked.lmd_px, 1.0);
  EXPECT_GT(r.tracked.mouth_correlation, 0.9);
  EXPECT_NEAR(r.tracked.av_offset_frames, 0.0, 1.0);
  EXPECT_GT(r.tracked.av_correlation, 0.5);
  EXPECT_NEAR(r.real_av_offset_frames, 0.0, 1.0);
  // The audio encoder gets the jaw from the loudness only roughly: worse than tracked, but it follows.
  EXPECT_LT(r.audio.psnr, r.tracked.psnr);
  EXPECT_GT(r.audio.mouth_correlation, 0.5);
  EXPECT_NEAR(r.audio.av_offset_frames, 0.0, 1.0);

  std::ifstream in(options.json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("frames"), 74);
  EXPECT_NEAR(j.at("tracked").at("psnr_db").get<double>(), r.tracked.psnr, 1e-9);
  EXPECT_TRUE(j.at("audio").contains("mouth_opening_correlation"));
  ASSERT_EQ(j.at("per_frame").size(), 74u);
  EXPECT_EQ(j.at("per_frame")[0].at("frame"), 25);
  EXPECT_EQ(j.at("per_frame")[40].at("frame"), 66);  // frame 60 was skipped
  EXPECT_EQ(r.per_frame[40].tracked_psnr, j.at("per_frame")[40].at("tracked_psnr_db").get<double>());
  EXPECT_GT(fs::file_size(options.contact_sheet), 1000u);
}

TEST(Eval, AShiftedAvatarScoresClearlyWorse) {
  const auto dir = test::scratch_dir("shifted");
  write_avatar(eval_test::shifted(eval_test::synthetic_avatar()), dir / "shifted.avatar");
  EvalOptions options;
  options.landmarks = false;
  options.max_frames = 20;
  const EvalResult good = evaluate(pair().avatar, pair().dataset, options);
  const EvalResult bad = evaluate(dir / "shifted.avatar", pair().dataset, options);
  EXPECT_EQ(good.frames, 20);
  EXPECT_LT(bad.tracked.psnr, good.tracked.psnr - 10.0);
  EXPECT_LT(bad.tracked.face_psnr, good.tracked.face_psnr - 10.0);
  EXPECT_LT(bad.tracked.face_ssim, good.tracked.face_ssim - 0.1);
  EXPECT_TRUE(std::isnan(good.tracked.lmd_px));
  EXPECT_TRUE(std::isnan(good.real_av_offset_frames));
}

// The runtime's deformation (what eval renders with) and the trainer's own renderer must agree: an
// avatar is judged as it will play. The shifted avatar keeps the PSNRs away from 8-bit rounding.
TEST(Eval, TheTrackedPsnrIsTheTrainersHeldOutPsnr) {
  const auto dir = test::scratch_dir("trainer");
  const asset::Avatar avatar = eval_test::shifted(eval_test::synthetic_avatar());
  write_avatar(avatar, dir / "shifted.avatar");
  EvalOptions options;
  options.landmarks = false;
  options.max_frames = 8;
  const EvalResult r = evaluate(dir / "shifted.avatar", pair().dataset, options);
  const dataset::Dataset data(pair().dataset);
  const train::FrameRenderer trainer(avatar, data);
  ASSERT_EQ(r.per_frame.size(), 8u);
  for (const auto& f : r.per_frame) {
    const auto& codes = data.tracks().expression;
    const std::vector<float> code(codes.begin() + f.frame * 2, codes.begin() + f.frame * 2 + 2);
    const double expected = train::psnr(trainer.render(f.frame, code), trainer.target(f.frame));
    EXPECT_NEAR(f.tracked_psnr, expected, 0.05) << "frame " << f.frame;
  }
}

TEST(Eval, TheFaceBoxIsTheLandmarksBoxInTheCropGrownTenPercent) {
  const dataset::Dataset data(pair().dataset);
  const int n = 80;
  const auto& t = data.tracks();
  const float* crop = &t.crop[n * 3];
  const double s = data.manifest().crop_size / crop[2];
  double lo_x = 1e9, hi_x = -1e9, lo_y = 1e9, hi_y = -1e9;
  for (int i = 0; i < dataset::kMeshVertices; ++i) {
    const double x = (t.landmarks[(n * dataset::kLandmarks + i) * 3] - crop[0]) * s;
    const double y = (t.landmarks[(n * dataset::kLandmarks + i) * 3 + 1] - crop[1]) * s;
    lo_x = std::min(lo_x, x), hi_x = std::max(hi_x, x), lo_y = std::min(lo_y, y), hi_y = std::max(hi_y, y);
  }
  const Box box = face_box(data, n);
  EXPECT_NEAR(box.x0, lo_x - 0.05 * (hi_x - lo_x), 0.5);
  EXPECT_NEAR(box.x1, hi_x + 0.05 * (hi_x - lo_x), 0.5);
  EXPECT_NEAR(box.y0, lo_y - 0.05 * (hi_y - lo_y), 0.5);
  EXPECT_NEAR(box.y1, hi_y + 0.05 * (hi_y - lo_y), 0.5);
  EXPECT_GT(box.width(), 40);
  // The rendered face lies inside it: every pixel it covers more than half.
  const auto alpha = data.alpha(n);
  for (int y = 0; y < alpha.height; ++y)
    for (int x = 0; x < alpha.width; ++x)
      if (alpha.pixels[y * alpha.width + x] > 128) {
        ASSERT_TRUE(x >= box.x0 - 1 && x < box.x1 + 1 && y >= box.y0 - 1 && y < box.y1 + 1) << x << "," << y;
      }
}

TEST(Eval, TheTorsoPlateReplacesTheHeadWithTheBackground) {
  const dataset::Dataset data(pair().dataset);
  const int n = 77;
  const auto bg = crop_background(data.background(), &data.tracks().crop[n * 3], data.manifest().crop_size);
  const auto plate = torso_plate(data, n, bg);
  const auto frame = data.frame(n), labels = data.labels(n);
  int head = 0, far = 0, head_off = 0, far_off = 0;
  for (int i = 0; i < plate.width * plate.height; ++i)
    for (int c = 0; c < 3; ++c) {
      const bool is_head = labels.pixels[i] == 3;
      (is_head ? head : far) += 1;
      (is_head ? head_off : far_off) += plate.rgb[i * 3 + c] != (is_head ? bg.rgb[i * 3 + c] : frame.pixels[i * 3 + c]);
    }
  EXPECT_EQ(head_off, 0);
  EXPECT_EQ(far_off, 0);
  EXPECT_GT(head, 1000);
  EXPECT_GT(far, 1000);
  // The face differs from the background plate where the head was.
  EXPECT_LT(psnr(plate, [&] {
              draw::Image f;
              f.width = frame.width, f.height = frame.height, f.rgb = frame.pixels;
              return f;
            }(), face_box(data, n)),
            25.0);
}

TEST(Eval, BadInputsAreRefusedWithClearMessages) {
  const auto dir = test::scratch_dir("bad");
  EXPECT_NE(error_of(pair().avatar, dir / "nowhere").find("no dataset folder"), std::string::npos);
  const std::string missing = error_of(dir / "missing.avatar", pair().dataset);
  EXPECT_NE(missing.find("no avatar file"), std::string::npos) << missing;
  EXPECT_NE(missing.find("bake train"), std::string::npos) << missing;

  std::ofstream(dir / "broken.avatar") << "not a glb";
  EXPECT_NE(error_of(dir / "broken.avatar", pair().dataset).find("cannot read the avatar"), std::string::npos);

  asset::Avatar wide = eval_test::synthetic_avatar();
  wide.face.expression_names.push_back("pca_2");
  const std::size_t per_code = wide.face.expression_basis.size() / 2;
  wide.face.expression_basis.resize(wide.face.expression_basis.size() + per_code, 0.0f);
  auto& net = wide.networks.front();
  net.output_dim = 3;
  net.layers.front().out = 3;
  for (auto& t : net.tensors) {
    t.shape.front() = 3;
    t.data.resize(t.data.size() / 2 * 3, 0);
  }
  write_avatar(wide, dir / "wide.avatar");
  const std::string mismatch = error_of(dir / "wide.avatar", pair().dataset);
  EXPECT_NE(mismatch.find("has 3 expression codes but the dataset"), std::string::npos) << mismatch;

  asset::Avatar mute = eval_test::synthetic_avatar();
  mute.networks.clear();
  write_avatar(mute, dir / "mute.avatar");
  const std::string no_encoder = error_of(dir / "mute.avatar", pair().dataset);
  EXPECT_NE(no_encoder.find("cannot drive from audio"), std::string::npos) << no_encoder;

  EvalOptions gpu;
  gpu.device = "tpu";
  EXPECT_THROW(evaluate(pair().avatar, pair().dataset, gpu), EvalError);
}

}  // namespace
