#include "being/live/audio_devices.h"

#include <AL/alc.h>

namespace being::live {
namespace {

// OpenAL device lists are NUL-separated names ending with an empty one.
std::vector<std::string> split_list(const ALCchar* list) {
  std::vector<std::string> names;
  while (list && *list) {
    names.emplace_back(list);
    list += names.back().size() + 1;
  }
  return names;
}

}  // namespace

std::vector<std::string> capture_devices() {
  if (!alcIsExtensionPresent(nullptr, "ALC_ENUMERATION_EXT")) return {};
  return split_list(alcGetString(nullptr, ALC_CAPTURE_DEVICE_SPECIFIER));
}

std::string default_capture_device() {
  const ALCchar* name = alcGetString(nullptr, ALC_CAPTURE_DEFAULT_DEVICE_SPECIFIER);
  return name ? name : "";
}

}  // namespace being::live
