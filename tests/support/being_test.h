// Helpers shared by the test suites: where the shared data and the source tree are.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

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

// The running test as "Suite.Name" (parameterised names have '/' replaced), or "process-<pid>"
// outside a test body.
inline std::string current_test_id() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return "process-" + std::to_string(static_cast<long>(::getpid()));
  std::string id = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : id)
    if (c == '/') c = '_';
  return id;
}

// A fresh, empty directory for one test's files, removed at the start of the next run. It lives under
// the running test's own folder: ctest runs tests in parallel processes, and two tests asking for the
// same name must not clear each other's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = env_or("BEING_BINARY_DIR", BEING_TEST_BINARY_DIR) / "test-scratch" / current_test_id() / name;
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
