// being: plays avatars. Subcommands appear as they work end to end.
#include "being/asset/avatar.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

// `being inspect FILE`: validates an .avatar file and prints what it holds.
int run_inspect(const std::string& path) {
  try {
    const auto avatar = being::asset::read_avatar(path);
    std::cout << being::asset::describe(avatar);
    return 0;
  } catch (const being::asset::AssetError& e) {
    std::cerr << "being: not a valid avatar: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"being: lifelike talking avatars, played from audio", "being"};
  app.set_version_flag("--version", std::string("being ") + BEING_VERSION);
  app.require_subcommand(1);

  std::string inspect_path;
  auto* inspect = app.add_subcommand("inspect", "Validate an .avatar file and summarise its contents");
  inspect->add_option("avatar", inspect_path, "The .avatar file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as command-line tools do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*inspect) return run_inspect(inspect_path);
  } catch (const std::exception& e) {
    std::cerr << "being: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
