// The accelerator's job log stays bounded in long sessions (eval --on-platform
// runs thousands of jobs) while its totals still cover every job.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "platform.h"
#include "runtime.h"
#include "scenario_loader.h"

namespace flexcim {
namespace {

TEST(JobLog, KeepsTheMostRecentJobsAndTotalsOverAll) {
  test::TempDir dir;
  std::string layers = "name: log\nworkload:\n  tokens: 2\n  layers:\n";
  for (int i = 0; i < 12; ++i) layers += fmt::format("    - {{name: l{}, in: {}, out: 32}}\n", i, 64 + 32 * i);
  const Scenario scenario = test::load_scenario(dir, layers);
  Platform platform("platform", scenario.platform);
  platform.accelerator().set_job_log_capacity(4);
  const fw::BoardInfo board = platform.board();
  fw::RunReport report;
  platform.run([&](fw::Hal& hal) {
    report = fw::Runtime(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns).run(scenario.workload);
  });
  ASSERT_EQ(report.layers.size(), 12u);
  ASSERT_TRUE(report.golden_match());

  const auto& jobs = platform.accelerator().jobs();
  ASSERT_EQ(jobs.size(), 4u);
  for (size_t k = 0; k < 4; ++k) EXPECT_EQ(jobs[k].job.in_features, 64u + 32 * (8 + k)) << "not the last four";

  const Accelerator::JobTotals& totals = platform.accelerator().totals();
  EXPECT_EQ(totals.jobs, 12u);
  uint64_t cycles = 0;
  for (const fw::LayerReport& l : report.layers) cycles += l.status.cycles;  // as the firmware read PERF_CYCLES
  EXPECT_EQ(totals.cycles, cycles);
  EXPECT_GT(totals.duration_ns, 0.0);
  EXPECT_GT(totals.energy[Action::Mac], 0u);
}

}  // namespace
}  // namespace flexcim
