// bake: the offline toolchain. Turns a talking-head video into a .avatar file.
#include "being/models/model_store.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

namespace {

// `bake models`: verifies every file of the model cache against the manifest.
int run_models(bool quiet) {
  const auto dir = being::models::cache_dir();
  int bad = 0;
  for (const auto& entry : being::models::manifest()) {
    const auto status = being::models::check(entry, dir);
    if (status != being::models::Status::ok) ++bad;
    if (!quiet || status != being::models::Status::ok)
      std::printf("%-12s %s\n", being::models::to_string(status), entry.path.c_str());
  }
  std::printf("model cache %s: %zu files, %d not usable\n", dir.string().c_str(),
              being::models::manifest().size(), bad);
  if (bad > 0) {
    std::fprintf(stderr,
                 "bake: %d model file(s) missing or corrupt. Run scripts/setup.sh --models "
                 "(copies from ../shared/models or $BEING_MODELS_DIR, or downloads them).\n",
                 bad);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bake: turn a short video of a person talking into a .avatar file", "bake"};
  app.set_version_flag("--version", std::string("bake ") + BEING_VERSION);
  app.require_subcommand(1);

  bool quiet = false;
  auto* models = app.add_subcommand("models", "Verify the model cache (sha256 of every model file)");
  models->add_flag("-q,--quiet", quiet, "Only list files that are missing or corrupt");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as command-line tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*models) return run_models(quiet);
  } catch (const std::exception& e) {
    std::cerr << "bake: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
