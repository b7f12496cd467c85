// `flexcim compare`: the same scenario (same pruned weights, same seed) on
// FlexCiM and on the baselines the paper compares against, each a
// configuration of the same models. SystemC elaborates once per process, so
// every architecture runs in a child process; the parent collects stats.json.
#pragma once
#include <string>
#include <vector>

#include "stats.h"

namespace flexcim {

struct CompareOptions {
  std::string scenario;
  std::vector<std::string> sets;
  std::string out_dir;  // default out/<scenario>-compare
};

struct Architecture {
  std::string name;                    // as reported
  std::vector<std::string> overrides;  // --set values that select it
};

// flexcim, dense-dcim, fixed-nm (2:4).
std::vector<Architecture> compared_architectures();

// Runs all architectures, writes DIR/compare.json and DIR/<arch>/stats.json.
Json compare(const CompareOptions& options);

std::string summarize_compare(const Json& compare);

}  // namespace flexcim
