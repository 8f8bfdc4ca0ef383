// The subcommands of bake, a file each: a command adds its options to the app and returns what runs
// it once the command line is parsed. Usage errors exit 2 (CLI11), failures 1 with "bake: <why>".
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace bake {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_models(CLI::App& bake);
#ifdef BEING_BAKE_ANALYZE
Command add_analyze(CLI::App& bake);
Command add_ingest(CLI::App& bake);
#endif
#ifdef BEING_BAKE_TRAIN
Command add_train(CLI::App& bake);
#endif
#if defined(BEING_BAKE_TRAIN) && defined(BEING_BAKE_ANALYZE)
// `bake make VIDEO -o OUT.avatar`, also reached as `bake VIDEO -o OUT.avatar`.
Command add_make(CLI::App& bake);
#endif
#ifdef BEING_BAKE_EVAL
Command add_eval(CLI::App& bake);
#endif

}  // namespace bake
