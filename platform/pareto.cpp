#include "pareto.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "flow_cost.h"
#include "llm/policy.h"
#include "llm/quant.h"
#include "llm_cli.h"
#include "llm_commands.h"
#include "scenario.h"

namespace flexcim {
namespace {

using namespace cli;
namespace fs = std::filesystem;

struct ParetoArgs {
  std::string model, tokenizer;
  std::string platform = default_scenario_path();
  std::vector<std::string> sets;
  std::string objective = "latency";
  std::string phase = "decode";
  int tokens = 64;
  std::string budgets;  // empty: evenly spaced from the cheapest assignment to dense
  int budget_points = 8;
  std::string sparsities = "0.25,0.5,0.75";
  TextArgs calib{default_data("tinystories-valid-calib.txt"), 0};
  TextArgs text{default_data("tinystories-valid-eval.txt"), 0};
  std::string cache = "out/cost-cache";
  std::string out;
};

// One assignment and the policies (with their setting) that chose it.
struct Point {
  std::vector<nm::Pattern> patterns;
  struct Choice {
    std::string policy, setting;
    double budget = -1;  // flow-cost: its budget in cycles or pJ
  };
  std::vector<Choice> chosen_by;
  double ce = 0, predicted_dce = 0;
  JobCost predicted;
  Validation validation;
  bool front_latency = false, front_energy = false;
};

std::string blocks_str(const std::vector<nm::Pattern>& patterns) {  // "2:4 1:8 ...", as the README tables
  std::vector<std::string> s;
  for (const nm::Pattern& p : patterns) s.push_back(p.str());
  return fmt::format("{}", fmt::join(s, " "));
}

std::vector<double> parse_fractions(const std::string& text, const char* flag) {
  std::vector<double> v;
  for (const std::string& part : split_commas(text)) {
    size_t end = 0;
    double x = -1;
    try {
      x = std::stod(part, &end);
    } catch (const std::exception&) {
      end = 0;
    }
    if (part.empty() || end != part.size() || !(x >= 0) || !std::isfinite(x))
      throw std::invalid_argument(fmt::format("{}: \"{}\" is not a fraction >= 0; expected e.g. 0.5,0.75", flag, part));
    v.push_back(x);
  }
  return v;
}

// Pearson correlation of x and y; 0 when either is constant.
double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

std::vector<double> ranks(const std::vector<double>& v) {  // ties get their mean rank
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[order[k]] = (double(i) + double(j)) / 2.0;
    i = j + 1;
  }
  return r;
}

// On the front: no other point is at most as costly and at most as lossy, and better in one.
void mark_front(std::vector<Point>& points, bool energy) {
  for (Point& p : points) {
    const auto cost = [&](const Point& q) { return energy ? q.predicted.energy_pj : double(q.predicted.cycles); };
    bool dominated = false;
    for (const Point& q : points)
      dominated = dominated || (cost(q) <= cost(p) && q.ce <= p.ce && (cost(q) < cost(p) || q.ce < p.ce));
    (energy ? p.front_energy : p.front_latency) = !dominated;
  }
}

void run_pareto(const ParetoArgs& a) {
  const flow::Objective objective = flow::parse_objective(a.objective);
  const Phase phase = parse_phase(a.phase);
  const std::vector<double> sparsities = parse_fractions(a.sparsities, "--sparsities");
  std::vector<double> budgets = a.budgets.empty() ? std::vector<double>{} : parse_fractions(a.budgets, "--budgets");
  const Scenario platform = load_scenario(a.platform, a.sets);
  const LoadedModel m = load_model(a.model, a.tokenizer);
  const TokenizedText calib = tokenize(m, a.calib, "--calib-stories");
  const TokenizedText text = tokenize(m, a.text, "--stories");
  const int cols = int(platform.platform.accelerator.geometry.cols);
  const int n_blocks = m.model.config.n_layers;

  const FlowCostModel cost = build_flow_cost_model(m.model, calib.sequences, platform, a.tokens, a.cache);
  flow::PolicyOptions options;
  options.candidates = cost.candidates;
  options.dense_blocks = std::vector<int>{};  // every policy may prune every block
  options.objective = objective;

  // The assignments, each evaluated once whichever policies chose it.
  std::vector<Point> points;
  auto add = [&](const std::string& policy, const std::string& setting, const std::vector<nm::Pattern>& patterns,
                 double budget = -1) {
    auto same = [&](const Point& p) { return p.patterns == patterns; };
    auto it = std::find_if(points.begin(), points.end(), same);
    if (it == points.end()) it = points.insert(points.end(), Point{patterns, {}, 0, 0, {}, {}, false, false});
    it->chosen_by.push_back({policy, setting, budget});
  };
  const nm::Pattern dense = cost.candidates.back();
  add("dense", "", std::vector<nm::Pattern>(n_blocks, dense));
  for (const nm::Pattern& p : cost.candidates)
    if (!p.dense()) add("uniform", p.str(), std::vector<nm::Pattern>(n_blocks, p));
  const llm::ChannelStats stats = llm::collect_channel_stats(m.model, calib.sequences);
  std::vector<std::string> skipped;
  for (const char* name : {"owl", "flow"})
    for (double s : sparsities) {
      flow::PolicyOptions o = options;
      o.sparsity = s;
      try {
        add(name, fmt::format("{:g}", s), llm::select_patterns(m.model, stats, flow::Policy::parse(name), o).patterns);
      } catch (const std::exception& e) {  // a target these candidates cannot reach exactly
        skipped.push_back(fmt::format("{} at {:g}: {}", name, s, e.what()));
      }
    }
  const flow::CostTables tables = cost.tables(objective, phase);
  const flow::BudgetProblem problem = flow::flow_cost_problem(options, n_blocks, tables);
  const double dense_cost = flow::dense_cost(problem), cheapest = flow::cheapest_cost(problem) / dense_cost;
  if (a.budgets.empty())
    for (int i = 0; i < a.budget_points; ++i)
      budgets.push_back(a.budget_points == 1 ? 1.0
                                             : cheapest + (std::max(1.0, cheapest) - cheapest) * i / (a.budget_points - 1));
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());  // dense cheapest: all equal 1
  // flow-cost at exactly each other policy's cost: the comparison at equal latency (or energy).
  const size_t baselines = points.size();
  for (size_t i = 1; i < baselines; ++i) {
    flow::BudgetProblem at = problem;
    at.budget = 0;
    for (int b = 0; b < n_blocks; ++b) at.budget += tables.cost[b][cost.candidate(points[i].patterns[b])];
    const Point::Choice first = points[i].chosen_by.front();  // add() may move the points
    add("flow-cost", fmt::format("{} <= {} {}", a.objective, first.policy, first.setting),
        flow::select_under_budget(at).patterns, at.budget);
  }
  for (double b : budgets) {
    flow::PolicyOptions o = options;
    o.budget = b;
    try {
      const flow::Selection sel = select_flow_cost(cost, o, phase);
      add("flow-cost", fmt::format("{} {:.4g}", a.objective, b), sel.patterns, sel.budget);
    } catch (const std::invalid_argument& e) {
      skipped.push_back(fmt::format("flow-cost at {:.4g}: {}", b, e.what()));
    }
  }

