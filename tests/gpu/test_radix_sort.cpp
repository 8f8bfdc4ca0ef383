// The GPU radix sort against std::stable_sort on the CPU.
#include "being/gpu/buffer.h"
#include "being/gpu/context.h"
#include "being/gpu/radix_sort.h"
#include "vulkan_test_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace being::gpu {
namespace {

constexpr std::uint32_t capacity = (1u << 20) + 3;

struct Pairs {
  std::vector<std::uint32_t> keys;
  std::vector<std::uint32_t> values;
};

// The reference: stable sort by the low key_bits bits of the key.
Pairs cpu_sort(const Pairs& input, std::uint32_t key_bits) {
  const std::uint32_t mask = key_bits == 32 ? ~0u : (1u << key_bits) - 1;
  std::vector<std::size_t> order(input.keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return (input.keys[a] & mask) < (input.keys[b] & mask); });
  Pairs out;
  for (std::size_t i : order) {
    out.keys.push_back(input.keys[i]);
    out.values.push_back(input.values[i]);
  }
  return out;
}

enum class Keys { random, all_equal, sorted, reversed, few_distinct };

const char* name(Keys keys) {
  switch (keys) {
    case Keys::random: return "random";
    case Keys::all_equal: return "all_equal";
    case Keys::sorted: return "sorted";
    case Keys::reversed: return "reversed";
    case Keys::few_distinct: return "few_distinct";
  }
  return "";
}

// Values are the input positions, so equal keys must come out with increasing values.
Pairs make_pairs(Keys kind, std::uint32_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Pairs p;
  p.keys.resize(count);
  p.values.resize(count);
  std::iota(p.values.begin(), p.values.end(), 0u);
  const std::uint32_t few[] = {0x80000000u, 7u, 0xffffffffu, 7u << 20};
  for (std::uint32_t i = 0; i < count; ++i) {
    switch (kind) {
      case Keys::random: p.keys[i] = rng(); break;
      case Keys::all_equal: p.keys[i] = 0x3f800000u; break;
      case Keys::sorted: p.keys[i] = i * 3u; break;
      case Keys::reversed: p.keys[i] = ~(i * 5u); break;
      case Keys::few_distinct: p.keys[i] = few[rng() % 4]; break;
    }
  }
  return p;
}

class RadixSortTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    context_ = std::make_unique<Context>(test::vulkan_test_options());
    sort_ = std::make_unique<RadixSort>(*context_, capacity);
  }
  static void TearDownTestSuite() {
    sort_.reset();
    context_.reset();
  }
  void TearDown() override { context_->check_validation(); }

  static Pairs gpu_sort(const Pairs& input, std::uint32_t key_bits = 32) {
    const auto count = static_cast<std::uint32_t>(input.keys.size());
    upload(*context_, sort_->keys(), input.keys.data(), count * 4);
    upload(*context_, sort_->values(), input.values.data(), count * 4);
    context_->submit_and_wait([&](VkCommandBuffer cmd) { sort_->record(cmd, count, key_bits); });
    Pairs out{std::vector<std::uint32_t>(count), std::vector<std::uint32_t>(count)};
    download(*context_, sort_->keys(), out.keys.data(), count * 4);
    download(*context_, sort_->values(), out.values.data(), count * 4);
    return out;
  }

  static void expect_matches_cpu(const Pairs& input, std::uint32_t key_bits, const std::string& what) {
    const Pairs expected = cpu_sort(input, key_bits);
    const Pairs actual = gpu_sort(input, key_bits);
    ASSERT_EQ(actual.keys.size(), expected.keys.size());
    std::size_t mismatches = 0;
    std::size_t first = 0;
    for (std::size_t i = 0; i < expected.keys.size(); ++i) {
      if (actual.keys[i] != expected.keys[i] || actual.values[i] != expected.values[i]) {
        if (mismatches++ == 0) first = i;
      }
    }
    EXPECT_EQ(mismatches, 0u) << what << ": first mismatch at " << first << ": got (" << actual.keys[first] << ", "
                              << actual.values[first] << "), expected (" << expected.keys[first] << ", "
                              << expected.values[first] << ")";
  }

  static std::unique_ptr<Context> context_;
  static std::unique_ptr<RadixSort> sort_;
};

