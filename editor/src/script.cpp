#include "being/editor/script.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace being::editor {
namespace {

enum class Arg { path, name, number, on_off, layer };

struct Grammar {
  const char* verb;
  std::vector<Arg> args;
  int optional;  // trailing arguments that may be left out
  const char* usage;
};

const std::vector<Grammar>& grammar() {
  static const std::vector<Grammar> g = {
      {"open", {Arg::path}, 0, "open PATH                      open an .avatar file"},
      {"save", {Arg::path}, 1, "save [PATH]                    validate and write atomically (default: the open file)"},
      {"undo", {}, 0, "undo                           revert the last edit"},
      {"redo", {}, 0, "redo                           repeat the last undone edit"},
      {"set weight", {Arg::name, Arg::number}, 0, "set weight NAME VALUE          saved weight of expression NAME (0..4)"},
      {"set code", {Arg::name, Arg::number}, 0, "set code NAME VALUE            drive with sliders: expression NAME's code"},
      {"set gain", {Arg::number}, 0, "set gain VALUE                 saved gain of the whole code (0..4)"},
      {"set smoothing", {Arg::number}, 0, "set smoothing SECONDS          saved smoothing time constant (0..1)"},
      {"set look-ahead", {Arg::number}, 0, "set look-ahead FRAMES          saved live look-ahead (avatar frames)"},
      {"set plate-gain", {Arg::number, Arg::number, Arg::number}, 0, "set plate-gain R G B           saved plate colour gain"},
      {"set plate-offset", {Arg::number, Arg::number, Arg::number}, 0, "set plate-offset R G B         saved plate colour offset"},
      {"set saturation", {Arg::number}, 0, "set saturation VALUE           saved plate saturation"},
      {"set idle-segment", {Arg::number, Arg::number}, 0, "set idle-segment FIRST COUNT   saved idle-loop segment (COUNT 0: to the end)"},
      {"audio", {Arg::path}, 0, "audio PATH                     drive with an audio file (timeline)"},
      {"seek", {Arg::number}, 0, "seek SECONDS                   move the timeline"},
      {"loop", {Arg::number, Arg::number}, 0, "loop FROM TO                   loop a range of the timeline (seconds)"},
      {"play", {}, 0, "play                           play the timeline"},
      {"pause", {}, 0, "pause                          pause the timeline"},
      {"microphone", {Arg::name}, 1, "microphone [NAME]              drive with a capture device (default: the system's)"},
      {"blink", {Arg::on_off}, 0, "blink on|off                   off: hold the eyeBlink codes at 0"},
      {"layer", {Arg::layer, Arg::on_off}, 0, "layer gaussians|mesh|plate|alpha|split on|off"},
      {"idle-motion", {Arg::on_off}, 0, "idle-motion on|off             head motion of the idle loop"},
      {"orbit", {Arg::number, Arg::number}, 0, "orbit YAW PITCH                view around the head (degrees)"},
      {"zoom", {Arg::number}, 0, "zoom FACTOR                    1: the trained camera"},
      {"screenshot", {Arg::path}, 0, "screenshot PATH                the viewport as an RGBA PNG"},
      {"render-mp4", {Arg::path}, 0, "render-mp4 PATH                the timeline's audio rendered to an MP4"},
      {"wait", {Arg::number}, 0, "wait FRAMES                    let the window draw FRAMES frames"},
      {"quit", {}, 0, "quit                           close the editor (unsaved edits are dropped)"},
  };
  return g;
}

std::vector<std::string> split_words(const std::string& line, const std::string& where) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
      ++i;
    } else if (line[i] == '#') {
      break;
    } else if (line[i] == '"') {
      const std::size_t end = line.find('"', i + 1);
      if (end == std::string::npos) throw ScriptError(where + ": a quoted word has no closing \"");
      words.push_back(line.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const std::size_t end = line.find_first_of(" \t\r#", i);
      words.push_back(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
      i = end == std::string::npos ? line.size() : end;
    }
  }
  return words;
}

bool parse_number(const std::string& word, double& value) {
  char* end = nullptr;
  value = std::strtod(word.c_str(), &end);
  return !word.empty() && end == word.c_str() + word.size();
}

void check_argument(Arg kind, const std::string& word, const std::string& where, const Grammar& g) {
  double unused = 0;
  bool ok = true;
  if (kind == Arg::number) ok = parse_number(word, unused);
  if (kind == Arg::on_off) ok = word == "on" || word == "off";
  if (kind == Arg::layer) ok = word == "gaussians" || word == "mesh" || word == "plate" || word == "alpha" || word == "split";
  if (!ok) throw ScriptError(where + ": \"" + word + "\" does not fit; usage: " + g.usage);
}

}  // namespace

double ScriptAction::number(std::size_t i) const {
  double value = 0;
  parse_number(words.at(i), value);
  return value;
}

const std::vector<std::string>& script_usage() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    for (const Grammar& g : grammar()) out.emplace_back(g.usage);
    return out;
  }();
  return lines;
}

std::vector<ScriptAction> parse_script(const std::string& text, const std::string& source) {
  std::vector<ScriptAction> actions;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = source + ":" + std::to_string(number);
    std::vector<std::string> words = split_words(line, where);
    if (words.empty()) continue;
    const Grammar* match = nullptr;
    std::size_t verb_words = 1;
    for (const Grammar& g : grammar()) {
      const std::string verb = g.verb;
      const bool two = verb.find(' ') != std::string::npos;
      if (two ? words.size() >= 2 && words[0] + " " + words[1] == verb : words[0] == verb) {
        match = &g;
        verb_words = two ? 2 : 1;
        break;
      }
    }
    if (!match) {
      std::string hint = words[0] == "set" && words.size() >= 2 ? "set " + words[1] : words[0];
      throw ScriptError(where + ": unknown action \"" + hint + "\" (being-editor --help lists the actions)");
    }
    ScriptAction action{match->verb, {words.begin() + static_cast<std::ptrdiff_t>(verb_words), words.end()}, where};
    const std::size_t most = match->args.size(), least = most - static_cast<std::size_t>(match->optional);
    if (action.words.size() < least || action.words.size() > most)
      throw ScriptError(where + ": " + std::to_string(action.words.size()) + " arguments; usage: " + match->usage);
    for (std::size_t i = 0; i < action.words.size(); ++i) check_argument(match->args[i], action.words[i], where, *match);
    actions.push_back(std::move(action));
  }
  return actions;
}

std::vector<ScriptAction> read_script(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ScriptError(path.string() + ": cannot read the script");
  std::stringstream text;
  text << in.rdbuf();
  return parse_script(text.str(), path.string());
}

}  // namespace being::editor
