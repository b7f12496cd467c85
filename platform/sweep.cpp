#include "sweep.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config.h"
#include "energy.h"
#include "progress.h"
#include "scenario.h"
#include "stats.h"
#include "version.h"

namespace flexcim {

namespace fs = std::filesystem;

namespace {

constexpr unsigned kMaxJobs = 256;
const std::string kArchitectureKey = "platform.accelerator.architecture";

// ---------------------------------------------------------------- the sweep file

using Params = std::vector<std::pair<std::string, std::string>>;  // key, value as --set text

struct SweepPlan {
  std::string file, name, scenario;
  std::vector<std::string> common;   // "key=value" for every point
  std::vector<std::string> columns;  // parameter keys, in order
  std::map<std::string, std::string> where;  // key -> "file:line: factor.key" for errors
  std::vector<Params> points;
  std::vector<std::string> flags;    // passed to every `flexcim run`
};

[[noreturn]] void bad(const std::string& file, const YAML::Node& node, const std::string& what) {
  const YAML::Mark mark = node.Mark();
  throw ConfigError(mark.is_null() ? fmt::format("{}: {}", file, what)
                                   : fmt::format("{}:{}: {}", file, mark.line + 1, what));
}

std::string value_text(const YAML::Node& value) {
  if (value.IsScalar()) return value.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

struct Axis {
  std::string key;
  std::vector<std::string> values;
  YAML::Node node;  // where it is written
};

// Axes: a map of keys to non-empty lists of values.
std::vector<Axis> read_axes(const std::string& file, const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) bad(file, node, fmt::format("{}: expected a map of keys to lists of values", what));
  std::vector<Axis> axes;
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    const std::string where = fmt::format("{}.{}", what, key);
    if (!entry.second.IsSequence())
      bad(file, entry.second, fmt::format("{}: expected a list of values, e.g. [1, 2]", where));
    if (entry.second.size() == 0) bad(file, entry.second, fmt::format("{}: empty axis (give at least one value)", where));
    std::vector<std::string> values;
    for (const YAML::Node& v : entry.second) {
      if (v.IsNull()) bad(file, v, fmt::format("{}: a value is empty", where));
      values.push_back(value_text(v));
    }
    axes.push_back({key, values, entry.first});
  }
  if (axes.empty()) bad(file, node, fmt::format("{}: no axes", what));
  return axes;
}

// The product of `points` with each of `factor`'s entries.
std::vector<Params> multiply(const std::vector<Params>& points, const std::vector<Params>& factor) {
  std::vector<Params> out;
  for (const Params& p : points)
    for (const Params& f : factor) {
      Params both = p;
      both.insert(both.end(), f.begin(), f.end());
      out.push_back(both);
    }
  return out;
}

SweepPlan load_plan(const std::string& file, const std::function<bool(const std::string&)>& is_run_flag) {
  SweepPlan plan;
  plan.file = fs::absolute(file).lexically_normal().string();
  YAML::Node root;
  try {
    std::ifstream in(file);
    if (!in) throw ConfigError(fmt::format("{}: cannot read the sweep file", file));
    std::stringstream text;
    text << in.rdbuf();
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", file, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) bad(file, root, "a sweep file is a map (scenario, grid, zip, points, architectures, set, flags, name)");

  const std::set<std::string> known{"name", "scenario", "set", "grid", "zip", "points", "architectures", "flags"};
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (!known.count(key))
      bad(file, entry.first, fmt::format("{}: unknown key (allowed: architectures, flags, grid, name, points, scenario, set, zip)", key));
  }
  if (!root["scenario"] || !root["scenario"].IsScalar())
    bad(file, root, "scenario: missing (the base scenario file, relative to the sweep file)");
  const fs::path scenario = fs::path(file).parent_path() / root["scenario"].Scalar();
  if (!fs::is_regular_file(scenario))
    bad(file, root["scenario"], fmt::format("scenario: {} does not exist", scenario.string()));
  plan.scenario = fs::absolute(scenario).lexically_normal().string();
  plan.name = root["name"] ? root["name"].as<std::string>() : fs::path(file).stem().string();

  if (const YAML::Node set = root["set"]) {
    if (!set.IsMap()) bad(file, set, "set: expected a map of keys to values (applied to every point)");
    for (const auto& entry : set) plan.common.push_back(entry.first.as<std::string>() + "=" + value_text(entry.second));
  }
  if (const YAML::Node flags = root["flags"]) {
    if (!flags.IsSequence()) bad(file, flags, "flags: expected a list of `flexcim run` options, e.g. [--vcd]");
    for (const YAML::Node& f : flags) {
      const std::string flag = f.as<std::string>();
      const std::string name = flag.substr(0, flag.find('='));
      if (name == "--out" || name == "--set")
        bad(file, f, fmt::format("flags: {} is the sweep's to set (use set: or an axis)", name));
      if (!is_run_flag || !is_run_flag(name))
        bad(file, f, fmt::format("flags: {} is not an option of `flexcim run` (see flexcim run --help)", flag));
      plan.flags.push_back(flag);
    }
  }

  // Factors, outermost first: architectures, grid (first key outermost), zip, points.
  std::vector<Params> points{Params{}};
  std::vector<std::string> columns;
  auto add_column = [&](const std::string& key, const YAML::Node& where, const std::string& factor) {
    if (std::find(columns.begin(), columns.end(), key) != columns.end())
      bad(file, where, fmt::format("{}: {} is varied twice", factor, key));
    columns.push_back(key);
    const YAML::Mark mark = where.Mark();
    plan.where[key] = fmt::format("{}{}: {}{}", file, mark.is_null() ? "" : fmt::format(":{}", mark.line + 1), factor,
                                  factor == "architectures" ? "" : "." + key);
  };
  if (const YAML::Node archs = root["architectures"]) {
    if (!archs.IsSequence() || archs.size() == 0)
      bad(file, archs, "architectures: expected a non-empty list (flexcim, dense-dcim, fixed-nm)");
    add_column(kArchitectureKey, archs, "architectures");
    std::vector<Params> factor;
    for (const YAML::Node& a : archs) factor.push_back({{kArchitectureKey, value_text(a)}});
    points = multiply(points, factor);
  }
  if (const YAML::Node grid = root["grid"]) {
    for (const auto& [key, values, where] : read_axes(file, grid, "grid")) {
      add_column(key, where, "grid");
      std::vector<Params> factor;
      for (const std::string& v : values) factor.push_back({{key, v}});
      points = multiply(points, factor);
    }
  }
  if (const YAML::Node zip = root["zip"]) {
    const auto axes = read_axes(file, zip, "zip");
    std::vector<Params> factor(axes.front().values.size());
    for (const auto& [key, values, where] : axes) {
      add_column(key, where, "zip");
      if (values.size() != factor.size())
        bad(file, where, fmt::format("zip.{}: {} values, but zip.{} has {} (zipped lists have equal lengths)", key,
                                     values.size(), axes.front().key, factor.size()));
      for (size_t i = 0; i < values.size(); ++i) factor[i].emplace_back(key, values[i]);
    }
    points = multiply(points, factor);
  }
  if (const YAML::Node explicit_points = root["points"]) {
    if (!explicit_points.IsSequence() || explicit_points.size() == 0)
      bad(file, explicit_points, "points: expected a non-empty list of maps of keys to values");
    std::vector<Params> factor;
    std::set<std::string> own;
    for (const YAML::Node& p : explicit_points) {
      if (!p.IsMap() || p.size() == 0) bad(file, p, "points: each point is a non-empty map of keys to values");
      Params params;
      for (const auto& entry : p) {
        const std::string key = entry.first.as<std::string>();
        if (!own.count(key)) {
          add_column(key, p, "points");
          own.insert(key);
        }
        params.emplace_back(key, value_text(entry.second));
      }
      factor.push_back(params);
    }
    points = multiply(points, factor);
  }
  if (columns.empty()) bad(file, root, "nothing to sweep: give grid, zip, points or architectures");
  plan.columns = columns;
  plan.points = points;
  return plan;
}

std::vector<std::string> point_sets(const SweepPlan& plan, const Params& params) {
  std::vector<std::string> sets = plan.common;
  for (const auto& [key, value] : params) sets.push_back(key + "=" + value);
  return sets;
}

// Every point's configuration is loaded before anything runs. A value that no point
// can run with is bad input (an unknown key, a wrong type, out of range); a point
// whose combination of values is refused becomes a failed row.
std::vector<std::string> check_points(const SweepPlan& plan) {
  std::vector<std::string> errors(plan.points.size());
  for (size_t i = 0; i < plan.points.size(); ++i) {
    try {
      load_scenario(plan.scenario, point_sets(plan, plan.points[i]));
    } catch (const ConfigError& e) {
      errors[i] = e.what();
    }
  }
  std::map<std::pair<std::string, std::string>, bool> runnable;  // (key, value) -> some point loads
  for (size_t i = 0; i < plan.points.size(); ++i)
    for (const auto& kv : plan.points[i]) runnable[kv] = runnable[kv] || errors[i].empty();
  for (size_t i = 0; i < plan.points.size(); ++i)
    for (const auto& kv : plan.points[i])
      if (!runnable[kv])
        throw ConfigError(fmt::format("{}: {} fails in every point (a value must run in at least one): {}",
                                      plan.where.at(kv.first), kv.second, errors[i]));
  if (plan.points.empty()) throw ConfigError(fmt::format("{}: no points", plan.file));
  return errors;
}

// ---------------------------------------------------------------- files

std::string self_exe() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot find the flexcim program (/proc/self/exe)");
  return exe.string();
}

