#include "being/gpu/context.h"

#include "vk_check.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <sstream>

namespace being::gpu {

const char* result_name(VkResult result) {
  switch (result) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_FRAGMENTED_POOL: return "VK_ERROR_FRAGMENTED_POOL";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "an unlisted VkResult";
  }
}

const char* to_string(DeviceType type) {
  switch (type) {
    case DeviceType::discrete: return "discrete GPU";
    case DeviceType::integrated: return "integrated GPU";
    case DeviceType::virtual_gpu: return "virtual GPU";
    case DeviceType::cpu: return "CPU";
    case DeviceType::other: return "other";
  }
  return "other";
}

namespace detail {

struct ValidationLog {
  std::mutex mutex;
  std::vector<std::string> messages;
};

}  // namespace detail

namespace {

constexpr std::uint32_t required_api = VK_API_VERSION_1_2;
constexpr const char* validation_layer = "VK_LAYER_KHRONOS_validation";

DeviceType device_type(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return DeviceType::discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return DeviceType::integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return DeviceType::virtual_gpu;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return DeviceType::cpu;
    default: return DeviceType::other;
  }
}

int preference_rank(DeviceType type) {
  switch (type) {
    case DeviceType::discrete: return 0;
    case DeviceType::integrated: return 1;
    case DeviceType::virtual_gpu: return 2;
    case DeviceType::cpu: return 3;
    case DeviceType::other: return 4;
  }
  return 4;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string version_text(std::uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v));
}

std::string device_list(const std::vector<DeviceInfo>& devices) {
  std::ostringstream out;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    out << "\n  " << i << ": " << devices[i].name << " (" << to_string(devices[i].type) << ", Vulkan "
        << version_text(devices[i].api_version) << ")";
  }
  return out.str();
}

bool is_index(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool has_layer(const char* name) {
  std::uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  return std::any_of(layers.begin(), layers.end(),
                     [&](const VkLayerProperties& p) { return std::string(p.layerName) == name; });
}

bool layer_has_extension(const char* layer, const char* extension) {
  std::uint32_t count = 0;
  vkEnumerateInstanceExtensionProperties(layer, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateInstanceExtensionProperties(layer, &count, extensions.data());
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const VkExtensionProperties& p) { return std::string(p.extensionName) == extension; });
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                     VkDebugUtilsMessageTypeFlagsEXT,
                                                     const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                     void* user) {
  const char* level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  const std::string message = std::string("validation ") + level + ": " + (data->pMessage ? data->pMessage : "");
  std::fprintf(stderr, "%s\n", message.c_str());
  auto* log = static_cast<detail::ValidationLog*>(user);
  std::lock_guard<std::mutex> lock(log->mutex);
  log->messages.push_back(message);
  return VK_FALSE;
}

}  // namespace

std::size_t choose_device(const std::vector<DeviceInfo>& devices, const std::string& selector) {
  if (devices.empty()) {
    throw std::runtime_error(
        "no Vulkan device found. Install a Vulkan driver: your GPU vendor's, or for a CPU device "
        "`apt-get install mesa-vulkan-drivers` (lavapipe)");
  }
  if (is_index(selector)) {
    const std::size_t index = selector.size() <= 9 ? std::stoul(selector) : devices.size();
    if (index >= devices.size()) {
      throw std::runtime_error("BEING_VULKAN_DEVICE=" + selector + " is not a device index; devices:" +
                               device_list(devices));
    }
    if (devices[index].api_version < required_api) {
      throw std::runtime_error("Vulkan device " + selector + " (" + devices[index].name +
                               ") supports only Vulkan " + version_text(devices[index].api_version) +
                               "; Being needs 1.2 or newer");
    }
    return index;
  }
  if (!selector.empty()) {
    const std::string wanted = lower(selector);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (lower(devices[i].name).find(wanted) != std::string::npos && devices[i].api_version >= required_api) {
        return i;
      }
    }
    throw std::runtime_error("no Vulkan 1.2 device's name contains BEING_VULKAN_DEVICE=\"" + selector +
                             "\"; devices:" + device_list(devices));
  }
  std::size_t best = devices.size();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (devices[i].api_version < required_api) continue;
    if (best == devices.size() || preference_rank(devices[i].type) < preference_rank(devices[best].type)) {
      best = i;
    }
  }
  if (best == devices.size()) {
    throw std::runtime_error("no Vulkan device supports Vulkan 1.2; update the driver. Devices:" +
                             device_list(devices));
  }
  return best;
}

