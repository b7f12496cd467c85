#include "job_stats.h"

#include "flexcim_driver.h"

namespace flexcim {

Json job_stats(const Accelerator& acc, const EnergyTable& table) {
  std::vector<EnergyBreakdown> energy;
  for (const Accelerator::JobRecord& r : acc.jobs())
    energy.push_back(price(table, r.energy, acc.hardware_sizes(), r.duration_ns));
  return job_stats(acc, energy, table.node);
}

Json job_stats(const Accelerator& acc, const std::vector<EnergyBreakdown>& energy, const std::string& energy_node) {
  const Accelerator::Params& p = acc.params();
  fw::Capabilities caps;
  caps.arch = p.arch;

  Json jobs = Json::array();
  uint64_t cycles = 0, macs = 0;
  double time_ns = 0, energy_pj = 0;
  EnergyCounts counts;
  for (size_t i = 0; i < acc.jobs().size(); ++i) {
    const Accelerator::JobRecord& r = acc.jobs()[i];
    const Job& j = r.job;
    const EnergyBreakdown& e = energy.at(i);
    const uint64_t job_macs = j.m ? uint64_t(j.tokens) * j.out_features * j.in_features * j.n / j.m : 0;
    Json breakdown = Json::object();
    for (int c = 0; c < kComponents; ++c) breakdown[component_name(Component(c))] = e.component_pj(Component(c));
    jobs.push_back({{"job", jobs.size()},
                    {"tokens", j.tokens},
                    {"in_features", j.in_features},
                    {"out_features", j.out_features},
                    {"pattern", j.n == j.m ? std::string("dense") : std::to_string(j.n) + ":" + std::to_string(j.m)},
                    {"cycles", r.outcome.cycles},
                    {"time_ns", r.duration_ns},
                    {"energy_pj", e.total_pj()},
                    {"energy_breakdown_pj", breakdown},
                    {"macs", job_macs},
                    {"dram_read_bytes", r.energy[Action::DramReadByte]},
                    {"dram_write_bytes", r.energy[Action::DramWriteByte]},
                    {"error", fw::FlexcimDriver::error_name(r.outcome.error)},
                    {"error_info", r.outcome.error_info}});
    cycles += r.outcome.cycles;
    time_ns += r.duration_ns;
    energy_pj += e.total_pj();
    macs += job_macs;
    counts += r.energy;
  }

  Json stats;
  stats["platform"] = {{"architecture", caps.arch_name()},
                       {"macros", p.macros},
                       {"geometry", {{"submacros", p.geometry.submacros}, {"rows", p.geometry.rows}, {"cols", p.geometry.cols}}},
                       {"energy_node", energy_node}};
  stats["jobs"] = jobs;
  stats["totals"] = {{"jobs", jobs.size()},
                     {"cycles", cycles},
                     {"time_ns", time_ns},
                     {"energy_pj", energy_pj},
                     {"macs", macs},
                     {"dram_read_bytes", counts[Action::DramReadByte]},
                     {"dram_write_bytes", counts[Action::DramWriteByte]}};
  return stats;
}

}  // namespace flexcim
