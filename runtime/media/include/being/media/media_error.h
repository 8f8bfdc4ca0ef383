// The error every media reader and writer throws: the file's path, then what is wrong with it in
// words a user can act on ("has no audio stream", "cannot be written (Permission denied)").
#pragma once

#include <stdexcept>

namespace being::media {

class MediaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace being::media
