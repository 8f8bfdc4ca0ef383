#include "being/models/model_store.h"

#include "being_test.h"

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using namespace being::models;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// Points the model cache at `dir` for the lifetime of the object.
class CacheOverride {
 public:
  explicit CacheOverride(const fs::path& dir) {
    if (const char* old = std::getenv("BEING_MODEL_CACHE")) old_ = old;
    setenv("BEING_MODEL_CACHE", dir.c_str(), 1);
  }
  ~CacheOverride() {
    if (old_.empty()) unsetenv("BEING_MODEL_CACHE");
    else setenv("BEING_MODEL_CACHE", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

std::string error_of(const std::string& model) {
  try {
    require(model);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ModelStore, Sha256MatchesKnownVector) {
  auto dir = being::test::scratch_dir("model_store_sha");
  write_file(dir / "abc", "abc");
  EXPECT_EQ(sha256_file(dir / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(sha256_file(dir / "absent"), ModelError);
}

TEST(ModelStore, ManifestListsThePipelineModels) {
  const auto& entries = manifest();
  ASSERT_GE(entries.size(), 10u);
  bool has_landmarks = false;
  for (const auto& e : entries) {
    EXPECT_EQ(e.sha256.size(), 64u) << e.path;
    EXPECT_GT(e.bytes, 0u) << e.path;
    if (e.path == "mediapipe_face/face_landmarks_detector.tflite") has_landmarks = true;
  }
  EXPECT_TRUE(has_landmarks);
}

TEST(ModelStore, MalformedManifestIsRejectedWithLineNumber) {
  const std::string sha(64, 'a');
  EXPECT_EQ(parse_manifest("# comment\n\na/b\t3\t" + sha + "\tnone\n").size(), 1u);
  auto message = [](const std::string& text) {
    try {
      parse_manifest(text);
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("x\t1\t" + sha + "\n").find("line 1: expected 4"), std::string::npos);
  EXPECT_NE(message("#\nx\tten\t" + sha + "\tnone\n").find("line 2: bad size"), std::string::npos);
  EXPECT_NE(message("x\t1\tABC\tnone\n").find("bad sha256"), std::string::npos);
  EXPECT_NE(message("../x\t1\t" + sha + "\tnone\n").find("bad path"), std::string::npos);
}

TEST(ModelStore, CheckReportsMissingTruncatedAndCorruptFiles) {
  auto dir = being::test::scratch_dir("model_store_check");
  ModelInfo info{"sub/model.bin", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "none"};
  EXPECT_EQ(check(info, dir), Status::missing);
  write_file(dir / info.path, "ab");
  EXPECT_EQ(check(info, dir), Status::wrong_size);
  write_file(dir / info.path, "abd");
  EXPECT_EQ(check(info, dir), Status::wrong_hash);
  write_file(dir / info.path, "abc");
  EXPECT_EQ(check(info, dir), Status::ok);
}

TEST(ModelStore, RequireNamesTheFileAndTheFix) {
  auto dir = being::test::scratch_dir("model_store_require");
  CacheOverride cache(dir);
  const std::string name = "mediapipe_face_geometry/face_blendshapes_io.json";

  auto missing = error_of(name);
  EXPECT_NE(missing.find(name), std::string::npos) << missing;
  EXPECT_NE(missing.find("missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("scripts/setup.sh --models"), std::string::npos) << missing;

  write_file(dir / name, "not the real file");
  auto corrupt = error_of(name);
  EXPECT_NE(corrupt.find("corrupt"), std::string::npos) << corrupt;

  auto unknown = error_of("nope/model.tflite");
  EXPECT_NE(unknown.find("not in the model manifest"), std::string::npos) << unknown;
}

TEST(ModelStore, RequireDetectsAFileReplacedAfterVerification) {
  auto shared = being::test::shared_path("models/mediapipe_face_geometry/face_blendshapes_io.json");
  BEING_REQUIRE_SHARED(shared);
  auto dir = being::test::scratch_dir("model_store_replaced");
  CacheOverride cache(dir);
  const std::string name = "mediapipe_face_geometry/face_blendshapes_io.json";
  fs::create_directories((dir / name).parent_path());
  fs::copy_file(shared, dir / name);
  EXPECT_EQ(require(name), dir / name);
  write_file(dir / name, "tampered after the first check");
  EXPECT_NE(error_of(name).find("corrupt"), std::string::npos);
}

// After scripts/setup.sh every manifest file is in the cache and verifies.
TEST(ModelStore, SetupFilledTheCache) {
  for (const auto& entry : manifest()) {
    EXPECT_NO_THROW(require(entry.path)) << error_of(entry.path);
  }
}
