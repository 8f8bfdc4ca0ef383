#include "being/models/model_store.h"
#include "commands.h"

namespace bake {

// `bake models`: verifies every file of the model cache against the manifest.
Command add_models(CLI::App& bake) {
  auto quiet = std::make_shared<bool>(false);
  auto* app = bake.add_subcommand("models", "Verify the model cache (sha256 of every model file)");
  app->add_flag("-q,--quiet", *quiet, "Only list files that are missing or corrupt");
  return {app, [quiet] {
            const auto dir = being::models::cache_dir();
            int bad = 0;
            for (const auto& entry : being::models::manifest()) {
              const auto status = being::models::check(entry, dir);
              if (status != being::models::Status::ok) ++bad;
              if (!*quiet || status != being::models::Status::ok)
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
          }};
}

}  // namespace bake
