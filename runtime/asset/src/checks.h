// Small helpers shared by the reader, the writer and the validator (not part of the public API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "being/asset/avatar.h"

namespace being::asset::detail {

[[noreturn]] inline void fail(const std::string& path, const std::string& message) {
  throw AssetError(path + ": " + message);
}

// a * b, or fail(path, ...) when it does not fit in size_t.
inline size_t checked_mul(size_t a, size_t b, const std::string& path) {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a) {
    fail(path, std::to_string(a) + " * " + std::to_string(b) + " overflows");
  }
  return a * b;
}

inline size_t checked_add(size_t a, size_t b, const std::string& path) {
  if (b > std::numeric_limits<size_t>::max() - a) {
    fail(path, std::to_string(a) + " + " + std::to_string(b) + " overflows");
  }
  return a + b;
}

inline std::string at(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

inline std::string quoted_at(const std::string& path, const std::string& key) {
  return path + "[\"" + key + "\"]";
}

float half_to_float(uint16_t half);

// Where the BEING_avatar extension keeps each part; the writer and the reader share these names.
inline constexpr const char* kExtensionName = "BEING_avatar";
inline constexpr const char* kSplatExtensionName = "KHR_gaussian_splatting";
inline constexpr const char* kSplatRotation = "KHR_gaussian_splatting:ROTATION";
inline constexpr const char* kSplatScale = "KHR_gaussian_splatting:SCALE";
inline constexpr const char* kSplatOpacity = "KHR_gaussian_splatting:OPACITY";
inline std::string sh_attribute(int degree, int coefficient) {
  return "KHR_gaussian_splatting:SH_DEGREE_" + std::to_string(degree) + "_COEF_" +
         std::to_string(coefficient);
}
inline constexpr const char* kSplatColorSpace = "srgb_rec709_display";

}  // namespace being::asset::detail
