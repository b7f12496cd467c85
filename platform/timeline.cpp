#include "timeline.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

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
      layer("layer"),
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
  Sample sample{last_ns_, t, {}, double(delta[Action::DramReadByte] + delta[Action::DramWriteByte])};
  for (int c = 0; c < kComponents; ++c) sample.pj[c] = e.component_pj(Component(c));
  samples_.push_back(sample);
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
    layer.write(unsigned(job_ + 1));
    slice(true, kJobs, job_ < job_names_.size() ? job_names_[job_] : fmt::format("job {}", job_));
  }
  if (active(state)) slice(true, kSequencer, state_name(state));
  if (!active(state) && job_running_) {
    job_running_ = false;
    layer.write(0);
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
  Json events = events_;
  for (const Sample& s : samples_) {
    const double dt = s.end_ns - s.start_ns;
    Json power = Json::object();
    for (int c = 0; c < kComponents; ++c) power[component_name(Component(c))] = s.pj[c] / dt;  // pJ/ns = mW
    const double ts = s.start_ns / 1000.0;
    events.push_back({{"name", "power [mW]"}, {"ph", "C"}, {"ts", ts}, {"pid", kPid}, {"args", power}});
    events.push_back({{"name", "DRAM bandwidth [GB/s]"}, {"ph", "C"}, {"ts", ts}, {"pid", kPid},
                      {"args", {{"read+write", s.dram_bytes / dt}}}});  // bytes/ns = GB/s
  }
  Json j;
  j["displayTimeUnit"] = "ns";
  j["otherData"] = {{"time_unit", "ts in microseconds of simulated time"}};
  j["traceEvents"] = events;
  return j;
}

void Timeline::add_power_to_vcd(const std::string& vcd_path, double window_ns) const {
  std::ifstream in(vcd_path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (!in.eof()) throw std::runtime_error(fmt::format("cannot read {}", vcd_path));

  // The file's time unit, e.g. "1 ns" or "100 ps", in ns.
  double unit_ns = 1;
  for (size_t i = 0; i + 1 < lines.size(); ++i)
    if (lines[i].find("$timescale") != std::string::npos) {
      std::istringstream text(lines[i + 1]);
      double value = 1;
      std::string unit;
      text >> value >> unit;
      const std::map<std::string, double> ns{{"fs", 1e-6}, {"ps", 1e-3}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
      if (!ns.count(unit)) throw std::runtime_error(fmt::format("{}: unknown VCD time unit {}", vcd_path, unit));
      unit_ns = value * ns.at(unit);
    }

  // Windows of at least window_ns (whole samples), each value the mean power over it.
  std::map<uint64_t, std::vector<std::string>> changes;  // VCD time -> value changes
  auto id = [](int c) { return fmt::format("pw{}", c); };
  const int total = kComponents;
  auto emit = [&](double start_ns, const std::array<double, kComponents + 1>& mw) {
    auto& at = changes[uint64_t(std::llround(start_ns / unit_ns))];
    at.clear();  // a later window at the same tick replaces an empty one
    for (int c = 0; c <= total; ++c) at.push_back(fmt::format("r{:.17g} {}", mw[c], id(c)));
  };
  std::array<double, kComponents + 1> zero{};
  emit(0, zero);
  for (size_t i = 0; i < samples_.size();) {
    const double start = samples_[i].start_ns;
    std::array<double, kComponents> pj{};
    double end = start;
    for (; i < samples_.size() && (end - start < window_ns || end == start); ++i) {
      for (int c = 0; c < kComponents; ++c) pj[c] += samples_[i].pj[c];
      end = samples_[i].end_ns;
    }
    std::array<double, kComponents + 1> mw{};
    for (int c = 0; c < kComponents; ++c) {
      mw[c] = pj[c] / (end - start);
      mw[total] += mw[c];
    }
    emit(start, mw);
  }
  if (!samples_.empty()) emit(samples_.back().end_ns, zero);

  std::ostringstream out;
  size_t i = 0;
  for (; i < lines.size() && lines[i].find("$enddefinitions") == std::string::npos; ++i) out << lines[i] << "\n";
  out << "$scope module power $end\n";
  for (int c = 0; c < kComponents; ++c)
    out << fmt::format("$var real 64 {} {}_mW $end\n", id(c), component_name(Component(c)));
  out << fmt::format("$var real 64 {} total_mW $end\n", id(total));
  out << "$upscope $end\n";
  // Merge the power changes into the time-ordered body.
  auto next = changes.begin();
  auto flush_until = [&](uint64_t time, bool inclusive) {
    for (; next != changes.end() && (next->first < time || (inclusive && next->first == time)); ++next) {
      out << "#" << next->first << "\n";
      for (const std::string& c : next->second) out << c << "\n";
    }
  };
  for (; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (!line.empty() && line[0] == '#') {
      const uint64_t time = std::stoull(line.substr(1));
      flush_until(time, false);
      out << line << "\n";
      if (next != changes.end() && next->first == time) {
        for (const std::string& c : next->second) out << c << "\n";
        ++next;
      }
      continue;
    }
    out << line << "\n";
  }
  flush_until(UINT64_MAX, true);
  write_text(out.str(), vcd_path);
}

}  // namespace flexcim