std::optional<Json> read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return Json::parse(in);
  } catch (const Json::exception&) {
    return std::nullopt;  // half written by a killed run
  }
}

// A complete file or the old one: written beside, then renamed over.
void replace_file(const std::string& text, const std::string& path) {
  const std::string temp = fmt::format("{}.partial-{}", path, getpid());
  write_text(text, temp);
  fs::rename(temp, path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The error a failed run left in its log: its last "flexcim: error:" line, else its last line.
std::string error_from_log(const std::string& log) {
  std::istringstream lines(read_text(log));
  std::string last, error;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind("flexcim: error: ", 0) == 0) error = line.substr(16);
  }
  return error.empty() ? last : error;
}

// ---------------------------------------------------------------- the manifest

std::string point_dir_name(size_t index, size_t count) {
  const int width = std::max<int>(4, int(std::to_string(count - 1).size()));
  return fmt::format("points/{:0{}}", index, width);
}

Json make_manifest(const SweepPlan& plan, const std::string& out, const std::vector<std::string>& errors) {
  Json m;
  m["sweep"] = plan.file;
  m["name"] = plan.name;
  m["scenario"] = plan.scenario;
  m["version"] = version();
  m["flexcim"] = self_exe();
  m["columns"] = plan.columns;
  m["flags"] = plan.flags;
  Json points = Json::array();
  const std::string abs_out = fs::absolute(out).lexically_normal().string();
  for (size_t i = 0; i < plan.points.size(); ++i) {
    Json p;
    p["index"] = i;
    p["dir"] = point_dir_name(i, plan.points.size());
    Json params = Json::object();
    for (const auto& [key, value] : plan.points[i]) params[key] = value;
    p["params"] = params;
    std::vector<std::string> args{"run", plan.scenario};
    for (const std::string& s : point_sets(plan, plan.points[i])) {
      args.push_back("--set");
      args.push_back(s);
    }
    args.push_back("--out");
    args.push_back(abs_out + "/" + p["dir"].get<std::string>());
    args.insert(args.end(), plan.flags.begin(), plan.flags.end());
    p["args"] = args;
    if (!errors[i].empty()) p["error"] = errors[i];  // refused before running
    points.push_back(p);
  }
  m["points"] = points;
  return m;
}

