// Fuzz target 2: the scenario loader and validator. The input is a scenario file;
// its lines that start with "#set " are also passed as --set overrides (to YAML they
// are comments). Loading must end in a scenario or a one-line ConfigError; anything
// else escaping is a finding. A scenario that loads must survive the round trip the
// documentation promises: `flexcim config` prints a file that loads to the same
// configuration.
#include <sstream>
#include <string>
#include <vector>

#include "config.h"
#include "scenario.h"
#include "systemc_support.h"

using namespace flexcim;

namespace {

std::string effective(const std::string& path, const std::vector<std::string>& sets) {
  const Config cfg = Config::load(defaults_path(), path, sets);
  read_scenario(cfg);
  return cfg.dump();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::prepare_kernel();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("#set ", 0) == 0) sets.push_back(line.substr(5));

  std::string dump;
  fuzz::load_file<ConfigError>(data, size, ".yaml", [&](const std::string& path) { dump = effective(path, sets); });
  if (dump.empty()) return 0;
  const std::string again = fuzz::input_file(reinterpret_cast<const uint8_t*>(dump.data()), dump.size(), ".dump.yaml");
  try {
    if (effective(again, {}) != dump) fuzz::finding("the dump of a valid scenario loads to another configuration");
  } catch (const std::exception& e) {
    fuzz::finding(std::string("the dump of a valid scenario does not load: ") + e.what());
  }
  return 0;
}
