// The browser client's files (runtime/serve/web/), compiled into the server by embed_web.cmake so
// that `being serve` finds them wherever it is run from or installed.
#pragma once

#include <cstddef>

namespace being::serve {

struct WebFile {
  const char* path;  // URL path, e.g. "/client.js"
  const unsigned char* data;
  std::size_t size;
};

extern const WebFile kWebFiles[];
extern const std::size_t kWebFileCount;

}  // namespace being::serve
