#include "being/editor/document.h"

namespace being::editor {

bool same_tuning(const asset::Tuning& a, const asset::Tuning& b) {
  return a.expression_weights == b.expression_weights && a.expression_gain == b.expression_gain &&
         a.smoothing == b.smoothing && a.look_ahead_frames == b.look_ahead_frames && a.plate_gain == b.plate_gain &&
         a.plate_offset == b.plate_offset && a.plate_saturation == b.plate_saturation &&
         a.idle_first == b.idle_first && a.idle_count == b.idle_count;
}

Document::Document(const std::filesystem::path& path)
    : path_(path), avatar_(std::make_unique<asset::Avatar>(asset::read_avatar(path))), saved_(avatar_->tuning) {}

void Document::edit(const asset::Tuning& tuning, const std::string& what, bool merge) {
  if (same_tuning(tuning, avatar_->tuning)) return;
  if (!(merge && last_mergeable_ && !undo_.empty() && undo_.back().what == what)) undo_.push_back({avatar_->tuning, what});
  redo_.clear();
  avatar_->tuning = tuning;
  last_mergeable_ = merge;
}

void Document::undo() {
  if (undo_.empty()) throw DocumentError("undo: nothing to undo in this session");
  move_step(undo_, redo_);
}

void Document::redo() {
  if (redo_.empty()) throw DocumentError("redo: nothing to redo (every undone edit was redone or replaced)");
  move_step(redo_, undo_);
}

void Document::move_step(std::vector<Step>& from, std::vector<Step>& to) {
  to.push_back({avatar_->tuning, from.back().what});
  avatar_->tuning = from.back().tuning;
  from.pop_back();
  last_mergeable_ = false;
}

bool Document::modified() const { return !same_tuning(avatar_->tuning, saved_); }

void Document::save(const std::filesystem::path& path) {
  const std::filesystem::path target = path.empty() ? path_ : path;
  asset::write_avatar(*avatar_, target);
  path_ = target;
  saved_ = avatar_->tuning;
}

std::size_t Document::expression_index(const std::string& name) const {
  const auto& names = avatar_->face.expression_names;
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return k;
  std::string known;
  for (std::size_t k = 0; k < names.size() && k < 8; ++k) known += (k ? ", " : "") + names[k];
  if (names.size() > 8) known += ", ... (" + std::to_string(names.size()) + " in all)";
  throw DocumentError("no expression \"" + name + "\" in this avatar" +
                      (names.empty() ? std::string(" (it has no expression codes)") : "; it has " + known));
}

}  // namespace being::editor
