// The same firmware in a program of its own: the platform a scenario describes
// (default: the installed scenarios/default.yaml), the firmware on its host CPU,
// then the accelerator's per-job statistics.
//   hello [SCENARIO] [key.path=value ...]
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "hello.h"
#include "platform.h"

int sc_main(int argc, char* argv[]) {
  flexcim::set_data_dir(FLEXCIM_VP_DATA_DIR);  // defined by FlexCiMVP::platform
  try {
    const std::string path = argc > 1 ? argv[1] : flexcim::default_scenario_path();
    const flexcim::Scenario scenario = flexcim::load_scenario(path, std::vector<std::string>(argv + std::min(argc, 2), argv + argc));
    flexcim::Platform platform("platform", scenario.platform);
    const flexcim::fw::BoardInfo b = platform.board();
    const flexcim_firmware_board board{b.accelerator_base, b.dram_base, b.dram_size,
                                       scenario.platform.wait == flexcim::fw::WaitMode::Interrupt ? 1u : 0u,
                                       scenario.platform.poll_interval_ns};
    int result = 0;
    platform.run([&](flexcim::fw::Hal& hal) { result = hello(hal, board); });
    const flexcim::Json stats = platform.job_stats();
    std::printf("hello: %zu job, %llu cycles, %.1f ns, %.3f nJ\n", stats["jobs"].size(),
                static_cast<unsigned long long>(stats["totals"]["cycles"].get<uint64_t>()),
                stats["totals"]["time_ns"].get<double>(), stats["totals"]["energy_pj"].get<double>() / 1000.0);
    return result;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hello: error: %s\n", e.what());
    return 2;
  }
}
