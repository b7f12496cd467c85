// A firmware plug-in (firmware/flexcim_plugin.h) loaded from a shared library,
// and the run of it on a scenario's platform (`flexcim run --firmware`).
#pragma once
#include <stdexcept>
#include <string>

#include "flexcim_plugin.h"
#include "stats.h"

namespace flexcim {

// The library could not be used: missing file, not a shared library, missing
// symbol, other ABI version. One line naming the file and what is expected.
class PluginError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FirmwarePlugin {
 public:
  explicit FirmwarePlugin(const std::string& path);  // throws PluginError
  ~FirmwarePlugin();
  FirmwarePlugin(const FirmwarePlugin&) = delete;
  FirmwarePlugin& operator=(const FirmwarePlugin&) = delete;

  const std::string& path() const { return path_; }
  // Calls the entry point. What the plug-in throws comes back as std::runtime_error
  // with its message, so nothing refers into the library once it is closed.
  int run(fw::Hal& hal, const flexcim_firmware_board& board) const;

 private:
  std::string path_;
  void* handle_ = nullptr;
  flexcim_firmware_main_fn main_ = nullptr;
};

// Runs the plug-in on the scenario's platform; writes out_dir/stats.json (the
// jobs the accelerator ran, job_stats) with the plug-in's return value.
Json simulate_plugin(const Scenario& scenario, const FirmwarePlugin& plugin, const std::string& out_dir, bool vcd);

// The short human summary printed after a plug-in run.
std::string summarize_plugin(const Json& stats);

}  // namespace flexcim
