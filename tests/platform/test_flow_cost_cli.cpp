// The cost-aware selection (flow-cost) and `flexcim pareto` on stories260K, as a user
// runs them:
//   - pareto: every assignment's on-platform run (the real pruned int8 model) takes
//     exactly the cycles and energy the cost model predicts, job by job; flow-cost's
//     assignments respect their budgets in those runs; on the small-macro scenario
//     sparsity buys cycles and flow-cost is on the front;
//   - flow --objective: the budget holds; on the default platform, where every layer
//     fits one tile, dense is the cheapest assignment and the selection is dense;
//   - bad input: one error line, exit 2.
// Tests skip only when stories260K.bin is not found (FLEXCIM_SHARED_DIR).
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_process.h"
#include "llm/checkpoint.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

using nlohmann::json;

constexpr int kStoriesLinears = 35;  // 5 blocks x (wq wk wv wo w1 w3 w2)
constexpr int kDecodeSteps = 4;      // decode steps of a validation run

std::string small_macro() { return std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/stories260k-small-macro.yaml"; }

bool have_model() {
  try {
    return !llm::find_model("").empty();
  } catch (const llm::CheckpointError&) {
    return false;
  }
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Few stories keep these tests fast; the costs do not depend on them.
std::vector<std::string> short_run(const TempDir& dir) {
  return {"--stories", "2", "--calib-stories", "2", "--cost-cache", dir / "cache"};
}

TEST(FlowCostCli, ParetoPointsRunOnThePlatformExactlyAsPredicted) {
  if (!have_model()) GTEST_SKIP() << "stories260K.bin not found";
  TempDir dir;
  const ProcessResult r = run_flexcim(with({"pareto", "--platform", small_macro(), "--sparsities", "0.5",
                                            "--budgets", "0.6,0.75,0.9", "--out", dir / "out"},
                                           short_run(dir)),
                                      dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const json j = read_json(dir / "out/pareto.json");
  const json& points = j.at("points");
  ASSERT_GE(points.size(), 8u);
  const json& dense = points[0];
  ASSERT_EQ(dense.at("chosen_by")[0].at("policy"), "dense");
  const uint64_t dense_cycles = dense.at("predicted").at("cycles");
  bool cheaper_than_dense = false, flow_cost_seen = false;
  for (const json& p : points) {
    const json& v = p.at("validated");
    const json& predicted = p.at("predicted");
    EXPECT_EQ(v.at("jobs"), kDecodeSteps * kStoriesLinears);
    EXPECT_TRUE(v.at("golden_match").get<bool>());
    EXPECT_GT(v.at("outputs_checked").get<uint64_t>(), 0u);
    // The platform's run of the real model against the per-block prediction (the
    // cost of kDecodeSteps tokens is kDecodeSteps times the per-token cost).
    EXPECT_TRUE(v.at("equal_job_by_job").get<bool>()) << p.dump();
    EXPECT_EQ(v.at("cycles").get<uint64_t>(), kDecodeSteps * predicted.at("cycles").get<uint64_t>()) << p.dump();
    EXPECT_NEAR(v.at("energy_pj").get<double>(), kDecodeSteps * predicted.at("energy_pj").get<double>(),
                1e-9 * v.at("energy_pj").get<double>());
    cheaper_than_dense = cheaper_than_dense || predicted.at("cycles").get<uint64_t>() < dense_cycles;
    for (const json& by : p.at("chosen_by")) {
      if (by.at("policy") != "flow-cost") continue;
      flow_cost_seen = true;
      // The budget in cycles per token; the run fed kDecodeSteps tokens.
      EXPECT_LE(double(v.at("cycles").get<uint64_t>()), kDecodeSteps * by.at("budget").get<double>()) << p.dump();
    }
  }
  EXPECT_TRUE(cheaper_than_dense) << "on the small macro, sparser patterns take fewer tiles";
  EXPECT_TRUE(flow_cost_seen);
  EXPECT_LT(j.at("cheapest_fraction_of_dense").get<double>(), 1.0);
  EXPECT_NE(r.out.find("validated"), std::string::npos);
}

TEST(FlowCostCli, FlowObjectiveRespectsTheBudget) {
  if (!have_model()) GTEST_SKIP() << "stories260K.bin not found";
  TempDir dir;
  for (const char* objective : {"latency", "energy"}) {
    const std::string out = dir / objective;
    const ProcessResult r = run_flexcim(
        {"flow", "--objective", objective, "--budget", "0.7", "--platform", small_macro(), "--calib-stories", "2",
         "--cost-cache", dir / "cache", "--out", out},
        dir.path().string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json flow = read_json(out + "/flow.json");
    const json& fc = flow.at("flow_cost");
    const double budget = fc.at("budget"), cost = fc.at("predicted_cost");
    EXPECT_LE(cost, budget);
    EXPECT_GT(cost, 0.5 * budget) << "a budget of 0.7 leaves no reason to prune this much";
    // The per-block costs in flow.json add up to the predicted cost.
    double sum = 0;
    for (const json& b : flow.at("blocks"))
      sum += std::string(objective) == "energy" ? b.at("energy_pj").get<double>() : b.at("cycles").get<double>();
    EXPECT_NEAR(sum, cost, 1e-9 * cost);
  }
}

TEST(FlowCostCli, OnTheDefaultPlatformDenseIsCheapestSoEveryBudgetGetsDense) {
  if (!have_model()) GTEST_SKIP() << "stories260K.bin not found";
  TempDir dir;
  const ProcessResult r = run_flexcim({"flow", "--objective", "latency", "--budget", "1", "--calib-stories", "2",
                                       "--cost-cache", dir / "cache", "--out", dir / "out"},
                                      dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dense is the cheapest assignment"), std::string::npos) << r.out;
  const json flow = read_json(dir / "out/flow.json");
  for (const json& b : flow.at("blocks")) EXPECT_EQ(b.at("pattern"), "4:4");
  const ProcessResult below = run_flexcim({"flow", "--objective", "latency", "--budget", "0.9", "--calib-stories",
                                           "2", "--cost-cache", dir / "cache", "--out", dir / "out"},
                                          dir.path().string());
  expect_one_error_line(below, {"--budget 0.9", "cycles", "nearest feasible budget: 1"});
}

TEST(FlowCostCli, BadInputIsOneErrorLine) {
  TempDir dir;
  expect_one_error_line(run_flexcim({"flow", "--budget", "0.8"}, dir.path().string()),
                        {"--budget needs --objective"});
  expect_one_error_line(run_flexcim({"flow", "--objective", "latency"}, dir.path().string()),
                        {"flow-cost needs --budget"});
  expect_one_error_line(
      run_flexcim({"flow", "--objective", "latency", "--budget", "1", "--sparsity", "0.5"}, dir.path().string()),
      {"not both"});
  expect_one_error_line(run_flexcim({"eval", "--policy", "flow-cost", "--budget", "1"}, dir.path().string()),
                        {"needs --hw-aware"});
  expect_one_error_line(run_flexcim({"pareto", "--budgets", "0.5,x"}, dir.path().string()),
                        {"--budgets", "\"x\""});
  expect_one_error_line(run_flexcim({"run", std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/default.yaml", "--set",
                                     "workload.sparsity.policy=flow-cost"},
                                    dir.path().string()),
                        {"workload.sparsity.policy", "flow-cost", "real model"});
}

}  // namespace
}  // namespace flexcim::test