Json read_manifest(const std::string& dir) {
  const std::optional<Json> m = read_json_file(dir + "/manifest.json");
  if (!m) throw ConfigError(fmt::format("{}/manifest.json: missing or unreadable (not a sweep folder?)", dir));
  return *m;
}

// ---------------------------------------------------------------- rows

// Metric columns, after the parameters; the energy components in the stats' order.
std::vector<std::string> metric_columns() {
  std::vector<std::string> c{"cycles", "time_ns", "energy_pj"};
  for (int i = 0; i < kComponents; ++i) c.push_back(fmt::format("energy_{}_pj", component_name(Component(i))));
  for (const char* name : {"macs", "macro_utilisation", "energy_per_mac_pj", "dram_read_bytes", "dram_write_bytes",
                           "weight_sparsity", "score_loss", "golden_match", "outputs_checked"})
    c.push_back(name);
  return c;
}

Json param_value(const std::string& text) {
  if (Json::accept(text)) {
    const Json v = Json::parse(text);
    if (v.is_number() || v.is_boolean()) return v;
  }
  return text;
}

Json row_base(const Json& point, const Json& columns) {
  Json row;
  row["point"] = point["index"];
  for (const Json& c : columns) {
    const std::string key = c.get<std::string>();
    row[key] = point["params"].contains(key) ? param_value(point["params"][key].get<std::string>()) : Json();
  }
  return row;
}