  // Accuracy on the evaluation text (host int8, bit-identical to the platform's),
  // the cost model's prediction, and the on-platform run of the same model.
  const int fed = phase == Phase::Decode ? kDecodeSteps : cost.prefill_tokens;
  const auto sequence = std::find_if(text.sequences.begin(), text.sequences.end(),
                                     [&](const std::vector<int>& s) { return s.size() >= size_t(fed); });
  if (sequence == text.sequences.end())
    throw std::invalid_argument(fmt::format("no evaluation story has the {} tokens the validation run feeds", fed));
  const BlockCosts& costs = cost.costs(phase);
  for (Point& p : points) {
    const llm::PrunedModel pruned =
        llm::prune_sequential(m.model, calib.sequences, p.patterns, nm::PruneMode::HwAware, cols);
    llm::HostInt8Gemm gemm;
    const std::vector<std::vector<llm::QuantLayer>> layers = llm::quantize_model(pruned);
    p.ce = llm::cross_entropy(pruned.model, llm::int8_linear(layers, gemm), text.sequences);
    for (int b = 0; b < n_blocks; ++b) {
      const size_t c = cost.candidate(p.patterns[b]);
      p.predicted_dce += cost.sensitivity.delta_ce[b][c];
      p.predicted.cycles += costs.cycles[b][c];
      p.predicted.energy_pj += costs.energy_pj[b][c];
    }
    p.validation = validate_on_platform(cost, platform, pruned, *sequence, phase);
  }
  mark_front(points, false);
  mark_front(points, true);
  const double dense_ce = points.front().ce;

