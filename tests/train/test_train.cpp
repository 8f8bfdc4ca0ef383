// The trainer on a real dataset (`bake ingest` of may_5s.mp4 at 128 px, made once per build tree):
// it learns (held-out PSNR with tracked codes well above the untrained model's), a killed run
// resumes from its checkpoint to the same result, the export reads back and its neutral Gaussians
// are the runtime's binding on the mean mesh, and bad inputs fail before training with clear messages.
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "being/animate/deform.h"
#include "being/asset/avatar.h"
#include "being/dataset/dataset.h"
#include "being/train/train.h"
#include "being_test.h"
#include "media_tools.h"

namespace {

namespace fs = std::filesystem;
using being::train::TrainError;
using being::train::TrainOptions;

// The may_5s dataset at 128 px, ingested by the first test that needs it (ctest runs the tests as
// parallel processes: a file lock makes the others wait; a re-run reuses the finished dataset).
fs::path may_dataset() {
  const fs::path video = being::test::shared_path("data/videos/may_5s.mp4");
  if (!fs::exists(video)) throw std::runtime_error("missing shared data file " + video.string());
  const fs::path root = being::test::env_or("BEING_BINARY_DIR", BEING_TEST_BINARY_DIR) / "test-scratch" / "train-may128";
  fs::create_directories(root);
  const int lock = ::open((root / "lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + (root / "lock").string());
  const fs::path dir = root / "dataset";
  const auto [code, output] =
      being::test::run_command(std::string(BAKE_EXECUTABLE) + " ingest '" + video.string() + "' -o '" + dir.string() + "' --size 128");
  ::close(lock);
  if (code != 0) throw std::runtime_error("bake ingest failed: " + output);
  return dir;
}

TrainOptions tiny(const fs::path& work) {
  TrainOptions o;
  o.config = "tiny";
  o.device = "cpu";
  o.work = work;
  return o;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Up to `count` valid validation frames spread evenly, as the trainer picks them.
std::vector<int> validation_frames(const being::dataset::Dataset& data, int count) {
  std::vector<int> valid;
  for (int n = data.manifest().validation.begin; n < data.manifest().validation.end; ++n)
    if (data.tracks().valid[n]) valid.push_back(n);
  std::vector<int> out;
  for (int i = 0; i < count && i < static_cast<int>(valid.size()); ++i)
    out.push_back(valid[static_cast<int>(valid.size()) <= count ? i : i * valid.size() / count]);
  return out;
}

TEST(TrainTiny, BeatsTheUntrainedModelOnHeldOutFramesWithTrackedCodes) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const fs::path data_dir = may_dataset();
  const fs::path dir = being::test::scratch_dir("learn");
  int calls = 0, last = 0;
  const auto result = being::train::train_avatar(data_dir, dir / "may.avatar", tiny(dir / "work"), [&](const auto& p) {
    ++calls;
    EXPECT_GT(p.iteration, last);
    EXPECT_TRUE(std::isfinite(p.loss) && p.loss > 0);
    EXPECT_GE(p.eta_s, 0);
    last = p.iteration;
  });
  EXPECT_EQ(result.iterations, 150);
  EXPECT_EQ(result.resumed_from, 0);
  EXPECT_EQ(result.device, "cpu");
  EXPECT_EQ(last, 150);
  EXPECT_GE(calls, 10);
  EXPECT_GT(result.gaussians, 1000);
  EXPECT_LE(result.gaussians, 2000);
  // Measured on may_5s at 128 px: 19.0 dB untrained, 30.0 dB after the tiny schedule (+11.0).
  EXPECT_GT(result.validation_psnr_tracked, result.validation_psnr_initial + 5.5)
      << result.validation_psnr_initial << " -> " << result.validation_psnr_tracked;
  EXPECT_GT(result.train_psnr, result.validation_psnr_initial + 5.5);

  // The evaluation hook renders the exported avatar as the trainer rendered its model.
  const being::dataset::Dataset data(data_dir);
  const being::train::FrameRenderer renderer(being::asset::read_avatar(dir / "may.avatar"), data);
  const int k = data.manifest().expression.components;
  double sum = 0;
  const auto frames = validation_frames(data, 12);
  for (int n : frames) {
    const std::vector<float> code(&data.tracks().expression[n * k], &data.tracks().expression[(n + 1) * k]);
    const auto image = renderer.render(n, code);
    ASSERT_EQ(image.width, 128);
    ASSERT_EQ(image.rgb.size(), 128u * 128u * 3u);
    sum += being::train::psnr(image, renderer.target(n));
  }
  EXPECT_NEAR(sum / frames.size(), result.validation_psnr_tracked, 0.05);
  EXPECT_THROW(renderer.render(data.frames(), std::vector<float>(k)), TrainError);
  EXPECT_THROW(renderer.render(0, std::vector<float>(k + 1)), TrainError);
}

TEST(TrainTiny, AKilledRunResumesFromItsCheckpointToTheSameResult) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const fs::path data_dir = may_dataset();
  const fs::path dir = being::test::scratch_dir("resume");
  TrainOptions o = tiny(dir / "work");
  o.iterations = 60;
  o.checkpoint_every = 20;
  struct Killed {};
  EXPECT_THROW(being::train::train_avatar(data_dir, dir / "resumed.avatar", o,
                                          [](const auto& p) {
                                            if (p.iteration == 40) throw Killed{};
                                          }),
               Killed);
  EXPECT_FALSE(fs::exists(dir / "resumed.avatar"));
  std::string note;
  o.message = [&](const std::string& line) { note += line + "\n"; };
  const auto resumed = being::train::train_avatar(data_dir, dir / "resumed.avatar", o);
  EXPECT_EQ(resumed.resumed_from, 40);
  EXPECT_EQ(resumed.iterations, 60);
  EXPECT_NE(note.find("resuming from the checkpoint at iteration 40"), std::string::npos) << note;
  int tensor_files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "work"))
    tensor_files += entry.path().filename().string().rfind("checkpoint-", 0) == 0;
  EXPECT_EQ(tensor_files, 1) << "older checkpoints are removed once a newer one is recorded";

