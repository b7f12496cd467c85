#pragma once
// The flexcim subcommands that work on the real model (stories260K, llama2.c format):
//   generate [MODEL]   greedy or sampled token ids from BOS
//   flow [MODEL]       FLOW's per-block N:M selection: table, DIR/flow.csv, DIR/flow.json
//   eval [MODEL]       accuracy of a pruning policy against the dense model: DIR/eval.json
// MODEL defaults to stories260K.bin found by llm::find_model. Each command runs from its
// CLI11 callback during app.parse(); failures (bad model file, infeasible sparsity with
// the nearest achievable targets, bad pattern) are thrown as std::exception subclasses
// other than CLI::ParseError, for the caller to report.

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

#include "nm/pattern.h"

namespace flexcim {

// hw_candidates returns the N:M patterns the accelerator's capability register
// advertises; `--candidates hw` fails with "hw candidates unavailable" when it is empty.
void add_llm_commands(CLI::App& app,
                      std::function<std::vector<nm::Pattern>()> hw_candidates = {});

}  // namespace flexcim