  // How well the additive calibration-CE model predicts the true CE increase.
  std::vector<double> predicted, observed;
  for (const Point& p : points) {
    predicted.push_back(p.predicted_dce);
    observed.push_back(p.ce - dense_ce);
  }
  const double r = pearson(predicted, observed), rho = pearson(ranks(predicted), ranks(observed));

  const fs::path out = a.out.empty() ? fs::path("out") / ("pareto-" + fs::path(m.path).stem().string()) : fs::path(a.out);
  const std::string per = phase == Phase::Decode ? fmt::format("per decode token") :
                                                   fmt::format("per {}-token prefill", cost.prefill_tokens);
  fmt::print("pareto on {}, platform {}{}: {} assignments; cost of the model's linear layers {}; CE on {} tokens "
             "of {} stories\n",
             m.name, a.platform, a.sets.empty() ? "" : fmt::format(" (--set {})", fmt::join(a.sets, " ")),
             points.size(), per, text.tokens - long(text.sequences.size()), text.sequences.size());
  fmt::print("{:<28} {:<20} {:>9} {:>9} {:>8} {:>10} {:>13} {:>5}  {}\n", "policy", "blocks (N:M)", "ppl", "CE",
             "pred dCE", "cycles", "energy [nJ]", "front", "validated");
  std::string csv =
      "policy,setting,blocks,ce,ppl,predicted_delta_ce,true_delta_ce,cycles,energy_pj,validated_cycles,"
      "validated_energy_pj,validation_equal,front_latency,front_energy\n";
  Json json_points = Json::array();
  bool all_equal = true;
  uint64_t mismatches = 0;
  for (const Point& p : points) {
    std::vector<std::string> names;
    for (const Point::Choice& c : p.chosen_by)
      names.push_back(c.setting.empty() ? c.policy : c.policy + " " + c.setting);
    const Validation& v = p.validation;
    all_equal = all_equal && v.equal();
    mismatches += v.mismatches;
    const std::string front = std::string(p.front_latency ? "L" : "") + (p.front_energy ? "E" : "");
    fmt::print("{:<28} {:<20} {:>9.3f} {:>9.4f} {:>8.4f} {:>10} {:>13.3f} {:>5}  {}\n",
               fmt::format("{}", fmt::join(names, "; ")),
               blocks_str(p.patterns), std::exp(p.ce), p.ce, p.predicted_dce, p.predicted.cycles,
               p.predicted.energy_pj / 1e3, front, v.equal() ? "equal" : "DIFFERENT");
    for (const Point::Choice& c : p.chosen_by)
      csv += fmt::format("{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{},{:.6g},{},{:.6g},{},{},{}\n", c.policy, c.setting,
                         blocks_str(p.patterns), p.ce, std::exp(p.ce), p.predicted_dce,
                         p.ce - dense_ce, p.predicted.cycles, p.predicted.energy_pj, v.cycles(true),
                         v.energy_pj(true), v.equal() ? 1 : 0, p.front_latency ? 1 : 0, p.front_energy ? 1 : 0);
    Json by = Json::array();
    for (const Point::Choice& c : p.chosen_by) {
      by.push_back(Json{{"policy", c.policy}, {"setting", c.setting}});
      if (c.budget >= 0) by.back()["budget"] = c.budget;
    }
    json_points.push_back(Json{{"chosen_by", by},
                               {"blocks", pattern_list(p.patterns)},
                               {"ce", p.ce},
                               {"ppl", std::exp(p.ce)},
                               {"predicted_delta_calibration_ce", p.predicted_dce},
                               {"true_delta_ce", p.ce - dense_ce},
                               {"predicted", {{"cycles", p.predicted.cycles}, {"energy_pj", p.predicted.energy_pj}}},
                               {"validated",
                                {{"jobs", v.measured.size()},
                                 {"cycles", v.cycles(true)},
                                 {"energy_pj", v.energy_pj(true)},
                                 {"predicted_cycles", v.cycles(false)},
                                 {"predicted_energy_pj", v.energy_pj(false)},
                                 {"equal_job_by_job", v.equal()},
                                 {"outputs_checked", v.outputs_checked},
                                 {"golden_match", v.mismatches == 0}}},
                               {"front_latency", p.front_latency},
                               {"front_energy", p.front_energy}});
  }
  fmt::print("accuracy model: predicted calibration-CE increase against the true CE increase on the evaluation "
             "text over the {} assignments: Pearson r {:.3f}, Spearman rho {:.3f}\n",
             points.size(), r, rho);
  fmt::print("cheapest assignment {:.4f} of dense {} {}", cheapest, a.phase, a.objective);
  if (cheapest >= 1.0)
    fmt::print(" -- dense is the cheapest assignment on this platform: sparsity buys no {} here, so every "
               "flow-cost budget selects dense",
               a.objective);
  fmt::print("\n");
  for (const std::string& s : skipped) fmt::print("skipped {}\n", s);