  TrainOptions straight = tiny(dir / "work-straight");
  straight.iterations = 60;
  straight.checkpoint_every = 20;
  const auto whole = being::train::train_avatar(data_dir, dir / "straight.avatar", straight);
  EXPECT_EQ(whole.resumed_from, 0);
  EXPECT_EQ(read_bytes(dir / "resumed.avatar"), read_bytes(dir / "straight.avatar"));

  // The same work folder with other options is refused rather than mixed.
  o.max_gaussians = 1500;
  try {
    being::train::train_avatar(data_dir, dir / "other.avatar", o);
    ADD_FAILURE() << "trained over a checkpoint of other options";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("holds a checkpoint of other options"), std::string::npos) << e.what();
  }
}

TEST(TrainTiny, ExportReadsBackAndItsNeutralGaussiansAreTheBindingOnTheMeanMesh) {
  BEING_REQUIRE_SHARED(being::test::shared_path("data/videos/may_5s.mp4"));
  const fs::path data_dir = may_dataset();
  const fs::path dir = being::test::scratch_dir("export");
  TrainOptions o = tiny(dir / "work");
  o.iterations = 20;
  // Any well-formed network stands in for the audio helper's encoder here.
  being::asset::Network encoder;
  encoder.name = "anything";
  encoder.input_dim = 80;
  encoder.output_dim = 32;
  being::asset::Layer linear;
  linear.type = being::asset::LayerType::linear;
  linear.in = 80, linear.out = 32;
  encoder.layers = {linear};
  for (const auto& spec : being::asset::expected_tensors(encoder)) {
    being::asset::Tensor t;
    t.name = spec.name;
    t.shape = spec.shape;
    std::size_t n = 1;
    for (auto d : spec.shape) n *= static_cast<std::size_t>(d);
    t.data.assign(n * 4, 0);
    encoder.tensors.push_back(t);
  }
  o.audio_encoder = encoder;
  o.audio_context_before = 6;
  o.audio_context_after = 3;
  being::train::train_avatar(data_dir, dir / "may.avatar", o);

  const auto avatar = being::asset::read_avatar(dir / "may.avatar");
  const auto bytes = being::asset::write_avatar_to_memory(avatar);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), read_bytes(dir / "may.avatar"));

  const being::dataset::Dataset data(data_dir);
  const auto& m = data.manifest();
  const auto& g = avatar.gaussians;
  const std::size_t n = g.count();
  ASSERT_GT(n, 1000u);
  int groups[3] = {0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) {
    const auto group = avatar.binding.groups[i];
    ASSERT_LT(group, 3);
    ++groups[group];
    EXPECT_EQ(avatar.binding.triangles[i] == being::asset::kNoTriangle, group == 1) << i;
    if (group == 2) {
      EXPECT_LT(avatar.binding.normal_offsets[i], 0.5f) << i;
    }
  }
  EXPECT_GT(groups[0], 0);
  EXPECT_GT(groups[1], 0);
  EXPECT_GT(groups[2], 0);

  // Neutral Gaussians = the runtime's deformation with code 0.
  being::animate::Deformer deformer(avatar);
  being::animate::GaussianGeometry neutral;
  const std::vector<float> zero(avatar.face.expression_dim(), 0.0f);
  deformer.apply(zero.data(), neutral);
  for (std::size_t i = 0; i < n * 3; ++i) ASSERT_FLOAT_EQ(neutral.positions[i], g.positions[i]) << i;
  for (std::size_t i = 0; i < n * 3; ++i) ASSERT_FLOAT_EQ(neutral.log_scales[i], g.log_scales[i]) << i;
  for (std::size_t i = 0; i < n * 4; ++i) ASSERT_FLOAT_EQ(neutral.rotations[i], g.rotations[i]) << i;

  // Face mesh, audio, camera and idle loop as the contract says.
  ASSERT_EQ(avatar.face.expression_dim(), static_cast<std::size_t>(m.expression.components));
  EXPECT_EQ(avatar.face.expression_names.front(), "pca_0");
  for (std::size_t i = 0; i < avatar.face.vertices.size(); ++i)
    ASSERT_FLOAT_EQ(avatar.face.vertices[i], data.tracks().expression_mean[i] / 100.0f);
  ASSERT_EQ(avatar.networks.size(), 1u);
  EXPECT_EQ(avatar.networks[0].name, "audio_encoder");
  EXPECT_EQ(avatar.audio.window, 400);
  EXPECT_EQ(avatar.audio.hop, 160);
  EXPECT_EQ(avatar.audio.fmin, 55.0);
  EXPECT_EQ(avatar.audio.fmax, 7600.0);
  EXPECT_EQ(avatar.audio.context_before, 6);
  EXPECT_EQ(avatar.audio.context_after, 3);
  EXPECT_EQ(avatar.camera.fx, m.camera.focal_px);
  EXPECT_EQ(avatar.camera.width, m.source.width);
  const int loop = m.idle_loop.end - m.idle_loop.start;
  ASSERT_EQ(avatar.idle.frame_count(), static_cast<std::size_t>(loop));
  ASSERT_EQ(avatar.idle.plates.size(), static_cast<std::size_t>(loop));
  const auto plate = read_bytes(being::dataset::loop_plate_path(data_dir, 0));
  EXPECT_EQ(std::string(avatar.idle.plates[0].bytes.begin(), avatar.idle.plates[0].bytes.end()), plate);
  EXPECT_NEAR(avatar.idle.translations[0], data.tracks().translation[m.idle_loop.start * 3] / 100.0f, 1e-7);
}

