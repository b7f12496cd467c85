#pragma once
// The flexcim subcommands that work on the real model (stories260K, llama2.c format):
//   generate [MODEL]   text (or token ids) generated from BOS or a prompt
//   tokenize TEXT      BOS and the token ids of TEXT
//   flow [MODEL]       FLOW's per-block N:M selection: table, DIR/flow.csv, DIR/flow.json
//   eval [MODEL]       perplexity of a pruned model on text, KL and top-1 against the
//                      dense model: DIR/eval.json
// MODEL defaults to stories260K.bin found by llm::find_model, the tokenizer to tok512.bin
// beside it, texts to ../shared/data/. Each command runs from its CLI11 callback during
// app.parse(); failures (bad model, tokenizer or text file, infeasible sparsity with the
// nearest achievable targets, bad pattern) are thrown as std::exception subclasses other
// than CLI::ParseError, for the caller to report.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "llm/quant.h"
#include "nm/pattern.h"

namespace flexcim {

// What running the pruned model's linear layers on the virtual FlexCiM cost.
struct PlatformCost {
  std::string architecture;   // platform.accelerator.architecture
  uint64_t jobs = 0;
  uint64_t cycles = 0;        // accelerator cycles over all jobs
  double time_ns = 0;         // accelerator time over all jobs
  double energy_pj = 0;
  std::vector<uint64_t> job_cycles;    // per job, in the order they ran
  std::vector<double> job_energy_pj;
  uint64_t outputs_checked = 0, mismatches = 0;  // against the host's golden GEMM
};
// The command ran but what it checked failed (a golden mismatch): exit status 1.
class RunFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Elaborates the platform of `scenario` (with `--set` overrides) and runs `firmware`
// on its host CPU with an Int8Gemm that drives the accelerator.
using OnPlatform = std::function<PlatformCost(const std::string& scenario, const std::vector<std::string>& overrides,
                                              const std::function<void(llm::Int8Gemm&)>& firmware)>;

// hw_candidates returns the N:M patterns the accelerator's capability register
// advertises; `--candidates hw` fails with "hw candidates unavailable" when it is empty.
// on_platform backs `eval --on-platform`.
void add_llm_commands(CLI::App& app, std::function<std::vector<nm::Pattern>()> hw_candidates = {},
                      OnPlatform on_platform = {});

}  // namespace flexcim
