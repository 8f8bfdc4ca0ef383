// The context the Vulkan tests use: the device BEING_VULKAN_DEVICE names (or the preferred one),
// always with validation when the layer is installed, so that API misuse fails the test.
#pragma once

#include "being/gpu/context.h"

namespace being::test {

inline gpu::ContextOptions vulkan_test_options() {
  gpu::ContextOptions options = gpu::ContextOptions::from_environment();
  options.validation = true;
  return options;
}

}  // namespace being::test
