#include "being/gpu/buffer.h"
#include "being/gpu/compute.h"
#include "being/gpu/context.h"
#include "being/gpu/timestamps.h"
#include "being/shaders/scale_add_comp.h"
#include "vulkan_test_context.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::gpu {
namespace {

const std::uint32_t v12 = VK_API_VERSION_1_2;
const std::uint32_t v11 = VK_API_VERSION_1_1;

std::string error_of(const std::vector<DeviceInfo>& devices, const std::string& selector) {
  try {
    choose_device(devices, selector);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ChooseDevice, PrefersDiscreteThenIntegratedThenVirtualThenCpu) {
  const std::vector<DeviceInfo> all = {{"llvmpipe", DeviceType::cpu, v12},
                                       {"virtio", DeviceType::virtual_gpu, v12},
                                       {"Intel UHD", DeviceType::integrated, v12},
                                       {"NVIDIA H100", DeviceType::discrete, v12}};
  EXPECT_EQ(choose_device(all, ""), 3u);
  EXPECT_EQ(choose_device({all[0], all[1], all[2]}, ""), 2u);
  EXPECT_EQ(choose_device({all[0], all[1]}, ""), 1u);
  EXPECT_EQ(choose_device({all[0]}, ""), 0u);
  EXPECT_EQ(choose_device({{"other", DeviceType::other, v12}, all[0]}, ""), 1u);
}

TEST(ChooseDevice, TakesTheFirstOfEqualTypeAndSkipsDevicesBelowVulkan12) {
  const std::vector<DeviceInfo> devices = {{"old GPU", DeviceType::discrete, v11},
                                           {"GPU A", DeviceType::discrete, v12},
                                           {"GPU B", DeviceType::discrete, v12}};
  EXPECT_EQ(choose_device(devices, ""), 1u);
  EXPECT_NE(error_of({devices[0]}, "").find("Vulkan 1.2"), std::string::npos);
}

TEST(ChooseDevice, SelectorIsAnIndexOrANameSubstring) {
  const std::vector<DeviceInfo> devices = {{"NVIDIA H100 PCIe", DeviceType::discrete, v12},
                                           {"llvmpipe (LLVM 15.0.6, 256 bits)", DeviceType::cpu, v12}};
  EXPECT_EQ(choose_device(devices, "1"), 1u);
  EXPECT_EQ(choose_device(devices, "0"), 0u);
  EXPECT_EQ(choose_device(devices, "LLVMPIPE"), 1u);
  EXPECT_EQ(choose_device(devices, "h100"), 0u);
  const std::string bad_index = error_of(devices, "2");
  EXPECT_NE(bad_index.find("not a device index"), std::string::npos);
  EXPECT_NE(bad_index.find("llvmpipe"), std::string::npos) << "the error lists the devices";
  EXPECT_NE(error_of(devices, "99999999999999999999").find("not a device index"), std::string::npos);
  EXPECT_NE(error_of(devices, "radeon").find("radeon"), std::string::npos);
}

TEST(ChooseDevice, NoDeviceTellsWhatToInstall) {
  EXPECT_NE(error_of({}, "").find("mesa-vulkan-drivers"), std::string::npos);
}

TEST(Context, CreatesAQueueOnTheChosenDevice) {
  Context context(test::vulkan_test_options());
  std::printf("Vulkan device: %s (%s), validation %s\n", context.device_info().name.c_str(),
              to_string(context.device_info().type), context.validation_enabled() ? "on" : "off");
  EXPECT_FALSE(context.device_info().name.empty());
  EXPECT_GE(context.device_info().api_version, v12);
  EXPECT_NE(context.queue(), VK_NULL_HANDLE);
  context.submit_and_wait([](VkCommandBuffer) {});
}

TEST(Context, SelectorPicksTheSameDeviceByNameAndIndex) {
  const std::string name = Context(test::vulkan_test_options()).device_info().name;
  ContextOptions by_name = test::vulkan_test_options();
  by_name.device_selector = name;
  EXPECT_EQ(Context(by_name).device_info().name, name);
  ContextOptions bad = test::vulkan_test_options();
  bad.device_selector = "no such device name";
  EXPECT_THROW(Context{bad}, std::runtime_error);
}

TEST(Context, ValidationErrorsAreThrown) {
  Context context(test::vulkan_test_options());
  if (!context.validation_enabled()) GTEST_SKIP() << "VK_LAYER_KHRONOS_validation is not installed";
  // A shader-write access is not performed by the transfer stage: invalid, yet harmless to run.
  EXPECT_THROW(context.submit_and_wait([](VkCommandBuffer cmd) {
                 VkMemoryBarrier barrier{};
                 barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
                 barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
                 barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
                 vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                                      &barrier, 0, nullptr, 0, nullptr);
               }),
               std::runtime_error);
  context.check_validation();  // the messages were consumed by the throw
}

TEST(Buffer, UploadAndDownloadRoundTripInBothLocations) {
  Context context(test::vulkan_test_options());
  std::vector<std::uint32_t> data(10000);
  std::iota(data.begin(), data.end(), 7u);
  for (MemoryLocation location : {MemoryLocation::device, MemoryLocation::host}) {
    Buffer buffer(context, data.size() * 4, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, location);
    upload(context, buffer, data.data(), data.size() * 4);
    const std::uint32_t patch[2] = {0xdeadbeefu, 0xcafef00du};
    upload(context, buffer, patch, sizeof(patch), 400 * 4);
    std::vector<std::uint32_t> back(data.size());
    download(context, buffer, back.data(), back.size() * 4);
    std::vector<std::uint32_t> expected = data;
    expected[400] = patch[0];
    expected[401] = patch[1];
    EXPECT_EQ(back, expected);
    std::uint32_t tail[3] = {};
    download(context, buffer, tail, sizeof(tail), (data.size() - 3) * 4);
    EXPECT_EQ(tail[2], data.back());
    EXPECT_THROW(upload(context, buffer, data.data(), 8, data.size() * 4 - 4), std::out_of_range);
    EXPECT_THROW(download(context, buffer, back.data(), data.size() * 4 + 4), std::out_of_range);
  }
  EXPECT_THROW(Buffer(context, 0, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device), std::invalid_argument);
}

TEST(ComputePipeline, DispatchesWithBuffersAndPushConstants) {
  Context context(test::vulkan_test_options());
  ComputePipeline pipeline(context, shaders::scale_add_comp, 2, 12);
  DescriptorPool pool(context, 1, 2);
  const std::uint32_t count = 1000;  // not a multiple of the workgroup size (64)
  std::vector<std::uint32_t> input(count);
  std::iota(input.begin(), input.end(), 0u);
  Buffer in(context, count * 4, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device);
  Buffer out(context, (count + 1) * 4, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryLocation::device);
  upload(context, in, input.data(), count * 4);
  const std::uint32_t untouched = 0x12345678u;
  upload(context, out, &untouched, 4, count * 4);
  const VkDescriptorSet set = pool.allocate(pipeline, {&in, &out});
  struct {
    std::uint32_t count, scale, offset;
  } params{count, 3, 11};
  context.submit_and_wait([&](VkCommandBuffer cmd) { pipeline.dispatch(cmd, set, params, (count + 63) / 64); });
  std::vector<std::uint32_t> output(count + 1);
  download(context, out, output.data(), output.size() * 4);
  for (std::uint32_t i = 0; i < count; ++i) ASSERT_EQ(output[i], 3 * i + 11) << "at " << i;
  EXPECT_EQ(output[count], untouched);

  EXPECT_THROW(pool.allocate(pipeline, {&in}), std::invalid_argument);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    const std::uint32_t too_short[2] = {count, 3};
    EXPECT_THROW(pipeline.dispatch(cmd, set, too_short, 1), std::invalid_argument);
  });
}

TEST(Timestamps, AreMonotonicAcrossACopy) {
  Context context(test::vulkan_test_options());
  TimestampQueries timestamps(context, 2);
  const std::vector<std::uint32_t> data(1 << 20, 1u);
  Buffer a(context, data.size() * 4, 0, MemoryLocation::device);
  Buffer b(context, data.size() * 4, 0, MemoryLocation::device);
  upload(context, a, data.data(), data.size() * 4);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    timestamps.reset(cmd);
    timestamps.write(cmd, 0);
    const VkBufferCopy region{0, 0, data.size() * 4};
    vkCmdCopyBuffer(cmd, a.handle(), b.handle(), 1, &region);
    timestamps.write(cmd, 1);
  });
  const std::vector<double> ns = timestamps.read_ns();
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_GT(ns[0], 0.0);
  EXPECT_GE(ns[1], ns[0]);
}

}  // namespace
}  // namespace being::gpu
