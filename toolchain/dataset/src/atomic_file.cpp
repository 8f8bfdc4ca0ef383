#include "atomic_file.h"

#include "being/dataset/dataset.h"

namespace being::dataset {

AtomicFile::AtomicFile(const std::filesystem::path& path) : path_(path), part_(path.string() + ".part") {
  stream_.open(part_, std::ios::binary | std::ios::trunc);
  if (!stream_)
    throw DatasetError("cannot write " + path.string() + " (check that the folder exists and is writable)");
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  stream_.close();
  std::error_code ignored;
  std::filesystem::remove(part_, ignored);
}

void AtomicFile::commit() {
  stream_.close();
  if (!stream_) throw DatasetError("writing " + path_.string() + " failed (disk full?)");
  std::error_code error;
  std::filesystem::rename(part_, path_, error);
  if (error) throw DatasetError("cannot rename " + part_.string() + " onto " + path_.string() + ": " + error.message());
  committed_ = true;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  AtomicFile out(path);
  out.stream() << text;
  out.commit();
}


}  // namespace being::dataset