std::unique_ptr<Context> RadixSortTest::context_;
std::unique_ptr<RadixSort> RadixSortTest::sort_;

TEST_F(RadixSortTest, MatchesStableSortForSizesAroundTheTileAndEveryDistribution) {
  // Sizes around the workgroup (256) and tile (2048) boundaries, and several tiles.
  for (std::uint32_t count : {1u, 2u, 3u, 255u, 256u, 257u, 2047u, 2048u, 2049u, 5000u, 65537u}) {
    for (Keys kind : {Keys::random, Keys::all_equal, Keys::sorted, Keys::reversed, Keys::few_distinct}) {
      expect_matches_cpu(make_pairs(kind, count, count), 32, std::to_string(count) + " " + name(kind) + " keys");
    }
  }
}

TEST_F(RadixSortTest, MatchesStableSortForAMillionKeys) {
  for (Keys kind : {Keys::random, Keys::few_distinct, Keys::reversed}) {
    expect_matches_cpu(make_pairs(kind, capacity, 42), 32, std::string("capacity, ") + name(kind) + " keys");
  }
}

TEST_F(RadixSortTest, SortsOnlyTheRequestedLowKeyBits) {
  // 12 bits take 3 passes (an odd count ends with a copy back); higher bits keep the input order.
  for (std::uint32_t key_bits : {1u, 4u, 12u, 16u, 31u}) {
    expect_matches_cpu(make_pairs(Keys::random, 30000, key_bits), key_bits,
                       std::to_string(key_bits) + " key bits");
  }
}

TEST_F(RadixSortTest, EmptyInputChangesNothingAndElementsPastCountAreUntouched) {
  const Pairs sentinel = make_pairs(Keys::reversed, 100, 1);
  upload(*context_, sort_->keys(), sentinel.keys.data(), 400);
  upload(*context_, sort_->values(), sentinel.values.data(), 400);
  context_->submit_and_wait([&](VkCommandBuffer cmd) { sort_->record(cmd, 0); });
  std::vector<std::uint32_t> keys(100);
  download(*context_, sort_->keys(), keys.data(), 400);
  EXPECT_EQ(keys, sentinel.keys);

  context_->submit_and_wait([&](VkCommandBuffer cmd) { sort_->record(cmd, 60); });
  download(*context_, sort_->keys(), keys.data(), 400);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.begin() + 60));
  EXPECT_TRUE(std::equal(keys.begin() + 60, keys.end(), sentinel.keys.begin() + 60));
}

TEST_F(RadixSortTest, RejectsCountsAboveCapacityAndInvalidKeyBits) {
  context_->submit_and_wait([&](VkCommandBuffer cmd) {
    EXPECT_THROW(sort_->record(cmd, capacity + 1), std::invalid_argument);
    EXPECT_THROW(sort_->record(cmd, 10, 0), std::invalid_argument);
    EXPECT_THROW(sort_->record(cmd, 10, 33), std::invalid_argument);
  });
}

TEST(RadixSort, RejectsACapacityTheDeviceCannotAddress) {
  Context context(test::vulkan_test_options());
  EXPECT_THROW(RadixSort(context, 0xffffffffu), std::runtime_error);  // 16 GiB of keys
}

TEST(RadixSort, ZeroCapacityIsUsable) {
  Context context(test::vulkan_test_options());
  RadixSort sort(context, 0);
  context.submit_and_wait([&](VkCommandBuffer cmd) { sort.record(cmd, 0); });
  EXPECT_EQ(sort.capacity(), 0u);
}

}  // namespace
}  // namespace being::gpu
