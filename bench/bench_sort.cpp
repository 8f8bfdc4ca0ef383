// GPU radix sort throughput: median GPU time (timestamp queries) of sorting `count` random 32-bit
// keys with 32-bit values, after warm-up runs. The result of the last run is checked on the CPU.
#include "being/gpu/buffer.h"
#include "being/gpu/context.h"
#include "being/gpu/radix_sort.h"
#include "being/gpu/timestamps.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <numeric>
#include <random>
#include <vector>

using namespace being::gpu;

int main(int argc, char** argv) {
  CLI::App app{"Benchmark the Vulkan radix sort (device: BEING_VULKAN_DEVICE=<index or name>)"};
  std::uint32_t count = 1u << 20;
  std::uint32_t key_bits = 32;
  int warmup = 3;
  int iterations = 20;
  app.add_option("--count", count, "key/value pairs to sort")->check(CLI::Range(1u, 1u << 30));
  app.add_option("--key-bits", key_bits, "low key bits to sort by (4 per pass)")->check(CLI::Range(1u, 32u));
  app.add_option("--warmup", warmup, "untimed runs first")->check(CLI::NonNegativeNumber);
  app.add_option("--iterations", iterations, "timed runs")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    Context context;
    std::printf("device: %s (%s)\n", context.device_info().name.c_str(), to_string(context.device_info().type));

    std::mt19937 rng(1);
    std::vector<std::uint32_t> keys(count);
    std::vector<std::uint32_t> values(count);
    for (auto& k : keys) k = rng();
    std::iota(values.begin(), values.end(), 0u);

    RadixSort sort(context, count);
    // The sort works in place, so every run first restores the unsorted input from these copies.
    Buffer input_keys(context, VkDeviceSize{count} * 4, 0, MemoryLocation::device);
    Buffer input_values(context, VkDeviceSize{count} * 4, 0, MemoryLocation::device);
    upload(context, input_keys, keys.data(), input_keys.size());
    upload(context, input_values, values.data(), input_values.size());
    TimestampQueries timestamps(context, 2);

    std::vector<double> ms;
    for (int run = 0; run < warmup + iterations; ++run) {
      context.submit_and_wait([&](VkCommandBuffer cmd) {
        timestamps.reset(cmd);
        const VkBufferCopy region{0, 0, input_keys.size()};
        vkCmdCopyBuffer(cmd, input_keys.handle(), sort.keys().handle(), 1, &region);
        vkCmdCopyBuffer(cmd, input_values.handle(), sort.values().handle(), 1, &region);
        timestamps.write(cmd, 0);
        sort.record(cmd, count, key_bits);
        timestamps.write(cmd, 1);
      });
      const std::vector<double> ns = timestamps.read_ns();
      if (run >= warmup) ms.push_back((ns[1] - ns[0]) * 1e-6);
    }

    std::vector<std::uint32_t> sorted(count);
    download(context, sort.keys(), sorted.data(), VkDeviceSize{count} * 4);
    const std::uint32_t mask = key_bits == 32 ? ~0u : (1u << key_bits) - 1;
    const bool ok = std::is_sorted(sorted.begin(), sorted.end(),
                                   [&](std::uint32_t a, std::uint32_t b) { return (a & mask) < (b & mask); });
    if (!ok) {
      std::fprintf(stderr, "error: the sorted keys are out of order\n");
      return 1;
    }

    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::printf("radix sort of %u keys+values, %u key bits (%u passes): median %.3f ms, min %.3f ms, "
                "%.1f Mkeys/s (%d runs after %d warm-up)\n",
                count, key_bits, (key_bits + 3) / 4, median, ms.front(), count / median * 1e-3, iterations, warmup);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
