// Builds a Scenario the way `flexcim run` does: defaults.yaml overlaid by a
// scenario file (written into a test directory) and --set overrides.
#pragma once
#include <string>
#include <vector>

#include "config.h"
#include "scenario.h"
#include "temp_dir.h"

namespace flexcim::test {

inline Scenario load_scenario(const TempDir& dir, const std::string& yaml,
                              const std::vector<std::string>& overrides = {}) {
  const std::string file = dir.write("scenario.yaml", yaml);
  return read_scenario(Config::load(defaults_path(), file, overrides));
}

}  // namespace flexcim::test
