// Turns failed Vulkan calls into exceptions that name the call and the result.
#pragma once

#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace being::gpu {

const char* result_name(VkResult result);

inline void vk_check(VkResult result, const char* call) {
  if (result != VK_SUCCESS) {
    throw std::runtime_error(std::string("Vulkan: ") + call + " failed with " + result_name(result));
  }
}

}  // namespace being::gpu
