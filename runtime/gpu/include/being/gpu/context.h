// The Vulkan instance, the chosen physical device, one logical device with one queue, and one-shot
// command submission. Headless: no surface or swapchain extensions are needed.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace being::gpu {

namespace detail {
struct ValidationLog;
}

enum class DeviceType { discrete, integrated, virtual_gpu, cpu, other };

const char* to_string(DeviceType type);

// What device selection needs to know about one physical device (in enumeration order).
struct DeviceInfo {
  std::string name;
  DeviceType type = DeviceType::other;
  std::uint32_t api_version = 0;  // VK_MAKE_API_VERSION encoded
};

// The index into `devices` of the device to use. An empty `selector` picks the most preferred type
// (discrete, then integrated, then virtual, then CPU such as lavapipe; the first one enumerated on
// ties) among devices with Vulkan 1.2 or newer. A selector that is a number picks that index; any
// other selector picks the first device whose name contains it (case-insensitive). Throws
// std::runtime_error, listing the devices, when nothing fits.
std::size_t choose_device(const std::vector<DeviceInfo>& devices, const std::string& selector);

struct ContextOptions {
  // Enable VK_LAYER_KHRONOS_validation, with synchronization validation (missing barriers), when it
  // is installed (a warning is printed when it is not). Its error and warning messages are collected
  // and thrown by Context::check_validation().
  bool validation = false;
  // See choose_device(); empty means automatic.
  std::string device_selector;

  // Reads BEING_VULKAN_VALIDATION=1 and BEING_VULKAN_DEVICE=<index or name substring>.
  static ContextOptions from_environment();
};

// Owns every Vulkan object it creates; not copyable. Not thread-safe: use one context per thread or
// lock around submit_and_wait().
class Context {
 public:
  explicit Context(const ContextOptions& options = ContextOptions::from_environment());
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physical_device() const { return physical_device_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  std::uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& device_info() const { return device_info_; }
  const VkPhysicalDeviceLimits& limits() const { return limits_; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_properties_; }
  // Bits of a timestamp that are valid on the queue (0: the queue cannot write timestamps).
  std::uint32_t timestamp_valid_bits() const { return timestamp_valid_bits_; }
  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }

  // A memory type index allowed by `type_bits` that has all `required` flags, preferring one that
  // also has the `preferred` flags. Throws when none has the required flags.
  std::uint32_t find_memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags required,
                                 VkMemoryPropertyFlags preferred = 0) const;

  // Records commands with `record` into a fresh primary command buffer, submits it to the queue and
  // waits for it to finish; then throws any validation messages (check_validation()).
  void submit_and_wait(const std::function<void(VkCommandBuffer)>& record) const;

  // Throws std::runtime_error with the validation messages collected since the last call, if any.
  void check_validation() const;

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_device_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  std::uint32_t queue_family_ = 0;
  std::uint32_t timestamp_valid_bits_ = 0;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  DeviceInfo device_info_;
  VkPhysicalDeviceLimits limits_{};
  VkPhysicalDeviceMemoryProperties memory_properties_{};
  std::unique_ptr<detail::ValidationLog> validation_log_;  // stable address for the messenger

  void destroy();
};

}  // namespace being::gpu
