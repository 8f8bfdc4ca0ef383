// The dataset format (docs/dataset-format.md): tensor file, manifest, images and audio round-trip,
// and every malformed piece is rejected with a message that says what to do.
#include "being/dataset/dataset.h"

#include <cmath>
#include <fstream>
#include <random>

#include "being_test.h"

namespace {

using namespace being::dataset;
namespace fs = std::filesystem;

Manifest example_manifest() {
  Manifest m;
  m.source = {"clip.mp4", 640, 480, 12.5, 123456};
  m.fps = 25;
  m.frames = 300;
  m.crop_size = 64;
  m.camera = {800.5, 320, 240, 640, 480};
  m.audio = {16000, 192000, 1.5, 0.06};
  m.expression = {4, 0.99, 0.02};
  m.idle_loop = {10, 110, 0.25};
  m.quality = {0.98, 1.2, 0.05, 0.3};
  m.warnings = {"short video"};
  split_frames(m);
  return m;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

TEST(DatasetSplit, ValidationIsTheLastTenPercentAndAtLeastThreeSeconds) {
  Manifest m;
  m.fps = 25;
  m.frames = 1780;
  split_frames(m);
  EXPECT_EQ(m.validation.size(), 178);
  EXPECT_EQ(m.train.end, m.validation.begin);
  EXPECT_EQ(m.validation.end, 1780);
  m.frames = 300;  // 12 s: 10% is 1.2 s, so 3 s is held out
  split_frames(m);
  EXPECT_EQ(m.validation.size(), 75);
  m.frames = 125;  // 5 s: 2 s left to train on
  split_frames(m);
  EXPECT_EQ(m.train.size(), 50);
  m.frames = 99;  // under 4 s: less than 1 s left
  EXPECT_THROW(split_frames(m), DatasetError);
}

TEST(DatasetManifest, RoundTrips) {
  const Manifest m = example_manifest();
  const Manifest back = parse_manifest(manifest_json(m), "dataset.json");
  EXPECT_EQ(manifest_json(back), manifest_json(m));
  EXPECT_EQ(back.validation.begin, 225);
  EXPECT_EQ(back.camera.focal_px, 800.5);
  EXPECT_EQ(back.warnings, m.warnings);
}

TEST(DatasetManifest, RejectsOtherVersionsAndBrokenFields) {
  const std::string good = manifest_json(example_manifest());
  const auto message = [](const std::string& text) {
    try {
      parse_manifest(text, "x/dataset.json");
    } catch (const DatasetError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string older = good;
  older.replace(older.find("\"version\": 1"), 12, "\"version\": 0");
  EXPECT_NE(message(older).find("version 0, but this bake reads version 1"), std::string::npos) << message(older);
  EXPECT_NE(message(older).find("re-run bake ingest"), std::string::npos);
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message("{\"format\": \"other\"}").find("not a Being dataset"), std::string::npos);
  std::string no_fps = good;
  no_fps.replace(no_fps.find("\"fps\""), 5, "\"fpz\"");
  EXPECT_NE(message(no_fps).find("missing or mistyped field"), std::string::npos);
  std::string bad_split = good;
  bad_split.replace(bad_split.find("\"frames\": 300"), 13, "\"frames\": 200");
  EXPECT_NE(message(bad_split).find("split does not fit"), std::string::npos) << message(bad_split);
}

TEST(DatasetTensorFile, RoundTripsAndReadsAsSafetensors) {
  const auto dir = being::test::scratch_dir("tensors");
  TensorFile f;
  f.arrays["a"] = Array::f32({2, 3}, {1, 2, 3, 4, 5, -6.5f});
  f.arrays["b"] = Array::u8({4}, {0, 1, 254, 255});
  f.metadata["names"] = "x,y";
  write_tensor_file(dir / "t.safetensors", f);
  EXPECT_FALSE(fs::exists(dir / "t.safetensors.part"));
  const auto back = read_tensor_file(dir / "t.safetensors");
  EXPECT_EQ(back.get("a", {2, -1}).as_f32("a"), (std::vector<float>{1, 2, 3, 4, 5, -6.5f}));
  EXPECT_EQ(back.get("b", {4}).as_u8("b"), (std::vector<std::uint8_t>{0, 1, 254, 255}));
  EXPECT_EQ(back.metadata.at("names"), "x,y");
  EXPECT_THROW(back.get("a", {3, 2}), DatasetError);
  EXPECT_THROW(back.get("c", {1}), DatasetError);
  EXPECT_THROW(back.get("b", {4}).as_f32("b"), DatasetError);

  // The safetensors layout: header length, then a JSON header whose offsets index the data.
  const std::string bytes = read_all(dir / "t.safetensors");
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
  EXPECT_EQ(length % 8, 0u);
  const std::string header = bytes.substr(8, length);
  EXPECT_NE(header.find("\"a\":{\"data_offsets\":[0,24],\"dtype\":\"F32\",\"shape\":[2,3]}"), std::string::npos) << header;
  EXPECT_EQ(bytes.size(), 8 + length + 24 + 4);
}

TEST(DatasetTensorFile, RejectsMalformedFiles) {
  const auto dir = being::test::scratch_dir("tensors_bad");
  TensorFile f;
  f.arrays["a"] = Array::f32({8}, std::vector<float>(8, 1.0f));
  write_tensor_file(dir / "good", f);
  const std::string good = read_all(dir / "good");
  const auto rejected = [&](const std::string& bytes) {
    write_all(dir / "bad", bytes);
    try {
      read_tensor_file(dir / "bad");
    } catch (const DatasetError& e) {
      return std::string(e.what()).find("re-run bake ingest") != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(rejected(""));
  EXPECT_TRUE(rejected(good.substr(0, 5)));
  EXPECT_TRUE(rejected(good.substr(0, good.size() - 4)));  // data cut short
  std::string huge = good;
  huge[7] = '\x7f';
  EXPECT_TRUE(rejected(huge));
  std::string wrong_shape = good;
  wrong_shape.replace(wrong_shape.find("[8]"), 3, "[9]");
  EXPECT_TRUE(rejected(wrong_shape));
  std::string wrong_dtype = good;
  wrong_dtype.replace(wrong_dtype.find("F32"), 3, "F16");
  EXPECT_TRUE(rejected(wrong_dtype));
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::string noisy = good;
    noisy[rng() % 60] = static_cast<char>(rng());
    try {
      read_tensor_file((write_all(dir / "bad", noisy), dir / "bad"));
    } catch (const DatasetError&) {
    }
  }
  EXPECT_THROW(read_tensor_file(dir / "missing"), DatasetError);
}

TEST(DatasetMedia, ImagesAndAudioRoundTrip) {
  const auto dir = being::test::scratch_dir("media");
  Image labels{5, 3, 1, {0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0}};
  write_png(dir / "l.png", labels);
  EXPECT_EQ(read_image(dir / "l.png", 1).pixels, labels.pixels);
  Image rgb{32, 16, 3, std::vector<std::uint8_t>(32 * 16 * 3)};
  for (std::size_t i = 0; i < rgb.pixels.size(); ++i) rgb.pixels[i] = static_cast<std::uint8_t>(60 + (i / 3) % 32 * 4);
  write_jpeg(dir / "f.jpg", rgb, 95);
  const auto back = read_image(dir / "f.jpg", 3);
  ASSERT_EQ(back.pixels.size(), rgb.pixels.size());
  double err = 0;
  for (std::size_t i = 0; i < rgb.pixels.size(); ++i) err = std::max(err, std::abs(double(back.pixels[i]) - rgb.pixels[i]));
  EXPECT_LT(err, 12);
  EXPECT_THROW(read_image(dir / "nothing.png", 1), DatasetError);
  write_all(dir / "junk.png", "not an image");
  EXPECT_THROW(read_image(dir / "junk.png", 1), DatasetError);

  std::vector<float> audio(1600);
  for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = 0.5f * std::sin(0.05f * static_cast<float>(i));
  write_wav(dir / "a.wav", audio, 16000);
  const auto heard = read_wav(dir / "a.wav", 16000);
  ASSERT_EQ(heard.size(), audio.size());
  for (std::size_t i = 0; i < audio.size(); ++i) EXPECT_NEAR(heard[i], audio[i], 1.0 / 16000);
  EXPECT_THROW(read_wav(dir / "a.wav", 48000), DatasetError);
  write_all(dir / "cut.wav", read_all(dir / "a.wav").substr(0, 400));
  EXPECT_THROW(read_wav(dir / "cut.wav", 16000), DatasetError);
}

TEST(DatasetOpen, UnfinishedOrMissingDatasetsSayWhatToDo) {
  const auto dir = being::test::scratch_dir("open");
  try {
    Dataset d(dir / "nope");
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("bake ingest"), std::string::npos);
  }
  fs::create_directories(dir / "half" / "frames");
  try {
    Dataset d(dir / "half");
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("not a finished dataset"), std::string::npos) << e.what();
  }
}

TEST(DatasetOpen, ReadsWhatWasWritten) {
  const auto dir = being::test::scratch_dir("complete");
  Manifest m = example_manifest();
  m.frames = 200;
  split_frames(m);
  const int n = m.frames, k = m.expression.components;
  Tracks t;
  t.valid.assign(n, 1);
  t.status.assign(n, 0);
  t.landmarks.assign(std::size_t(n) * kLandmarks * 3, 1.0f);
  t.blendshapes.assign(std::size_t(n) * kBlendshapes, 0.5f);
  t.rotation.assign(n * 3, 0.1f);
  t.translation.assign(n * 3, 2.0f);
  t.reprojection_px.assign(n, 0.7f);
  t.crop.assign(n * 3, 8.0f);
  t.mesh.assign(std::size_t(n) * kMeshVertices * 3, 0.25f);
  t.expression.assign(std::size_t(n) * k, -1.0f);
  t.expression_mean.assign(kMeshVertices * 3, 3.0f);
  t.expression_basis.assign(std::size_t(k) * kMeshVertices * 3, 0.01f);
  t.mouth_opening.assign(n, 0.05f);
  t.blendshape_names = {"_neutral", "browDownLeft"};
  write_tensor_file(dir / "tracks.safetensors", tracks_file(t, n, k));
  fs::create_directories(dir / "frames");
  fs::create_directories(dir / "labels");
  fs::create_directories(dir / "alpha");
  for (int i : {0, n - 1}) {
    write_jpeg(frame_path(dir, i), Image{64, 64, 3, std::vector<std::uint8_t>(64 * 64 * 3, 100)}, 90);
    write_png(label_path(dir, i), Image{64, 64, 1, std::vector<std::uint8_t>(64 * 64, 3)});
    write_png(alpha_path(dir, i), Image{64, 64, 1, std::vector<std::uint8_t>(64 * 64, 255)});
  }
  write_text(dir / "dataset.json", manifest_json(m));
  const Dataset d(dir);
  EXPECT_EQ(d.frames(), n);
  EXPECT_EQ(d.tracks().expression.size(), std::size_t(n) * k);
  EXPECT_EQ(d.tracks().blendshape_names, t.blendshape_names);
  EXPECT_EQ(d.labels(n - 1).pixels[10], 3);
  EXPECT_EQ(d.frame(0).width, 64);

  fs::remove(label_path(dir, n - 1));
  EXPECT_THROW(Dataset{dir}, DatasetError);
}

}  // namespace

namespace {

TEST(DatasetFrameCamera, PoseInMetresAndTheCropsPinhole) {
  Manifest m;
  m.crop_size = 256;
  m.camera = {1000, 320, 240, 640, 480};
  Tracks t;
  // Frame 0: no rotation; frame 1: 90 degrees about the camera's y axis.
  t.rotation = {0, 0, 0, 0, 1.5707963267948966f, 0};
  t.translation = {1, 2, 50, 0, 0, 60};
  t.crop = {192, 112, 256, 64, 0, 512};
  const auto a = frame_camera(m, t, 0);
  const double flip[9] = {1, 0, 0, 0, -1, 0, 0, 0, -1};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(a.rotation[i], flip[i], 1e-12) << i;
  EXPECT_NEAR(a.translation[2], 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(a.fx, 1000);
  EXPECT_DOUBLE_EQ(a.cx, 128);  // (320 - 192) * 256 / 256
  EXPECT_DOUBLE_EQ(a.cy, 128);
  const auto b = frame_camera(m, t, 1);
  EXPECT_DOUBLE_EQ(b.fx, 500);   // the crop is 512 source pixels shown at 256
  EXPECT_DOUBLE_EQ(b.cx, 128);   // (320 - 64) / 2
  // The head's +x (to its left) turns to the camera's -z: R_y(90) * diag(1,-1,-1) maps (1,0,0) to (0,0,-1).
  EXPECT_NEAR(b.rotation[0], 0, 1e-6);
  EXPECT_NEAR(b.rotation[6], -1, 1e-6);
  EXPECT_NEAR(b.translation[2], 0.6, 1e-9);
}

}  // namespace
