// A file written under PATH.part and renamed onto PATH by commit(); removed if never committed, so a
// failure or a kill never leaves a file that looks finished.
#pragma once

#include <filesystem>
#include <fstream>

#include "being/dataset/tensor_file.h"

namespace being::dataset {

class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return stream_; }
  // Closes and renames; throws DatasetError when writing failed (disk full).
  void commit();

 private:
  std::filesystem::path path_, part_;
  std::ofstream stream_;
  bool committed_ = false;
};

}  // namespace being::dataset
