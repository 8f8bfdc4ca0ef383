#include "being/models/model_store.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace being::models {
namespace detail {
extern const char* const kManifestText;
}

namespace {

constexpr const char* kFixHint =
    "run scripts/setup.sh --models (it copies from ../shared/models or $BEING_MODELS_DIR, "
    "or downloads from the upstream source), or point $BEING_MODEL_CACHE at a filled cache";

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::string::size_type start = 0;
  while (true) {
    auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct VerifiedFile {
  std::uintmax_t size;
  std::filesystem::file_time_type mtime;
};

}  // namespace

std::vector<ModelInfo> parse_manifest(const std::string& text) {
  std::vector<ModelInfo> entries;
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    auto fields = split_tabs(line);
    const std::string where = "model manifest line " + std::to_string(line_number);
    if (fields.size() != 4) throw ModelError(where + ": expected 4 tab-separated fields");
    ModelInfo info;
    info.path = fields[0];
    if (info.path.empty() || info.path[0] == '/' || info.path.find("..") != std::string::npos)
      throw ModelError(where + ": bad path '" + info.path + "'");
    try {
      std::size_t used = 0;
      info.bytes = std::stoull(fields[1], &used);
      if (used != fields[1].size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
      throw ModelError(where + ": bad size '" + fields[1] + "'");
    }
    if (!is_hex_sha256(fields[2])) throw ModelError(where + ": bad sha256 '" + fields[2] + "'");
    info.sha256 = fields[2];
    info.source = fields[3];
    entries.push_back(std::move(info));
  }
  return entries;
}

const std::vector<ModelInfo>& manifest() {
  static const std::vector<ModelInfo> entries = parse_manifest(detail::kManifestText);
  return entries;
}

std::filesystem::path cache_dir() {
  if (const char* dir = std::getenv("BEING_MODEL_CACHE"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "being" / "models";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".cache" / "being" / "models";
}

const char* to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::missing: return "missing";
    case Status::wrong_size: return "wrong size";
    case Status::wrong_hash: return "wrong sha256";
  }
  return "unknown";
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ModelError("cannot read " + file.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw ModelError("sha256 is not available (OpenSSL)");
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw ModelError("error while reading " + file.string());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

Status check(const ModelInfo& info, const std::filesystem::path& dir) {
  const auto file = dir / info.path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return Status::missing;
  if (std::filesystem::file_size(file, ec) != info.bytes || ec) return Status::wrong_size;
  return sha256_file(file) == info.sha256 ? Status::ok : Status::wrong_hash;
}

std::filesystem::path require(const std::string& relative_path) {
  const ModelInfo* info = nullptr;
  for (const auto& entry : manifest())
    if (entry.path == relative_path) info = &entry;
  if (!info)
    throw ModelError("model '" + relative_path + "' is not in the model manifest (toolchain/models/models.tsv)");

  const auto dir = cache_dir();
  const auto file = dir / info->path;

  static std::mutex mutex;
  static std::map<std::string, VerifiedFile> verified;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  const auto mtime = std::filesystem::last_write_time(file, ec);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = verified.find(file.string());
    if (!ec && it != verified.end() && it->second.size == size && it->second.mtime == mtime) return file;
  }

  switch (check(*info, dir)) {
    case Status::ok: break;
    case Status::missing:
      throw ModelError("model " + info->path + " is missing from the model cache " + dir.string() + ": " + kFixHint);
    case Status::wrong_size:
    case Status::wrong_hash:
      throw ModelError("model " + file.string() + " is corrupt or a different version (expected " +
                       std::to_string(info->bytes) + " bytes, sha256 " + info->sha256 +
                       "): delete it and " + kFixHint);
  }
  std::lock_guard<std::mutex> lock(mutex);
  verified[file.string()] = VerifiedFile{size, mtime};
  return file;
}

}  // namespace being::models