  Json settings = {{"platform", {{"scenario", a.platform}, {"set", a.sets}}},
                   {"objective", a.objective},
                   {"phase", a.phase},
                   {"cost_per", per},
                   {"validation",
                    phase == Phase::Decode
                        ? fmt::format("{} decode steps of the first evaluation story, one token each", kDecodeSteps)
                        : fmt::format("one prefill of the first {} tokens of the first evaluation story long enough",
                                      cost.prefill_tokens)},
                   {"budgets_fraction_of_dense", budgets},
                   {"sparsities", sparsities},
                   {"pruning", fmt::format("hw-aware, pair selects shared by {} columns, sequential (Wanda)", cols)},
                   {"int8", true},
                   {"dense_blocks", "none"},
                   {"skipped", skipped}};
  const Json json = {{"model", m.name},
                     {"settings", settings},
                     {"text", text_json(text)},
                     {"calibration", calibration_json(calib, true, true)},
                     {"dense_ce", dense_ce},
                     {"cheapest_fraction_of_dense", cheapest},
                     {"accuracy_model_quality", {{"pearson_r", r}, {"spearman_rho", rho}, {"points", points.size()}}},
                     {"points", json_points},
                     {"models", flow_cost_json(cost)}};
  write_file(out / "pareto.csv", csv);
  write_file(out / "pareto.json", json.dump(2) + "\n");
  fmt::print("wrote {} and pareto.json\n", (out / "pareto.csv").string());
  if (mismatches) throw RunFailed(fmt::format("{} accelerator outputs differ from the golden GEMM", mismatches));
  if (!all_equal)
    throw RunFailed("the platform's cycles or energy differ from the cost model's prediction (see validated in "
                    "pareto.json)");
}

}  // namespace

void add_pareto_command(CLI::App& app) {
  auto a = std::make_shared<ParetoArgs>();
  CLI::App* p = app.add_subcommand(
      "pareto", "Accuracy against latency and energy on a platform for dense, uniform N:M, OWL, FLOW and flow-cost "
                "assignments, each validated by an on-platform run; writes DIR/pareto.csv and DIR/pareto.json "
                "(default DIR out/pareto-<model stem>)");
  add_model_options(p, a->model, a->tokenizer);
  p->add_option("--platform", a->platform, "Scenario whose platform runs and prices the model")->capture_default_str();
  p->add_option("--set", a->sets, "Override a value of the --platform scenario, e.g. platform.accelerator.macros=1");
  p->add_option("--objective", a->objective, "What flow-cost's budgets limit: latency (cycles) or energy (pJ)")
      ->capture_default_str()
      ->check(CLI::IsMember({"latency", "energy"}));
  p->add_option("--phase", a->phase, "decode (one token per job) or prefill (--tokens per job)")
      ->capture_default_str()
      ->check(CLI::IsMember({"decode", "prefill"}));
  p->add_option("--tokens", a->tokens, "Tokens per job in the prefill phase")->capture_default_str()->check(
      CLI::Range(1, 65535));
  p->add_option("--budgets", a->budgets,
                "flow-cost budgets as fractions of dense, e.g. 0.6,0.8,1 (default: --budget-points evenly spaced "
                "from the cheapest assignment to dense)");
  p->add_option("--budget-points", a->budget_points, "How many default budgets")->capture_default_str()->check(
      CLI::Range(1, 100));
  p->add_option("--sparsities", a->sparsities, "Target sparsities of OWL and FLOW")->capture_default_str();
  add_text_options(p, a->calib, "--calib", "--calib-stories", "Calibration");
  add_text_options(p, a->text, "--text", "--stories", "Evaluation");
  p->add_option("--cost-cache", a->cache, "Directory caching the platform's measured costs (\"\" = none)")
      ->capture_default_str();
  p->add_option("--out", a->out, "Output directory");
  p->callback([a] { run_pareto(*a); });
}

}  // namespace flexcim
