// The avatar open in being-editor and the session's edits. What the editor changes is the avatar's
// tuning (asset::Tuning: expression weights, gain, smoothing, look-ahead, plate colour, idle
// segment); everything else is the trained result and stays as read. Every edit replaces the whole
// tuning, so undo and redo are snapshots and cannot drift from what was shown.
#pragma once

#include "being/asset/avatar.h"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::editor {

// A request the document cannot carry out (an unknown expression name, nothing to undo); the
// message says what would work.
class DocumentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Document {
 public:
  // Reads and validates the file; throws asset::AssetError naming the first problem.
  explicit Document(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  // The avatar lives as long as the document at a fixed address: players may borrow it.
  const asset::Avatar& avatar() const { return *avatar_; }
  const asset::Tuning& tuning() const { return avatar_->tuning; }

  // Replaces the tuning; `what` names the edit ("jawOpen weight"). With `merge`, an edit with the
  // same `what` as the last one joins its undo step (one step per slider drag, not per frame).
  // Values are checked when saving (asset::validate), as the file format defines them.
  void edit(const asset::Tuning& tuning, const std::string& what, bool merge = false);

  bool can_undo() const { return !undo_.empty(); }
  bool can_redo() const { return !redo_.empty(); }
  // The edit undo() / redo() would revert or repeat; "" when none.
  std::string undo_label() const { return undo_.empty() ? "" : undo_.back().what; }
  std::string redo_label() const { return redo_.empty() ? "" : redo_.back().what; }
  void undo();  // throws DocumentError when there is nothing to undo
  void redo();

  // The tuning differs from the file's.
  bool modified() const;

  // Validates, then writes atomically (a temporary file renamed over the target: a crash or a
  // kill leaves the old file whole). Empty `path`: the document's own file; otherwise the document
  // refers to `path` from then on. Throws asset::AssetError.
  void save(const std::filesystem::path& path = {});

  // The index of the expression code component `name`; throws DocumentError listing the names.
  std::size_t expression_index(const std::string& name) const;

 private:
  struct Step {
    asset::Tuning tuning;  // the tuning before (undo) or after (redo) the edit
    std::string what;
  };

  // Restores the last step of `from` and records the current tuning as a step of `to`.
  void move_step(std::vector<Step>& from, std::vector<Step>& to);

  std::filesystem::path path_;
  std::unique_ptr<asset::Avatar> avatar_;
  asset::Tuning saved_;
  std::vector<Step> undo_, redo_;
  bool last_mergeable_ = false;
};

// The tunings are equal value for value.
bool same_tuning(const asset::Tuning& a, const asset::Tuning& b);

}  // namespace being::editor
