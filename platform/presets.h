// Workload shapes of DESIGN.md section 4: the linear layers of one block.
#pragma once
#include <string>
#include <vector>

namespace flexcim {

struct PresetLinear {
  const char* name;
  int in_features, out_features;
};

struct ModelPreset {
  const char* name;
  int blocks;
  std::vector<PresetLinear> linears;  // per block, in execution order
};

const std::vector<ModelPreset>& model_presets();
const ModelPreset* find_preset(const std::string& name);

}  // namespace flexcim
