// Shared by `bake ingest` and `bake make`: the ingest options and the run with progress and summary.
#pragma once

#include <CLI/CLI.hpp>

#include "being/ingest/ingest.h"

namespace bake {

void add_ingest_options(CLI::App& app, being::ingest::IngestRequest& request, double& av_offset, CLI::Option*& offset);
being::ingest::IngestSummary ingest_with_progress(const being::ingest::IngestRequest& request);

}  // namespace bake
