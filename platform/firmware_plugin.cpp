#include "firmware_plugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "output_files.h"
#include "platform.h"

namespace flexcim {

FirmwarePlugin::FirmwarePlugin(const std::string& path) : path_(path) {
  if (!std::filesystem::is_regular_file(path))
    throw PluginError(fmt::format("firmware plug-in {}: no such file", path));
  // A path without a slash would make dlopen search the library path instead.
  const std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  handle_ = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw PluginError(fmt::format("firmware plug-in {}: cannot load: {}", path, dlerror()));
  const auto fail = [&](const std::string& what) {
    dlclose(handle_);
    throw PluginError(fmt::format("firmware plug-in {}: {}", path, what));
  };
  const auto* abi = static_cast<const uint32_t*>(dlsym(handle_, "flexcim_firmware_abi_version"));
  if (!abi) fail("no symbol flexcim_firmware_abi_version (define the plug-in with FLEXCIM_FIRMWARE_PLUGIN)");
  if (*abi != FLEXCIM_FIRMWARE_ABI_VERSION)
    fail(fmt::format("firmware ABI version {}, this flexcim runs version {} (rebuild it against this flexcim_plugin.h)",
                     *abi, FLEXCIM_FIRMWARE_ABI_VERSION));
  main_ = reinterpret_cast<flexcim_firmware_main_fn>(dlsym(handle_, "flexcim_firmware_main"));
  if (!main_) fail("no symbol flexcim_firmware_main (define the plug-in with FLEXCIM_FIRMWARE_PLUGIN)");
}

FirmwarePlugin::~FirmwarePlugin() {
  if (handle_) dlclose(handle_);
}

int FirmwarePlugin::run(fw::Hal& hal, const flexcim_firmware_board& board) const {
  try {
    return main_(&hal, &board);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("firmware plug-in {}: {}", path_, e.what()));
  } catch (...) {
    throw std::runtime_error(fmt::format("firmware plug-in {}: threw a non-standard exception", path_));
  }
}

Json simulate_plugin(const Scenario& scenario, const FirmwarePlugin& plugin, const std::string& out_dir, bool vcd) {
  std::vector<std::string> files{"stats.json"};
  if (vcd) files.push_back("trace.vcd");
  OutputFiles out(out_dir, files);
  Platform platform("platform", scenario.platform);
  if (vcd) {
    const std::string path = out.temp_path("trace.vcd");
    platform.trace_to(path.substr(0, path.size() - 4));  // SystemC adds ".vcd"
  }

  const fw::BoardInfo b = platform.board();
  const flexcim_firmware_board board{b.accelerator_base, b.dram_base, b.dram_size,
                                     scenario.platform.wait == fw::WaitMode::Interrupt ? 1u : 0u,
                                     scenario.platform.poll_interval_ns};
  int returned = 0;
  std::optional<Interrupted> interrupted;
  try {
    platform.run([&](fw::Hal& hal) { returned = plugin.run(hal, board); });
  } catch (const Interrupted& e) {
    interrupted = e;
  } catch (...) {
    if (vcd) out.commit("trace.vcd");  // up to the failure: what one debugs it with
    throw;
  }

  // First key, as in simulate(): the jobs of a stopped run are not all the firmware's.
  Json stats = {{"complete", !interrupted}};
  stats["scenario"] = scenario.name;
  stats["firmware"] = plugin.path();
  stats["firmware_returned"] = returned;
  const Json jobs = platform.job_stats();
  for (const auto& [key, value] : jobs.items()) stats[key] = value;
  write_json(stats, out.temp_path("stats.json"));
  for (const std::string& f : files) out.commit(f);
  if (interrupted)
    throw Interrupted(interrupted->signal(), fmt::format("{}; partial results in {}", interrupted->what(),
                                                         out.path("stats.json")));
  return stats;
}

std::string summarize_plugin(const Json& stats) {
  const Json& t = stats["totals"];
  std::string s = fmt::format("firmware {} on scenario {} ({}, {} macros): returned {}\n",
                              stats["firmware"].get<std::string>(), stats["scenario"].get<std::string>(),
                              stats["platform"]["architecture"].get<std::string>(),
                              stats["platform"]["macros"].get<unsigned>(), stats["firmware_returned"].get<int>());
  s += fmt::format("  {:>4} {:>6} {:>7} {:>7} {:>5} {:>12} {:>14} {:>8}\n", "job", "tokens", "in", "out", "N:M",
                   "cycles", "energy [nJ]", "error");
  for (const Json& j : stats["jobs"])
    s += fmt::format("  {:>4} {:>6} {:>7} {:>7} {:>5} {:>12} {:>14.3f} {:>8}\n", j["job"].get<int>(),
                     j["tokens"].get<uint32_t>(), j["in_features"].get<uint32_t>(), j["out_features"].get<uint32_t>(),
                     j["pattern"].get<std::string>(), j["cycles"].get<uint64_t>(), j["energy_pj"].get<double>() / 1000.0,
                     j["error"].get<std::string>());
  s += fmt::format("  total: {} job(s), {} cycles, {:.3f} us, {:.3f} nJ\n", t["jobs"].get<size_t>(),
                   t["cycles"].get<uint64_t>(), t["time_ns"].get<double>() / 1000.0, t["energy_pj"].get<double>() / 1000.0);
  return s;
}

}  // namespace flexcim
