// `flexcim compare`: the same scenario (same seed) on FlexCiM and on the
// baselines the paper compares against, each a configuration of the same
// models: a dense DCiM on the unpruned model, and the fixed-pattern sparse DCiM
// (platform.accelerator.fixed_pattern) twice, on FlexCiM's masks and on its own
// best model (every sparse layer pruned hardware-aware to its pattern where that
// is at least as dense). SystemC elaborates once per process, so every
// architecture runs in a child process; the parent collects stats.json.
#pragma once
#include <string>
#include <vector>

#include "stats.h"

namespace flexcim {

struct CompareOptions {
  std::string scenario;
  std::vector<std::string> sets;
  std::string out_dir;  // default out/<scenario>-compare
  bool quiet = false;   // no progress line
};

struct Architecture {
  std::string name;                    // as reported, and its output directory
  std::string masks;                   // "flexcim": FlexCiM's masks; "own": pruned to what it supports
  std::vector<std::string> overrides;  // --set values that select it
};

// flexcim, dense-dcim, fixed-nm-<fixed_pattern> (FlexCiM's masks), fixed-nm-<fixed_pattern>-own.
std::vector<Architecture> compared_architectures(const std::string& fixed_pattern);

// Runs all architectures, writes DIR/compare.json and DIR/<arch>/stats.json.
Json compare(const CompareOptions& options);

std::string summarize_compare(const Json& compare);

}  // namespace flexcim
