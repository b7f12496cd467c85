#include "presets.h"

namespace flexcim {

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> presets = {
      {"llama2-7b", 32,
       {{"q", 4096, 4096}, {"k", 4096, 4096}, {"v", 4096, 4096}, {"o", 4096, 4096},
        {"gate", 4096, 11008}, {"up", 4096, 11008}, {"down", 11008, 4096}}},
      {"opt-6.7b", 32,
       {{"q", 4096, 4096}, {"k", 4096, 4096}, {"v", 4096, 4096}, {"out", 4096, 4096},
        {"fc1", 4096, 16384}, {"fc2", 16384, 4096}}},
      {"opt-13b", 40,
       {{"q", 5120, 5120}, {"k", 5120, 5120}, {"v", 5120, 5120}, {"out", 5120, 5120},
        {"fc1", 5120, 20480}, {"fc2", 20480, 5120}}},
      // Mamba: d_inner = 2 d_model, dt_rank = ceil(d_model / 16), d_state = 16,
      // so x_proj produces dt_rank + 2 * 16 values.
      {"mamba-2.8b", 64,
       {{"in_proj", 2560, 10240}, {"x_proj", 5120, 192}, {"dt_proj", 160, 5120}, {"out_proj", 5120, 2560}}},
      {"mamba-130m", 24,
       {{"in_proj", 768, 3072}, {"x_proj", 1536, 80}, {"dt_proj", 48, 1536}, {"out_proj", 1536, 768}}},
  };
  return presets;
}

const ModelPreset* find_preset(const std::string& name) {
  for (const ModelPreset& p : model_presets())
    if (name == p.name) return &p;
  return nullptr;
}

}  // namespace flexcim