ContextOptions ContextOptions::from_environment() {
  ContextOptions options;
  const char* validation = std::getenv("BEING_VULKAN_VALIDATION");
  options.validation = validation && std::string(validation) == "1";
  const char* device = std::getenv("BEING_VULKAN_DEVICE");
  if (device) options.device_selector = device;
  return options;
}

void Context::check_validation() const {
  std::vector<std::string> messages;
  {
    std::lock_guard<std::mutex> lock(validation_log_->mutex);
    messages.swap(validation_log_->messages);
  }
  if (messages.empty()) return;
  std::string text = std::to_string(messages.size()) + " Vulkan validation message(s):";
  for (const auto& m : messages) text += "\n" + m;
  throw std::runtime_error(text);
}

Context::Context(const ContextOptions& options) : validation_log_(std::make_unique<detail::ValidationLog>()) {
  try {
    std::uint32_t loader_version = VK_API_VERSION_1_0;
    vkEnumerateInstanceVersion(&loader_version);
    if (loader_version < required_api) {
      throw std::runtime_error("the Vulkan loader supports only Vulkan " + version_text(loader_version) +
                               "; Being needs 1.2 or newer (update libvulkan1)");
    }

    const bool validation = options.validation && has_layer(validation_layer);
    if (options.validation && !validation) {
      std::fprintf(stderr,
                   "warning: Vulkan validation requested but %s is not installed "
                   "(apt-get install vulkan-validationlayers); running without it\n",
                   validation_layer);
    }
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Being";
    app.pEngineName = "Being";
    app.apiVersion = required_api;
    VkDebugUtilsMessengerCreateInfoEXT messenger_info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    messenger_info.messageSeverity =
        VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messenger_info.messageType =
        VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT;
    messenger_info.pfnUserCallback = on_validation_message;
    messenger_info.pUserData = validation_log_.get();
    const VkValidationFeatureEnableEXT synchronization = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
    features.enabledValidationFeatureCount = 1;
    features.pEnabledValidationFeatures = &synchronization;

    const char* layers[] = {validation_layer};
    std::vector<const char*> extensions;
    for (const auto& name : options.instance_extensions) extensions.push_back(name.c_str());
    VkInstanceCreateInfo instance_info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    instance_info.pApplicationInfo = &app;
    if (validation) {
      extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
      instance_info.enabledLayerCount = 1;
      instance_info.ppEnabledLayerNames = layers;
      instance_info.pNext = &messenger_info;  // also reports problems of vkCreate/DestroyInstance
      if (layer_has_extension(validation_layer, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
        extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
        features.pNext = &messenger_info;
        instance_info.pNext = &features;
      }
    }
    instance_info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
    instance_info.ppEnabledExtensionNames = extensions.data();
    const VkResult created = vkCreateInstance(&instance_info, nullptr, &instance_);
    if (created == VK_ERROR_INCOMPATIBLE_DRIVER) {
      throw std::runtime_error(
          "no Vulkan driver is installed (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER). Install your "
          "GPU vendor's driver, or for a CPU device `apt-get install mesa-vulkan-drivers` (lavapipe)");
    }
    vk_check(created, "vkCreateInstance");
    if (validation) {
      auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
      vk_check(create_messenger(instance_, &messenger_info, nullptr, &messenger_),
               "vkCreateDebugUtilsMessengerEXT");
    }
    if (options.create_surface) surface_ = options.create_surface(instance_);

    std::uint32_t count = 0;
    vk_check(vkEnumeratePhysicalDevices(instance_, &count, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> physical(count);
    vk_check(vkEnumeratePhysicalDevices(instance_, &count, physical.data()), "vkEnumeratePhysicalDevices");
    std::vector<DeviceInfo> infos;
    for (VkPhysicalDevice p : physical) {
      VkPhysicalDeviceProperties props;
      vkGetPhysicalDeviceProperties(p, &props);
      infos.push_back({props.deviceName, device_type(props.deviceType), props.apiVersion});
    }
    const std::size_t chosen = choose_device(infos, options.device_selector);
    physical_device_ = physical[chosen];
    device_info_ = infos[chosen];
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(physical_device_, &props);
    limits_ = props.limits;
    vkGetPhysicalDeviceMemoryProperties(physical_device_, &memory_properties_);

    // One queue: graphics+compute when offered (the renderer draws), otherwise compute only.
    std::uint32_t family_count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical_device_, &family_count, nullptr);
    std::vector<VkQueueFamilyProperties> families(family_count);
    vkGetPhysicalDeviceQueueFamilyProperties(physical_device_, &family_count, families.data());
    std::uint32_t family = family_count;
    for (std::uint32_t i = 0; i < family_count; ++i) {
      const VkQueueFlags flags = families[i].queueFlags;
      if (!(flags & VK_QUEUE_COMPUTE_BIT)) continue;
      if (surface_) {
        VkBool32 presents = VK_FALSE;
        vk_check(vkGetPhysicalDeviceSurfaceSupportKHR(physical_device_, i, surface_, &presents),
                 "vkGetPhysicalDeviceSurfaceSupportKHR");
        if (!presents) continue;
      }
      if (family == family_count || ((flags & VK_QUEUE_GRAPHICS_BIT) && !(families[family].queueFlags & VK_QUEUE_GRAPHICS_BIT))) {
        family = i;
      }
    }
    if (family == family_count) {
      throw std::runtime_error("Vulkan device " + device_info_.name +
                               (surface_ ? " has no compute queue that can present to the window"
                                         : " has no compute queue") +
                               "; choose another with BEING_VULKAN_DEVICE=<index or name>");
    }
    queue_family_ = family;
    timestamp_valid_bits_ = families[family].timestampValidBits;

    VkPhysicalDeviceIDProperties id{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
    VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props2.pNext = &id;
    vkGetPhysicalDeviceProperties2(physical_device_, &props2);
    std::copy(std::begin(id.deviceUUID), std::end(id.deviceUUID), device_uuid_.begin());
    std::vector<const char*> device_extensions = probe_optional_features();
    if (surface_) device_extensions.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queue_info.queueFamilyIndex = queue_family_;
    queue_info.queueCount = 1;
    queue_info.pQueuePriorities = &priority;
    VkPhysicalDeviceVulkan12Features features12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    features12.timelineSemaphore = timeline_semaphores_ ? VK_TRUE : VK_FALSE;
    VkDeviceCreateInfo device_create{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    device_create.pNext = &features12;
    device_create.queueCreateInfoCount = 1;
    device_create.pQueueCreateInfos = &queue_info;
    device_create.enabledExtensionCount = static_cast<std::uint32_t>(device_extensions.size());
    device_create.ppEnabledExtensionNames = device_extensions.data();
    vk_check(vkCreateDevice(physical_device_, &device_create, nullptr, &device_), "vkCreateDevice");
    vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
    create_submission_objects();
  } catch (...) {
    destroy();
    throw;
  }
}

Context::Context(const ExternalDevice& external)
    : validation_log_(std::make_unique<detail::ValidationLog>()), owns_device_(false) {
  if (!external.instance || !external.physical_device || !external.device || !external.queue)
    throw std::invalid_argument("the application's Vulkan device: instance, physical device, device and queue must all be set");
  std::uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(external.physical_device, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(external.physical_device, &family_count, families.data());
  if (external.queue_family >= family_count || !(families[external.queue_family].queueFlags & VK_QUEUE_COMPUTE_BIT))
    throw std::invalid_argument("the application's Vulkan device: queue family " + std::to_string(external.queue_family) +
                                " does not exist or cannot run compute work; pass a family with VK_QUEUE_COMPUTE_BIT");
  VkPhysicalDeviceIDProperties id{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &id;
  vkGetPhysicalDeviceProperties2(external.physical_device, &props2);
  if (props2.properties.apiVersion < required_api)
    throw std::invalid_argument(std::string("the application's Vulkan device ") + props2.properties.deviceName +
                                " supports only Vulkan " + version_text(props2.properties.apiVersion) + "; Being needs 1.2");
  instance_ = external.instance;
  physical_device_ = external.physical_device;
  device_ = external.device;
  queue_ = external.queue;
  queue_family_ = external.queue_family;
  timestamp_valid_bits_ = families[queue_family_].timestampValidBits;
  device_info_ = {props2.properties.deviceName, device_type(props2.properties.deviceType), props2.properties.apiVersion};
  limits_ = props2.properties.limits;
  vkGetPhysicalDeviceMemoryProperties(physical_device_, &memory_properties_);
  std::copy(std::begin(id.deviceUUID), std::end(id.deviceUUID), device_uuid_.begin());
  try {
    create_submission_objects();
  } catch (...) {
    destroy();
    throw;
  }
}

void Context::create_submission_objects() {
  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  pool_info.queueFamilyIndex = queue_family_;
  vk_check(vkCreateCommandPool(device_, &pool_info, nullptr, &command_pool_), "vkCreateCommandPool");
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  vk_check(vkCreateFence(device_, &fence_info, nullptr, &fence_), "vkCreateFence");
}

std::vector<const char*> Context::probe_optional_features() {
  std::uint32_t count = 0;
  vk_check(vkEnumerateDeviceExtensionProperties(physical_device_, nullptr, &count, nullptr),
           "vkEnumerateDeviceExtensionProperties");
  std::vector<VkExtensionProperties> offered(count);
  vk_check(vkEnumerateDeviceExtensionProperties(physical_device_, nullptr, &count, offered.data()),
           "vkEnumerateDeviceExtensionProperties");
  auto has = [&](const char* name) {
    return std::any_of(offered.begin(), offered.end(),
                       [&](const VkExtensionProperties& p) { return std::string(p.extensionName) == name; });
  };

  VkPhysicalDeviceVulkan12Features features12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &features12;
  vkGetPhysicalDeviceFeatures2(physical_device_, &features);
  timeline_semaphores_ = features12.timelineSemaphore == VK_TRUE;

  // The extension alone does not promise that this kind of buffer or semaphore can be exported:
  // ask for exactly what Buffer and TimelineSemaphore create.
  std::vector<const char*> enabled;
  if (has(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME)) {
    VkPhysicalDeviceExternalBufferInfo buffer{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO};
    buffer.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    buffer.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkExternalBufferProperties properties{VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
    vkGetPhysicalDeviceExternalBufferProperties(physical_device_, &buffer, &properties);
    external_memory_ =
        (properties.externalMemoryProperties.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT) != 0;
    if (external_memory_) enabled.push_back(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
  }
  if (timeline_semaphores_ && has(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME)) {
    VkSemaphoreTypeCreateInfo timeline{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
    timeline.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
    VkPhysicalDeviceExternalSemaphoreInfo semaphore{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_SEMAPHORE_INFO};
    semaphore.pNext = &timeline;
    semaphore.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
    VkExternalSemaphoreProperties properties{VK_STRUCTURE_TYPE_EXTERNAL_SEMAPHORE_PROPERTIES};
    vkGetPhysicalDeviceExternalSemaphoreProperties(physical_device_, &semaphore, &properties);
    external_semaphores_ = (properties.externalSemaphoreFeatures & VK_EXTERNAL_SEMAPHORE_FEATURE_EXPORTABLE_BIT) != 0;
    if (external_semaphores_) enabled.push_back(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME);
  }
  return enabled;
}

Context::~Context() { destroy(); }

void Context::destroy() {
  if (!owns_device_) {
    // Every submission was waited for, so nothing of ours still runs on the borrowed queue.
    if (fence_) vkDestroyFence(device_, fence_, nullptr);
    if (command_pool_) vkDestroyCommandPool(device_, command_pool_, nullptr);
    fence_ = VK_NULL_HANDLE;
    command_pool_ = VK_NULL_HANDLE;
    return;
  }
  if (device_) {
    vkDeviceWaitIdle(device_);
    if (fence_) vkDestroyFence(device_, fence_, nullptr);
    if (command_pool_) vkDestroyCommandPool(device_, command_pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
    device_ = VK_NULL_HANDLE;
  }
  if (messenger_) {
    auto destroy_messenger = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    destroy_messenger(instance_, messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
  }
  if (surface_) {
    vkDestroySurfaceKHR(instance_, surface_, nullptr);
    surface_ = VK_NULL_HANDLE;
  }
  if (instance_) {
    vkDestroyInstance(instance_, nullptr);
    instance_ = VK_NULL_HANDLE;
  }
}

std::uint32_t Context::find_memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags required,
                                        VkMemoryPropertyFlags preferred) const {
  std::uint32_t fallback = memory_properties_.memoryTypeCount;
  for (std::uint32_t i = 0; i < memory_properties_.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    const VkMemoryPropertyFlags flags = memory_properties_.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return i;
    if (fallback == memory_properties_.memoryTypeCount) fallback = i;
  }
  if (fallback == memory_properties_.memoryTypeCount) {
    throw std::runtime_error("Vulkan device " + device_info_.name +
                             " has no memory type with the required properties (flags 0x" +
                             std::to_string(required) + ")");
  }
  return fallback;
}

void Context::submit_and_wait(const std::function<void(VkCommandBuffer)>& record, const TimelineSync& sync) const {
  if (sync.semaphore && !timeline_semaphores_)
    throw std::logic_error("submit_and_wait: timeline semaphores are not enabled on " + device_info_.name);
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = command_pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  vk_check(vkAllocateCommandBuffers(device_, &alloc, &cmd), "vkAllocateCommandBuffers");
  struct Free {
    VkDevice device;
    VkCommandPool pool;
    VkCommandBuffer cmd;
    ~Free() { vkFreeCommandBuffers(device, pool, 1, &cmd); }
  } free_on_exit{device_, command_pool_, cmd};

  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vk_check(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
  record(cmd);
  vk_check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");

  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  VkTimelineSemaphoreSubmitInfo timeline{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  if (sync.semaphore && sync.wait_value) {
    timeline.waitSemaphoreValueCount = 1;
    timeline.pWaitSemaphoreValues = &sync.wait_value;
    submit.waitSemaphoreCount = 1;
    submit.pWaitSemaphores = &sync.semaphore;
    submit.pWaitDstStageMask = &sync.wait_stages;
  }
  if (sync.semaphore && sync.signal_value) {
    timeline.signalSemaphoreValueCount = 1;
    timeline.pSignalSemaphoreValues = &sync.signal_value;
    submit.signalSemaphoreCount = 1;
    submit.pSignalSemaphores = &sync.semaphore;
  }
  if (sync.semaphore) submit.pNext = &timeline;
  vk_check(vkResetFences(device_, 1, &fence_), "vkResetFences");
  vk_check(vkQueueSubmit(queue_, 1, &submit, fence_), "vkQueueSubmit");
  vk_check(vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  check_validation();
}

}  // namespace being::gpu
