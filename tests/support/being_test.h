// Helpers shared by the test suites: where the shared data and the source tree are.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace being::test {

inline std::filesystem::path env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// A file under the shared folder (../shared next to the checkout, or $BEING_SHARED_DIR).
// Missing shared data fails the test, except where BEING_SKIP_SHARED=1 says this machine has none
// (the GPU machine); then the caller should GTEST_SKIP.
inline std::filesystem::path shared_path(const std::string& relative) {
  return env_or("BEING_SHARED_DIR", BEING_TEST_SHARED_DIR) / relative;
}

inline bool shared_missing_allowed() {
  const char* skip = std::getenv("BEING_SKIP_SHARED");
  return skip && std::string(skip) == "1";
}

inline std::filesystem::path source_path(const std::string& relative) {
  return env_or("BEING_SOURCE_DIR", BEING_TEST_SOURCE_DIR) / relative;
}

// A fresh, empty directory for one test's files, removed at the start of the next run.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = env_or("BEING_BINARY_DIR", BEING_TEST_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace being::test

#define BEING_REQUIRE_SHARED(path)                                                           \
  do {                                                                                       \
    if (!std::filesystem::exists(path)) {                                                    \
      if (::being::test::shared_missing_allowed()) GTEST_SKIP() << "no shared data: " << (path); \
      FAIL() << "missing shared data file " << (path) << " (set BEING_SHARED_DIR)";          \
    }                                                                                        \
  } while (0)