TEST(TrainInputs, BadDatasetsAndOutputsFailBeforeTrainingWithClearMessages) {
  const fs::path dir = being::test::scratch_dir("bad");
  auto message_of = [&](const fs::path& data, const fs::path& out, const TrainOptions& o) {
    try {
      being::train::train_avatar(data, out, o);
    } catch (const TrainError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const TrainOptions o = tiny(dir / "work");

  // Another dataset version: the dataset library's message, passed on.
  fs::create_directories(dir / "v2");
  being::dataset::Manifest manifest;
  manifest.frames = 10;
  std::string json = being::dataset::manifest_json(manifest);
  const std::string version = "\"version\": 1";
  ASSERT_NE(json.find(version), std::string::npos) << json;
  json.replace(json.find(version), version.size(), "\"version\": 2");
  being::dataset::write_text(dir / "v2" / "dataset.json", json);
  std::string library_message;
  try {
    being::dataset::Dataset d(dir / "v2");
  } catch (const std::exception& e) {
    library_message = e.what();
  }
  ASSERT_FALSE(library_message.empty());
  const std::string v2 = message_of(dir / "v2", dir / "a.avatar", o);
  EXPECT_NE(v2.find(library_message), std::string::npos) << v2;
  EXPECT_NE(v2.find("cannot train on"), std::string::npos) << v2;

  const std::string missing = message_of(dir / "no-such-dataset", dir / "a.avatar", o);
  EXPECT_NE(missing.find("cannot train on"), std::string::npos) << missing;

  // An output folder that does not exist, and one that cannot be written.
  const std::string nowhere = message_of(dir / "v2", dir / "no-such-folder" / "a.avatar", o);
  EXPECT_NE(nowhere.find("cannot write"), std::string::npos) << nowhere;
  const std::string folder = message_of(dir / "v2", dir, o);
  EXPECT_NE(folder.find("it is a folder"), std::string::npos) << folder;
  fs::create_directories(dir / "read-only");
  fs::permissions(dir / "read-only", fs::perms::owner_read | fs::perms::owner_exec);
  if (::access((dir / "read-only").c_str(), W_OK) != 0) {
    const std::string read_only = message_of(dir / "v2", dir / "read-only" / "a.avatar", o);
    EXPECT_NE(read_only.find("cannot write"), std::string::npos) << read_only;
  }
  fs::permissions(dir / "read-only", fs::perms::owner_all);

  TrainOptions unknown = o;
  unknown.config = "huge";
  EXPECT_NE(message_of(dir / "v2", dir / "a.avatar", unknown).find("unknown training config 'huge'"), std::string::npos);
  unknown = o;
  unknown.device = "tpu";
  EXPECT_NE(message_of(dir / "v2", dir / "a.avatar", unknown).find("unknown device 'tpu'"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "a.avatar"));
}

}  // namespace