Json metrics_from(const Json& stats) {
  Json m;
  const Json& t = stats["totals"];
  for (const char* k : {"cycles", "time_ns", "energy_pj"}) m[k] = t[k];
  for (auto& [component, pj] : stats["energy"]["by_component"].items()) m["energy_" + component + "_pj"] = pj;
  for (const char* k : {"macs", "macro_utilisation", "energy_per_mac_pj", "dram_read_bytes", "dram_write_bytes"})
    m[k] = t[k];
  m["weight_sparsity"] = stats["sparsity"]["weight_sparsity"];
  m["score_loss"] = t["score_loss"];
  m["golden_match"] = stats["check"].value("golden_match", Json());  // none in timing-only runs
  m["outputs_checked"] = stats["check"].value("outputs_checked", Json());
  return m;
}

// The row of a point from what its folder holds, or nothing while it is not finished:
// stats.json of a complete run made by this point's command, else the error of a
// run that ended without one.
std::optional<Json> point_row(const std::string& out, const Json& manifest, const Json& point) {
  Json row = row_base(point, manifest["columns"]);
  const std::string dir = out + "/" + point["dir"].get<std::string>();
  if (point.contains("error")) {
    row["status"] = "failed";
    row["error"] = point["error"];
    return row;
  }
  const std::optional<Json> recorded = read_json_file(dir + "/point.json");
  if (!recorded || (*recorded)["args"] != point["args"]) return std::nullopt;  // not run, or by another sweep
  const std::optional<Json> stats = read_json_file(dir + "/stats.json");
  if (stats && stats->value("complete", true)) {
    // A timing-only run checks no outputs: its jobs ending without error is the check.
    const Json& check = (*stats)["check"];
    const bool match = check.contains("golden_match") ? check["golden_match"].get<bool>() : check.value("jobs_ok", false);
    row["status"] = match ? "ok" : "mismatch";
    row["error"] = match ? "" : "golden check mismatch";
    row.update(metrics_from(*stats));
    row["dir"] = point["dir"];
    return row;
  }
  if (!fs::exists(dir + "/exit_status")) return std::nullopt;  // running, or stopped before it ended
  row["status"] = "failed";
  std::string error = error_from_log(dir + "/log.txt");
  if (error.empty()) error = "exit status " + read_text(dir + "/exit_status");
  row["error"] = error;
  row["dir"] = point["dir"];
  return row;
}

