// bake: the offline toolchain. Turns a talking-head video into a .avatar file.
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"bake: turn a short video of a person talking into a .avatar file\n"
               "  bake VIDEO -o OUT.avatar   is   bake make VIDEO -o OUT.avatar",
               "bake"};
  app.set_version_flag("--version", std::string("bake ") + BEING_VERSION);
  app.require_subcommand(1);
  std::vector<bake::Command> commands = {bake::add_models(app)};
#ifdef BEING_BAKE_ANALYZE
  commands.push_back(bake::add_analyze(app));
  commands.push_back(bake::add_ingest(app));
#endif
#ifdef BEING_BAKE_TRAIN
  commands.push_back(bake::add_train(app));
#endif
#if defined(BEING_BAKE_TRAIN) && defined(BEING_BAKE_ANALYZE)
  commands.push_back(bake::add_make(app));
#endif
#ifdef BEING_BAKE_EVAL
  commands.push_back(bake::add_eval(app));
#endif

  // `bake VIDEO -o OUT.avatar`: a first argument that is neither an option nor a command is a video.
  std::vector<char*> args(argv, argv + argc);
  std::set<std::string> names;
  for (const auto& c : commands) names.insert(c.app->get_name());
  static char make[] = "make";
  if (argc > 1 && argv[1][0] != '-' && names.count(argv[1]) == 0 && names.count("make") > 0)
    args.insert(args.begin() + 1, make);

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as command-line tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (const auto& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "bake: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
