// being-editor's automation (`being-editor --script FILE`): a line-based list of UI actions, run in
// order in the open window (`wait N` lets frames be drawn), so that a script does what a person at
// the window would.
// The language (docs/editor.md, "Scripts"): one action per line, words separated by spaces, a word
// with spaces in double quotes, `#` starts a comment. Numbers are checked when the script is read,
// so a typo fails before the editor does anything.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace being::editor {

// A malformed script; the message starts with `FILE:LINE:` and gives the action's usage.
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScriptAction {
  std::string verb;                // "open", "set weight", "screenshot", ... (two words for set/layer)
  std::vector<std::string> words;  // the arguments after the verb
  std::string where;               // "FILE:LINE", for messages while it runs

  double number(std::size_t i) const;  // words[i] as a number (checked when the script was read)
};

// Every action and its arguments, for --help and docs/editor.md.
const std::vector<std::string>& script_usage();

std::vector<ScriptAction> parse_script(const std::string& text, const std::string& source);
// Reads and parses a file; throws ScriptError when it cannot be read or is malformed.
std::vector<ScriptAction> read_script(const std::filesystem::path& path);

}  // namespace being::editor
