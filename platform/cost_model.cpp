#include "cost_model.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "child_process.h"
#include "digest.h"
#include "energy.h"
#include "platform.h"
#include "runtime.h"

namespace flexcim {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Bump when what a cached figure means changes.
constexpr const char* kCostModelVersion = "flexcim cost model 1: one job per shape, priced per job";

// Key material of one platform configuration's cache file.
Json cache_key(const Scenario& scenario) {
  static const std::string program = sha256_hex(read_file_bytes("/proc/self/exe"));
  return Json{{"version", kCostModelVersion},
              {"platform", scenario.platform_config},
              {"energy_table_sha256", sha256_hex(read_file_bytes(scenario.platform.energy_table))},
              {"program_sha256", program}};
}

Json read_cache(const fs::path& path, const Json& key) {
  std::ifstream in(path);
  if (!in) return Json::object();
  try {
    Json j = Json::parse(in);
    if (j.at("key") == key) return j.at("jobs");
  } catch (const std::exception&) {
    // A damaged or foreign file is measured anew and replaced.
  }
  return Json::object();
}

// Written whole under a temporary name and renamed: readers see the old or the new file.
void write_cache(const fs::path& path, const Json& key, const Json& jobs) {
  fs::create_directories(path.parent_path());
  const fs::path tmp = path.string() + fmt::format(".{}.tmp", getpid());
  {
    std::ofstream out(tmp);
    out << Json{{"key", key}, {"jobs", jobs}}.dump(1) << "\n";
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, path);
}

}  // namespace

std::string JobShape::key() const {
  return fmt::format("{}x{}x{}@{}/{}", in, out, tokens, pattern.dense() ? "dense" : pattern.str(),
                     out_int8 ? "int8" : "int32");
}

std::vector<JobCost> measure_jobs(const Scenario& scenario, const std::vector<JobShape>& shapes) {
  if (shapes.empty()) return {};
  const std::string answer = child_answer([&] {
    const EnergyTable table = load_energy_table(scenario.platform);
    Platform platform("platform", scenario.platform);
    platform.accelerator().set_job_log_capacity(shapes.size());  // one job per shape, all priced
    const fw::BoardInfo board = platform.board();
    platform.run([&](fw::Hal& hal) {
      fw::Runtime runtime(hal, board, scenario.platform.wait, scenario.platform.poll_interval_ns);
      // One workload per output format; the jobs run in shape order either way.
      for (const bool int8 : {false, true}) {
        fw::Workload wl;
        wl.seed = scenario.workload.seed;
        wl.synthetic = scenario.workload.synthetic;
        wl.calibration_tokens = scenario.workload.calibration_tokens;
        wl.outputs = int8 ? fw::OutputFormat::Int8 : fw::OutputFormat::Int32;
        for (size_t i = 0; i < shapes.size(); ++i)
          if (shapes[i].out_int8 == int8)
            wl.layers.push_back({shapes[i].key(), int(i), shapes[i].in, shapes[i].out, shapes[i].tokens,
                                 shapes[i].pattern});
        if (wl.layers.empty()) continue;
        const fw::RunReport report = runtime.run(wl);
        for (const fw::LayerReport& l : report.layers) {
          if (!l.status.ok())
            throw std::runtime_error(fmt::format("cost measurement of {}: accelerator error {}", l.name,
                                                 fw::FlexcimDriver::error_name(l.status.error)));
          if (!l.golden_match) throw std::runtime_error(fmt::format("cost measurement of {}: golden mismatch", l.name));
          if (l.executed != l.requested)
            throw std::runtime_error(fmt::format("cost measurement of {}: the accelerator ran it as {}", l.name,
                                                 l.executed.str()));
        }
      }
    });
    // Jobs ran int32 shapes first, then int8 ones; answer in shape order.
    const auto& jobs = platform.accelerator().jobs();
    std::vector<size_t> order;
    for (const bool int8 : {false, true})
      for (size_t i = 0; i < shapes.size(); ++i)
        if (shapes[i].out_int8 == int8) order.push_back(i);
    Json costs = Json::array();
    costs.get_ref<Json::array_t&>().resize(shapes.size());
    for (size_t j = 0; j < jobs.size(); ++j)
      costs[order[j]] = Json::array(
          {jobs[j].outcome.cycles, platform.job_energy(table, j).total_pj()});
    return costs.dump();
  });
  const Json costs = Json::parse(answer);
  std::vector<JobCost> out;
  for (const Json& c : costs) out.push_back({c[0].get<uint64_t>(), c[1].get<double>()});
  return out;
}

std::vector<JobCost> job_costs(const Scenario& scenario, const std::vector<JobShape>& shapes,
                               const std::string& cache_dir) {
  const bool cached = !cache_dir.empty();
  const Json key = cached ? cache_key(scenario) : Json();
  const fs::path path =
      cached ? fs::path(cache_dir) / (sha256_hex(key.dump()).substr(0, 16) + ".json") : fs::path();
  Json known = cached ? read_cache(path, key) : Json::object();

  // Each distinct shape the cache does not hold is measured once.
  std::vector<JobShape> missing;
  for (const JobShape& s : shapes)
    if (!known.contains(s.key())) {
      known[s.key()] = nullptr;
      missing.push_back(s);
    }
  if (!missing.empty()) {
    const std::vector<JobCost> measured = measure_jobs(scenario, missing);
    for (size_t i = 0; i < missing.size(); ++i)
      known[missing[i].key()] = Json{{"cycles", measured[i].cycles}, {"energy_pj", measured[i].energy_pj}};
    if (cached) write_cache(path, key, known);
  }
  std::vector<JobCost> out;
  for (const JobShape& s : shapes) {
    const Json& c = known.at(s.key());
    out.push_back({c.at("cycles").get<uint64_t>(), c.at("energy_pj").get<double>()});
  }
  return out;
}

BlockCosts block_costs(const Scenario& scenario, const std::vector<std::vector<LayerDims>>& blocks,
                       const std::vector<nm::Pattern>& candidates, bool out_int8, const std::string& cache_dir) {
  std::vector<JobShape> shapes;
  for (const auto& block : blocks)
    for (const nm::Pattern& p : candidates)
      for (const LayerDims& l : block) shapes.push_back({l.in, l.out, l.tokens, p, out_int8});
  const std::vector<JobCost> costs = job_costs(scenario, shapes, cache_dir);
  BlockCosts b;
  size_t i = 0;
  for (const auto& block : blocks) {
    b.cycles.emplace_back();
    b.energy_pj.emplace_back();
    b.jobs.emplace_back();
    for (size_t c = 0; c < candidates.size(); ++c) {
      uint64_t cycles = 0;
      double energy = 0;
      b.jobs.back().emplace_back();
      for (size_t l = 0; l < block.size(); ++l, ++i) {
        cycles += costs[i].cycles;
        energy += costs[i].energy_pj;
        b.jobs.back().back().push_back(costs[i]);
      }
      b.cycles.back().push_back(cycles);
      b.energy_pj.back().push_back(energy);
    }
  }
  return b;
}

}  // namespace flexcim
