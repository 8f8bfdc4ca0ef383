// What the C API suites share: the test avatar, a context on the default device, a player, and an
// expectation that a call fails with a given code and a message naming the call and the problem.
#pragma once

#include "being/being.h"

#include <gtest/gtest.h>

#include <string>

namespace being::capi_test {

inline being_player_create_info player_info(uint32_t size = 64, uint32_t fps = 25) {
  being_player_create_info info{};
  info.api_version = BEING_API_VERSION;
  info.width = info.height = size;
  info.fps = fps;
  return info;
}

// One context, avatar and player, destroyed in the "wrong" order on purpose (the player keeps the
// others alive).
class CapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    being_context_create_info info{};
    info.api_version = BEING_API_VERSION;
    ASSERT_EQ(being_context_create(&info, &context), BEING_OK) << being_last_error();
    ASSERT_EQ(being_avatar_load(BEING_TEST_AVATAR, &avatar), BEING_OK) << being_last_error();
    const auto create = player_info();
    ASSERT_EQ(being_player_create(context, avatar, &create, &player), BEING_OK) << being_last_error();
  }
  void TearDown() override {
    being_context_destroy(context);
    being_avatar_destroy(avatar);
    being_player_destroy(player);
  }

  being_context* context = nullptr;
  being_avatar* avatar = nullptr;
  being_player* player = nullptr;
};

}  // namespace being::capi_test

// `call` returns `code`, and being_last_error() names `function` and contains `detail`.
#define EXPECT_FAILS(call, code, function, detail)                                        \
  do {                                                                                    \
    const being_result result_ = (call);                                                  \
    EXPECT_EQ(result_, code) << #call << ": " << being_result_name(result_);              \
    const std::string message_ = being_last_error();                                      \
    EXPECT_EQ(message_.rfind(std::string(function) + ": ", 0), 0u) << message_;           \
    EXPECT_NE(message_.find(detail), std::string::npos) << #call << ": " << message_;     \
  } while (0)
