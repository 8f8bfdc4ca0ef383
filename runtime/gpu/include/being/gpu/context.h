// The Vulkan instance, the chosen physical device, one logical device with one queue, and one-shot
// command submission. Headless unless ContextOptions brings a window's surface; the device
// extensions that share memory and semaphores with CUDA are enabled where the device has them.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
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
  // Presentation to a window (runtime/window): the instance extensions its window system needs
  // (SDL_Vulkan_GetInstanceExtensions), and a function that makes the window's surface once the
  // instance exists. With a surface, the queue must be able to present to it, VK_KHR_swapchain is
  // enabled, and the context owns the surface (destroyed before the instance).
  std::vector<std::string> instance_extensions;
  std::function<VkSurfaceKHR(VkInstance)> create_surface;

  // Reads BEING_VULKAN_VALIDATION=1 and BEING_VULKAN_DEVICE=<index or name substring>.
  static ContextOptions from_environment();
};

// Timeline-semaphore operations around one submission (Context::submit_and_wait): the commands
// wait until `semaphore` reaches `wait_value` before their `wait_stages` run, and the semaphore is
// set to `signal_value` once they are done. A zero value skips that operation; a null semaphore
// skips both.
struct TimelineSync {
  VkSemaphore semaphore = VK_NULL_HANDLE;
  std::uint64_t wait_value = 0;
  VkPipelineStageFlags wait_stages = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
  std::uint64_t signal_value = 0;
};

// A Vulkan device that an embedding application created and keeps owning (the C API's
// being_context_wrap_vulkan): the context borrows it instead of creating its own. The device must
// be Vulkan 1.2 or newer and `queue` must come from `queue_family`, which must support compute.
struct ExternalDevice {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical_device = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  std::uint32_t queue_family = 0;
  VkQueue queue = VK_NULL_HANDLE;
};

// Owns every Vulkan object it creates; not copyable. Not thread-safe: use one context per thread or
// lock around submit_and_wait().
class Context {
 public:
  explicit Context(const ContextOptions& options = ContextOptions::from_environment());
  // Borrows the application's device: creates only a command pool and a fence on it, destroys only
  // those, and enables nothing optional (no validation, no external memory or semaphores, no
  // timeline semaphores). Throws std::invalid_argument on null handles, a queue family out of range
  // or without compute, or a device older than Vulkan 1.2.
  explicit Context(const ExternalDevice& device);
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
  // False for a context made from an ExternalDevice.
  bool owns_device() const { return owns_device_; }
  // The surface made by ContextOptions::create_surface; VK_NULL_HANDLE when headless.
  VkSurfaceKHR surface() const { return surface_; }
  // The device's UUID (VkPhysicalDeviceIDProperties::deviceUUID); CUDA reports the same bytes for
  // the same GPU, which is how the interop finds it.
  const std::array<std::uint8_t, VK_UUID_SIZE>& device_uuid() const { return device_uuid_; }
  // Timeline semaphores (Vulkan 1.2 feature, enabled when offered).
  bool supports_timeline_semaphores() const { return timeline_semaphores_; }
  // Storage buffers whose memory can be exported as an opaque POSIX file descriptor
  // (VK_KHR_external_memory_fd, enabled when offered): Buffer's `exportable`.
  bool supports_external_memory() const { return external_memory_; }
  // Timeline semaphores exportable as opaque file descriptors (VK_KHR_external_semaphore_fd).
  bool supports_external_semaphores() const { return external_semaphores_; }
  // Both: what sharing geometry with CUDA needs. NVIDIA's driver has them; lavapipe (Mesa 22) only
  // has the memory half.
  bool supports_external() const { return external_memory_ && external_semaphores_; }

  // A memory type index allowed by `type_bits` that has all `required` flags, preferring one that
  // also has the `preferred` flags. Throws when none has the required flags.
  std::uint32_t find_memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags required,
                                 VkMemoryPropertyFlags preferred = 0) const;

  // Records commands with `record` into a fresh primary command buffer, submits it to the queue
  // (with the timeline operations of `sync`) and waits for it to finish; then throws any validation
  // messages (check_validation()).
  void submit_and_wait(const std::function<void(VkCommandBuffer)>& record, const TimelineSync& sync = {}) const;

  // Throws std::runtime_error with the validation messages collected since the last call, if any.
  void check_validation() const;

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkSurfaceKHR surface_ = VK_NULL_HANDLE;
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
  std::array<std::uint8_t, VK_UUID_SIZE> device_uuid_{};
  bool timeline_semaphores_ = false, external_memory_ = false, external_semaphores_ = false;
  std::unique_ptr<detail::ValidationLog> validation_log_;  // stable address for the messenger
  bool owns_device_ = true;

  void destroy();
  // The command pool and fence of submit_and_wait(), on device_'s queue family.
  void create_submission_objects();
  // Fills the supports_* flags from what the physical device offers; returns the device
  // extensions to enable.
  std::vector<const char*> probe_optional_features();
};

}  // namespace being::gpu
