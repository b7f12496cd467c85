#include "timeline.h"

#include <fmt/format.h>

namespace flexcim {

namespace {

constexpr int kPid = 1;
enum Track : int { kJobs = 1, kSequencer = 2, kDma = 3, kMacro0 = 10 };

const char* state_name(unsigned state) {
  switch (state) {
    case Sequencer::Check: return "check";
    case Sequencer::LoadActivations: return "load activations";
    case Sequencer::Compute: return "compute";
    case Sequencer::StoreOutputs: return "store outputs";
    case Sequencer::Done: return "done";
    case Sequencer::Failed: return "failed";
    default: return "idle";
  }
}

double now_ns() { return sc_core::sc_time_stamp().to_seconds() * 1e9; }

}  // namespace

Timeline::Timeline(sc_core::sc_module_name name, Platform& platform, const EnergyTable& table,
                   std::vector<std::string> jobs)
    : sc_module(name),
      platform_(platform),
      table_(table),
      hw_(platform.accelerator().hardware_sizes()),
      job_names_(std::move(jobs)) {
  auto track = [&](int tid, const std::string& label) {
    events_.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", tid}, {"args", {{"name", label}}}});
    events_.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", kPid}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
  };
  events_.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"args", {{"name", "flexcim accelerator"}}}});
  track(kJobs, "jobs (layers)");
  track(kSequencer, "sequencer");
  track(kDma, "dma");
  Accelerator& acc = platform.accelerator();
  for (size_t i = 0; i < acc.macros().size(); ++i) track(kMacro0 + int(i), fmt::format("macro{}", i));

  SC_HAS_PROCESS(Timeline);
  SC_METHOD(on_sequencer);
  sensitive << acc.sequencer().state;
  dont_initialize();
  SC_METHOD(on_dma);
  sensitive << acc.dma().active;
  dont_initialize();
  for (size_t i = 0; i < acc.macros().size(); ++i) {
    sc_core::sc_spawn_options options;
    options.spawn_method();
    options.set_sensitivity(&acc.macros()[i]->busy.value_changed_event());
    options.dont_initialize();
    sc_core::sc_spawn([this, i] { on_macro(i); }, sc_core::sc_gen_unique_name("macro"), &options);
  }
}

void Timeline::slice(bool begin, int track, const std::string& name) {
  events_.push_back({{"name", name}, {"ph", begin ? "B" : "E"}, {"ts", now_ns() / 1000.0}, {"pid", kPid}, {"tid", track}});
}

void Timeline::sample() {
  const double t = now_ns();
  if (t <= last_ns_) return;
  const double dt = t - last_ns_;
  EnergyCounts delta = platform_.energy();
  for (int a = 0; a < kActions; ++a) delta.count[a] -= last_counts_.count[a];
  // Leakage while a job runs, as stats.json prices it.
  const EnergyBreakdown e = price(table_, delta, hw_, job_running_ ? dt : 0.0);
  Json power = Json::object();
  for (int c = 0; c < kComponents; ++c) power[component_name(Component(c))] = e.component_pj(Component(c)) / dt;  // pJ/ns = mW
  const double ts = last_ns_ / 1000.0;
  events_.push_back({{"name", "power [mW]"}, {"ph", "C"}, {"ts", ts}, {"pid", kPid}, {"args", power}});
  const double bytes = double(delta[Action::DramReadByte] + delta[Action::DramWriteByte]);
  events_.push_back({{"name", "DRAM bandwidth [GB/s]"}, {"ph", "C"}, {"ts", ts}, {"pid", kPid},
                     {"args", {{"read+write", bytes / dt}}}});  // bytes/ns = GB/s
  last_ns_ = t;
  last_counts_ = platform_.energy();
}

void Timeline::on_sequencer() {
  sample();
  const unsigned state = platform_.accelerator().sequencer().state.read();
  auto active = [](unsigned s) { return s != Sequencer::Idle && s != Sequencer::Done && s != Sequencer::Failed; };
  if (active(state_)) slice(false, kSequencer, state_name(state_));
  if (active(state) && !job_running_) {
    job_running_ = true;
    slice(true, kJobs, job_ < job_names_.size() ? job_names_[job_] : fmt::format("job {}", job_));
  }
  if (active(state)) slice(true, kSequencer, state_name(state));
  if (!active(state) && job_running_) {
    job_running_ = false;
    slice(false, kJobs, job_ < job_names_.size() ? job_names_[job_] : fmt::format("job {}", job_));
    ++job_;
  }
  state_ = state;
}

void Timeline::on_dma() {
  sample();
  slice(platform_.accelerator().dma().active.read(), kDma, "transfer");
}

void Timeline::on_macro(size_t index) {
  sample();
  slice(platform_.accelerator().macros()[index]->busy.read(), kMacro0 + int(index), "tiles");
}

Json Timeline::json() const {
  Json j;
  j["displayTimeUnit"] = "ns";
  j["otherData"] = {{"time_unit", "ts in microseconds of simulated time"}};
  j["traceEvents"] = events_;
  return j;
}

}  // namespace flexcim