std::string csv_cell(const Json& v) {
  if (v.is_null()) return "";
  const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

struct Tally {
  size_t ok = 0, mismatch = 0, failed = 0, pending = 0;
  size_t finished() const { return ok + mismatch + failed; }
};

// results.csv and results.json, rows in point order, only finished points.
Tally write_results(const std::string& out, const Json& manifest, const std::map<size_t, Json>& rows) {
  std::vector<std::string> header{"point"};
  for (const Json& c : manifest["columns"]) header.push_back(c.get<std::string>());
  for (const char* c : {"status", "error"}) header.push_back(c);
  for (const std::string& c : metric_columns()) header.push_back(c);
  header.push_back("dir");

  Tally tally;
  std::string csv;
  for (size_t i = 0; i < header.size(); ++i) csv += (i ? "," : "") + csv_cell(header[i]);
  csv += "\n";
  Json json_rows = Json::array();
  for (const auto& [index, row] : rows) {
    for (size_t i = 0; i < header.size(); ++i) csv += (i ? "," : "") + csv_cell(row.value(header[i], Json()));
    csv += "\n";
    Json full;
    for (const std::string& h : header) full[h] = row.value(h, Json());
    json_rows.push_back(full);
    const std::string status = row["status"];
    (status == "ok" ? tally.ok : status == "mismatch" ? tally.mismatch : tally.failed)++;
  }
  tally.pending = manifest["points"].size() - tally.finished();

  Json results;
  results["sweep"] = manifest["sweep"];
  results["name"] = manifest["name"];
  results["scenario"] = manifest["scenario"];
  results["version"] = manifest["version"];
  results["points"] = manifest["points"].size();
  results["finished"] = tally.finished();
  results["ok"] = tally.ok;
  results["mismatch"] = tally.mismatch;
  results["failed"] = tally.failed;
  results["complete"] = tally.pending == 0;
  results["columns"] = header;
  results["rows"] = json_rows;
  replace_file(csv, out + "/results.csv");
  replace_file(results.dump(2) + "\n", out + "/results.json");
  return tally;
}

int exit_status_of(const Tally& t) { return t.pending == 0 && t.failed == 0 && t.mismatch == 0 ? 0 : 1; }

std::string describe(const Tally& t) {
  return fmt::format("{} ok, {} mismatched, {} failed{}", t.ok, t.mismatch, t.failed,
                     t.pending ? fmt::format(", {} not finished", t.pending) : "");
}

// ---------------------------------------------------------------- running points

volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_children[kMaxJobs] = {};

void on_signal(int signal) {
  g_signal = signal;
  for (unsigned i = 0; i < kMaxJobs; ++i)
    if (g_children[i] > 0) kill(pid_t(g_children[i]), signal);
}

// SIGINT and SIGTERM are forwarded to the running points (which stop and exit);
// nothing new starts.
class SignalForwarding {
 public:
  SignalForwarding() {
    g_signal = 0;
    struct sigaction action = {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~SignalForwarding() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

// Clears what an earlier run of the point left, records the command, starts it with
// its output in log.txt. The child runs in its own process group (a terminal's
// Ctrl-C reaches the sweep, which forwards it) and dies with the sweep.
pid_t start_point(const std::string& out, const Json& manifest, const Json& point) {
  const std::string dir = out + "/" + point["dir"].get<std::string>();
  fs::create_directories(dir);
  for (const char* stale : {"stats.json", "exit_status", "log.txt"}) fs::remove(dir + "/" + stale);
  replace_file(Json{{"index", point["index"]}, {"params", point["params"]}, {"args", point["args"]}}.dump(2) + "\n",
               dir + "/point.json");

  const std::string exe = manifest["flexcim"];
  std::vector<std::string> args{exe};
  for (const Json& a : point["args"]) args.push_back(a.get<std::string>());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = dir + "/log.txt";

  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(143);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0) _exit(127);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(exe.c_str(), argv.data());
    dprintf(2, "flexcim: error: cannot start %s\n", exe.c_str());
    _exit(127);
  }
  return pid;
}

// After the child ended on its own: its exit status, which marks the point finished.
void finish_point(const std::string& out, const Json& point, int status) {
  const std::string dir = out + "/" + point["dir"].get<std::string>();
  const std::string text = WIFEXITED(status) ? std::to_string(WEXITSTATUS(status))
                                             : fmt::format("killed by signal {}", WTERMSIG(status));
  replace_file(text, dir + "/exit_status");
}

const char* signal_text(int signal) { return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal"; }

std::string point_label(const Json& point) {
  std::string s;
  for (auto& [key, value] : point["params"].items()) s += (s.empty() ? "" : " ") + key + "=" + value.get<std::string>();
  return s;
}

std::string sbatch_script(const Json& manifest, const std::string& out, const std::vector<size_t>& todo,
                          const std::vector<std::string>& extra) {
  const std::string dir = fs::absolute(out).lexically_normal().string();
  std::string array;
  for (size_t i : todo) array += (array.empty() ? "" : ",") + std::to_string(i);
  std::string s = "#!/bin/bash\n";
  s += fmt::format("# flexcim sweep {}: one array task per point of manifest.json (the task id is the point index).\n",
                   manifest["name"].get<std::string>());
  s += fmt::format("# Submit: sbatch {0}/sweep.sbatch; when the tasks are done: flexcim sweep collect {0}\n", dir);
  s += fmt::format("#SBATCH --job-name=flexcim-{}\n", manifest["name"].get<std::string>());
  s += fmt::format("#SBATCH --array={}\n", array);
  s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  s += fmt::format("#SBATCH --output={}/points/slurm-%a.out\n", dir);
  for (const std::string& e : extra) s += "#SBATCH " + e + "\n";
  s += fmt::format("exec '{}' sweep point '{}' \"$SLURM_ARRAY_TASK_ID\"\n", manifest["flexcim"].get<std::string>(), dir);
  return s;
}

}  // namespace

int sweep(const SweepOptions& options) {
  if (options.jobs > kMaxJobs) throw ConfigError(fmt::format("-j {}: allowed 1 to {}", options.jobs, kMaxJobs));
  const SweepPlan plan = load_plan(options.sweep_file, options.is_run_flag);
  const std::vector<std::string> errors = check_points(plan);
  const std::string out = options.out_dir.empty() ? "out/sweep-" + plan.name : options.out_dir;
  std::error_code error;
  fs::create_directories(out + "/points", error);
  if (error) throw ConfigError(fmt::format("cannot write to the output folder {}: {}", out, error.message()));

  const Json manifest = make_manifest(plan, out, errors);
  replace_file(manifest.dump(2) + "\n", out + "/manifest.json");
  const Json& points = manifest["points"];

  // Finished points stay; the others (never run, failed, stopped) run.
  std::map<size_t, Json> rows;
  std::vector<size_t> todo;
  size_t skipped = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    std::optional<Json> row = point_row(out, manifest, points[i]);
    if (points[i].contains("error")) {
      rows[i] = *row;  // refused before running
    } else if (row && row->value("status", "") != "failed") {
      rows[i] = *row;
      ++skipped;
    } else {
      todo.push_back(i);
    }
  }

  if (options.slurm) {
    write_results(out, manifest, rows);
    replace_file(sbatch_script(manifest, out, todo, options.sbatch), out + "/sweep.sbatch");
    std::cout << fmt::format("sweep {}: {} points, {} to run, {} done; wrote {}/sweep.sbatch and manifest.json\n",
                             plan.name, points.size(), todo.size(), skipped, out);
    std::cout << fmt::format("  submit: sbatch {0}/sweep.sbatch; then: flexcim sweep collect {0}\n", out);
    return 0;
  }

  const unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  Tally tally = write_results(out, manifest, rows);
  ProgressLine progress(fmt::format("sweep {}: points run", plan.name), todo.size(), options.quiet);
  SignalForwarding forwarding;
  std::map<pid_t, size_t> running;  // pid -> point
  size_t next = 0, ran = 0;
  while ((next < todo.size() && !g_signal) || !running.empty()) {
    while (!g_signal && next < todo.size() && running.size() < jobs) {
      const size_t i = todo[next++];
      const pid_t pid = start_point(out, manifest, points[i]);
      running[pid] = i;
      for (unsigned slot = 0; slot < kMaxJobs; ++slot)
        if (g_children[slot] == 0) {
          g_children[slot] = pid;
          break;
        }
      if (g_signal) kill(pid, g_signal);  // came while it started
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("waitpid failed");
    }
    for (unsigned slot = 0; slot < kMaxJobs; ++slot)
      if (g_children[slot] == pid) g_children[slot] = 0;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t i = it->second;
    running.erase(it);
    // A point stopped by the sweep's signal is not finished: the next run redoes it.
    if (!g_signal) finish_point(out, points[i], status);
    if (std::optional<Json> row = point_row(out, manifest, points[i])) rows[i] = *row;
    ++ran;
    tally = write_results(out, manifest, rows);
    std::string last;
    if (rows.count(i))
      last = fmt::format("point {} ({}): {}", i, point_label(points[i]),
                         rows[i]["status"] == "failed" ? "failed: " + rows[i]["error"].get<std::string>()
                                                       : fmt::format("{} cycles, {:.3f} uJ", rows[i]["cycles"].get<uint64_t>(),
                                                                     rows[i]["energy_pj"].get<double>() / 1e6));
    progress.update(ran, fmt::format("{}, {} running; {}", describe(tally), running.size(), last), true);
  }

  std::cout << fmt::format("sweep {}: {} points: {}{}; wrote {}/results.csv and results.json\n", plan.name,
                           points.size(), describe(tally), skipped ? fmt::format(" ({} done before)", skipped) : "",
                           out);
  if (g_signal) {
    std::cerr << fmt::format("flexcim: sweep interrupted by {}: {} of {} points finished; run the same command "
                             "again to finish the rest\n",
                             signal_text(g_signal), tally.finished(), points.size());
    return 128 + g_signal;
  }
  return exit_status_of(tally);
}

int sweep_collect(const std::string& dir) {
  const Json manifest = read_manifest(dir);
  std::map<size_t, Json> rows;
  for (const Json& point : manifest["points"])
    if (std::optional<Json> row = point_row(dir, manifest, point)) rows[point["index"].get<size_t>()] = *row;
  const Tally tally = write_results(dir, manifest, rows);
  std::cout << fmt::format("sweep {}: collected {} of {} points: {}; wrote {}/results.csv and results.json\n",
                             manifest["name"].get<std::string>(), tally.finished(), manifest["points"].size(),
                             describe(tally), dir);
  return exit_status_of(tally);
}

int sweep_point(const std::string& dir, size_t index) {
  const Json manifest = read_manifest(dir);
  const Json& points = manifest["points"];
  if (index >= points.size())
    throw ConfigError(fmt::format("{}/manifest.json: no point {} (it has {})", dir, index, points.size()));
  if (points[index].contains("error")) return 1;  // refused before running; collect reports it
  SignalForwarding forwarding;
  const pid_t pid = start_point(dir, manifest, points[index]);
  g_children[0] = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_children[0] = 0;
  if (g_signal) return 128 + g_signal;
  finish_point(dir, points[index], status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace flexcim
