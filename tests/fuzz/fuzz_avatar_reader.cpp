// libFuzzer entry for the .avatar reader. Any input must end in an avatar or an AssetError; any
// other exception, crash, leak or sanitizer report is a finding. An accepted input must also
// survive write -> read -> write unchanged, so reader and writer agree on what is valid.
#include <cstdlib>

#include "being/asset/avatar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace being::asset;
  Avatar avatar;
  try {
    avatar = read_avatar_from_memory(data, size);
  } catch (const AssetError&) {
    return 0;
  }
  const std::vector<uint8_t> written = write_avatar_to_memory(avatar);
  const Avatar again = read_avatar_from_memory(written.data(), written.size());
  if (write_avatar_to_memory(again) != written) std::abort();
  return 0;
}
