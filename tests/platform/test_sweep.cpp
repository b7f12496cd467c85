// `flexcim sweep` as an architect uses it: rows equal single runs of the same
// points, a sweep stopped half way (Ctrl-C or kill -9) leaves consistent results and
// finishes on the next run without redoing finished points, a point the platform
// refuses is a row with its error, bad sweep input is one line before anything
// runs; --slurm writes a job array whose tasks `sweep collect` merges. Also the
// self-describing run folder: config.yaml reproduces stats.json byte for byte.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flexcim_process.h"
#include "temp_dir.h"

namespace flexcim::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Two small layers, one sparse: a point takes well under a second.
constexpr const char* kTiny =
    "name: tiny\n"
    "workload:\n"
    "  tokens: 3\n"
    "  layers:\n"
    "    - {name: a, in: 300, out: 130}\n"
    "    - {name: b, in: 172, out: 64, pattern: \"2:4\"}\n";

// One wider layer: long enough per point to stop a sweep between points.
constexpr const char* kMid =
    "name: mid\n"
    "workload:\n"
    "  tokens: 4\n"
    "  layers: [{name: a, in: 4096, out: 2048}]\n";

constexpr const char* kGrid2x3 =
    "scenario: tiny.yaml\n"
    "grid:\n"
    "  platform.accelerator.macros: [2, 4]\n"
    "  platform.dram.bandwidth_gbps: [12.8, 25.6, 51.2]\n";

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// flexcim started in the background in `dir`, output in files there.
class Background {
 public:
  Background(const std::vector<std::string>& args, const TempDir& dir) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(127);
      const int out = open("bg.stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open("bg.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv{const_cast<char*>(FLEXCIM_BIN)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(FLEXCIM_BIN, argv.data());
      _exit(127);
    }
  }
  ~Background() {
    if (!done_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  int wait() {  // exit status, or 256 + signal
    int status = 0;
    waitpid(pid_, &status, 0);
    done_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
};

bool wait_for(const std::function<bool()>& ready, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return ready();
}

size_t finished(const std::string& results_json) {
  try {
    return json::parse(read_file(results_json)).at("finished").get<size_t>();
  } catch (...) {
    return 0;  // not there yet
  }
}

TEST(Sweep, TwoByThreeGridRowsEqualSingleRuns) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  dir.write("grid.yaml", kGrid2x3);
  const ProcessResult r = run_flexcim({"sweep", "grid.yaml", "--out", "out", "-j", "2", "--quiet"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // --quiet

  const json results = read_json(dir / "out/results.json");
  ASSERT_EQ(results.at("rows").size(), 6u);
  EXPECT_TRUE(results.at("complete").get<bool>());
  const std::string csv = read_file(dir / "out/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7) << csv;  // header + 6 rows

  const std::vector<std::pair<std::string, std::string>> expected{
      {"2", "12.8"}, {"2", "25.6"}, {"2", "51.2"}, {"4", "12.8"}, {"4", "25.6"}, {"4", "51.2"}};
  for (size_t i = 0; i < 6; ++i) {
    const json& row = results["rows"][i];
    EXPECT_EQ(row.at("point"), i);
    EXPECT_EQ(text_of(row.at("platform.accelerator.macros")), expected[i].first);
    EXPECT_EQ(text_of(row.at("platform.dram.bandwidth_gbps")), expected[i].second);
    EXPECT_EQ(row.at("status"), "ok");

    // The same point as a single run: the same stats.json, byte for byte, and the row holds its totals.
    const std::string single = "single" + std::to_string(i);
    const ProcessResult s = run_flexcim({"run", "tiny.yaml", "--set", "platform.accelerator.macros=" + expected[i].first,
                                         "--set", "platform.dram.bandwidth_gbps=" + expected[i].second, "--out", single},
                                        dir.path());
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const std::string point_stats = dir / ("out/" + row.at("dir").get<std::string>() + "/stats.json");
    EXPECT_EQ(read_file(point_stats), read_file(dir / (single + "/stats.json"))) << "point " << i;
    const json stats = read_json(dir / (single + "/stats.json"));
    for (const char* k : {"cycles", "time_ns", "energy_pj", "macs", "dram_read_bytes", "dram_write_bytes"})
      EXPECT_EQ(row.at(k), stats["totals"][k]) << k;
    EXPECT_EQ(row.at("energy_dram_pj"), stats["energy"]["by_component"]["dram"]);
    EXPECT_EQ(row.at("golden_match"), true);
  }
  // Bandwidth matters: the same macros at 4x the bandwidth take fewer cycles.
  EXPECT_LT(results["rows"][2]["cycles"].get<uint64_t>(), results["rows"][0]["cycles"].get<uint64_t>());
}

// Stopped after some points, by Ctrl-C (forwarded to the points running) or by
// kill -9 (the points die with it): the results files hold the finished points and
// parse; the next run redoes none of them and finishes the rest.
void stop_and_resume(int signal) {
  TempDir dir;
  dir.write("mid.yaml", kMid);
  dir.write("sweep.yaml",
            "scenario: mid.yaml\n"
            "grid:\n"
            "  platform.dram.bandwidth_gbps: [12.8, 25.6, 51.2]\n"
            "  platform.accelerator.macros: [2, 4]\n");
  {
    Background sweep({"sweep", "sweep.yaml", "--out", "out", "-j", "1"}, dir);
    ASSERT_TRUE(wait_for([&] { return finished(dir / "out/results.json") >= 2; }, 120s));
    kill(sweep.pid(), signal);
    const int status = sweep.wait();
    if (signal == SIGINT) {
      EXPECT_EQ(status, 130) << read_file(dir / "bg.stderr");
      EXPECT_NE(read_file(dir / "bg.stderr").find("run the same command again"), std::string::npos);
    } else {
      EXPECT_EQ(status, 256 + SIGKILL);
    }
  }
  const json stopped = read_json(dir / "out/results.json");
  const size_t done = stopped.at("finished").get<size_t>();
  ASSERT_GE(done, 2u);
  ASSERT_LT(done, 6u) << "the sweep finished before it was stopped";
  EXPECT_FALSE(stopped.at("complete").get<bool>());
  ASSERT_EQ(stopped.at("rows").size(), done);
  std::map<std::string, fs::file_time_type> written;
  for (const json& row : stopped["rows"]) {
    EXPECT_EQ(row.at("status"), "ok");
    const std::string stats = dir / ("out/" + row.at("dir").get<std::string>() + "/stats.json");
    written[stats] = fs::last_write_time(stats);
  }
  // The points die with the sweep: none is left running.
  std::this_thread::sleep_for(200ms);
  // ("point[s]": the pattern must not match the shell that runs pgrep.)
  EXPECT_NE(std::system(("pgrep -f -- '--out " + (dir / "out/point[s]") + "' >/dev/null").c_str()), 0);

  const ProcessResult again = run_flexcim({"sweep", "sweep.yaml", "--out", "out", "-j", "2"}, dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("(" + std::to_string(done) + " done before)"), std::string::npos) << again.out;
  const json results = read_json(dir / "out/results.json");
  ASSERT_EQ(results.at("rows").size(), 6u);
  EXPECT_TRUE(results.at("complete").get<bool>());
  for (const auto& [stats, time] : written) EXPECT_EQ(fs::last_write_time(stats), time) << stats << " was run again";
}

TEST(Sweep, CtrlCStopsAndTheNextRunFinishesTheRest) { stop_and_resume(SIGINT); }
TEST(Sweep, KillNineLeavesConsistentResultsAndResumes) { stop_and_resume(SIGKILL); }

TEST(Sweep, APointThePlatformRefusesIsARowWithItsError) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  // Each value runs somewhere; 8 macros do not fit a weight buffer of 4 records.
  dir.write("sweep.yaml",
            "scenario: tiny.yaml\n"
            "grid:\n"
            "  platform.accelerator.macros: [4, 8]\n"
            "  platform.accelerator.buffers.weight.bytes: [18944, 65536]\n");
  const ProcessResult r = run_flexcim({"sweep", "sweep.yaml", "--out", "out", "-j", "2"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // Not a terminal: a progress line per point run (the refused one never runs).
  EXPECT_NE(r.err.find("sweep sweep: points run: 3/3"), std::string::npos) << r.err;
  EXPECT_EQ(r.err_lines().size(), 3u) << r.err;
  const json rows = read_json(dir / "out/results.json").at("rows");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    if (i == 2) {
      EXPECT_EQ(rows[i].at("status"), "failed");
      EXPECT_NE(rows[i].at("error").get<std::string>().find("cannot hold one wave of 8 tile records"),
                std::string::npos)
          << rows[i];
      EXPECT_TRUE(rows[i].at("cycles").is_null());
    } else {
      EXPECT_EQ(rows[i].at("status"), "ok") << rows[i];
      EXPECT_GT(rows[i].at("cycles").get<uint64_t>(), 0u);
    }
  }
}

TEST(Sweep, APointKilledWhileRunningIsARowWithItsError) {
  TempDir dir;
  dir.write("mid.yaml", kMid);
  dir.write("sweep.yaml", "scenario: mid.yaml\ngrid: {platform.accelerator.macros: [2, 4]}\n");
  Background sweep({"sweep", "sweep.yaml", "--out", "out", "-j", "1"}, dir);
  // The first point's run, found by its output folder on its command line.
  pid_t point = 0;
  ASSERT_TRUE(wait_for(
      [&] {
        FILE* p = popen(("pgrep -f -- '--out " + (dir / "out/point[s]/0000") + "'").c_str(), "r");
        int pid = 0;
        if (fscanf(p, "%d", &pid) != 1) pid = 0;
        pclose(p);
        point = pid;
        return point > 0;
      },
      60s));
  kill(point, SIGKILL);
  EXPECT_EQ(sweep.wait(), 1);
  const json rows = read_json(dir / "out/results.json").at("rows");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "failed");
  EXPECT_NE(rows[0].at("error").get<std::string>().find("killed by signal 9"), std::string::npos) << rows[0];
  EXPECT_EQ(rows[1].at("status"), "ok");
}

struct BadSweep {
  const char* name;
  const char* sweep;
  std::vector<std::string> expected;
};
void PrintTo(const BadSweep& b, std::ostream* os) { *os << b.name; }

class SweepBadInput : public testing::TestWithParam<BadSweep> {};

TEST_P(SweepBadInput, OneLineExitTwoNothingRuns) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  dir.write("sweep.yaml", GetParam().sweep);
  const ProcessResult r = run_flexcim({"sweep", "sweep.yaml", "--out", "out"}, dir.path());
  expect_one_error_line(r, GetParam().expected);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, SweepBadInput,
    testing::Values(
        BadSweep{"UnknownKey", "scenario: tiny.yaml\ngrid: {platform.accelerator.macroz: [2, 4]}\n",
                 {"sweep.yaml:2: grid.platform.accelerator.macroz", "unknown key", "macros"}},
        BadSweep{"WrongType", "scenario: tiny.yaml\ngrid:\n  seed: [1, 2]\n  platform.accelerator.macros: [2, four]\n",
                 {"sweep.yaml:4: grid.platform.accelerator.macros: four", "expected an integer"}},
        BadSweep{"EmptyAxis", "scenario: tiny.yaml\ngrid:\n  platform.accelerator.macros: []\n",
                 {"sweep.yaml:3", "empty axis"}},
        BadSweep{"NotYaml", "scenario: tiny.yaml\ngrid: {platform.accelerator.macros: [2, 4}\n",
                 {"sweep.yaml:2", "YAML syntax error"}},
        BadSweep{"NotAMap", "- just\n- a list\n", {"sweep.yaml:1", "a sweep file is a map"}},
        BadSweep{"UnknownSweepKey", "scenario: tiny.yaml\ngird: {seed: [1]}\n",
                 {"sweep.yaml:2", "gird: unknown key", "grid"}},
        BadSweep{"MissingScenario", "scenario: nothere.yaml\ngrid: {seed: [1]}\n", {"nothere.yaml does not exist"}},
        BadSweep{"ZipLengths", "scenario: tiny.yaml\nzip:\n  seed: [1, 2]\n  platform.accelerator.macros: [2]\n",
                 {"sweep.yaml:4", "equal lengths"}},
        BadSweep{"UnknownRunFlag", "scenario: tiny.yaml\nflags: [--fast]\ngrid: {seed: [1]}\n",
                 {"sweep.yaml:2", "--fast is not an option of `flexcim run`"}},
        BadSweep{"UnknownArchitecture", "scenario: tiny.yaml\narchitectures: [flexcim, tpu]\n",
                 {"architectures", "tpu", "not a valid choice", "dense-dcim"}},
        BadSweep{"NothingToSweep", "scenario: tiny.yaml\n", {"nothing to sweep"}}));

TEST(Sweep, JobsZeroIsBadInput) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  dir.write("sweep.yaml", kGrid2x3);
  expect_one_error_line(run_flexcim({"sweep", "sweep.yaml", "-j", "0"}, dir.path()), {"--jobs", "0"});
}

// Architectures, zipped lists and explicit points multiply; flags reach every run.
TEST(Sweep, ArchitecturesZipAndPointsMultiply) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  dir.write("sweep.yaml",
            "scenario: tiny.yaml\n"
            "set: {workload.tokens: 2}\n"
            "architectures: [flexcim, dense-dcim]\n"
            "zip:\n"
            "  platform.clock_mhz: [500, 1000]\n"
            "  platform.dram.bandwidth_gbps: [12.8, 25.6]\n"
            "points:\n"
            "  - {seed: 1}\n"
            "  - {seed: 2, platform.accelerator.macros: 2}\n"
            "flags: [--vcd]\n");
  const ProcessResult r = run_flexcim({"sweep", "sweep.yaml", "--out", "out", "-j", "2", "-q"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json rows = read_json(dir / "out/results.json").at("rows");
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].at("platform.accelerator.architecture"), "flexcim");
  EXPECT_EQ(rows[7].at("platform.accelerator.architecture"), "dense-dcim");
  EXPECT_EQ(rows[2].at("platform.clock_mhz"), 1000);
  EXPECT_EQ(rows[2].at("platform.dram.bandwidth_gbps"), 25.6);
  EXPECT_TRUE(rows[0].at("platform.accelerator.macros").is_null());  // the first explicit point leaves it
  EXPECT_EQ(rows[1].at("platform.accelerator.macros"), 2);
  for (const json& row : rows) {
    const std::string point = dir / ("out/" + row.at("dir").get<std::string>());
    EXPECT_TRUE(fs::exists(point + "/trace.vcd")) << point;
    const json stats = read_json(point + "/stats.json");
    EXPECT_EQ(stats["layers"][0]["tokens"], 2);  // set: applies to every point
    EXPECT_EQ(stats["platform"]["architecture"], row.at("platform.accelerator.architecture"));
  }
}

// --slurm writes the array script and the manifest; each array task runs
// `flexcim sweep point DIR INDEX` (run here directly, as Slurm would), and
// `sweep collect` merges what they left. The real Slurm test is test_slurm.sh.
TEST(Sweep, SlurmScriptTasksAndCollect) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  dir.write("sweep.yaml", "scenario: tiny.yaml\ngrid: {platform.accelerator.macros: [2, 4], seed: [1, 2]}\n");
  const ProcessResult r =
      run_flexcim({"sweep", "sweep.yaml", "--out", "out", "--slurm", "--sbatch=--time=00:05:00"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string script = read_file(dir / "out/sweep.sbatch");
  EXPECT_NE(script.find("#SBATCH --array=0,1,2,3\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --time=00:05:00\n"), std::string::npos) << script;
  EXPECT_NE(script.find(" sweep point "), std::string::npos) << script;
  EXPECT_FALSE(fs::exists(dir / "out/points/0000/stats.json"));  // nothing ran

  const ProcessResult early = run_flexcim({"sweep", "collect", "out"}, dir.path());
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_NE(early.out.find("collected 0 of 4"), std::string::npos) << early.out;
  for (int i = 0; i < 4; ++i) {
    const ProcessResult task = run_flexcim({"sweep", "point", "out", std::to_string(i)}, dir.path());
    ASSERT_EQ(task.exit_code, 0) << task.err;
  }
  const ProcessResult collected = run_flexcim({"sweep", "collect", "out"}, dir.path());
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  const json rows = read_json(dir / "out/results.json").at("rows");
  ASSERT_EQ(rows.size(), 4u);
  for (const json& row : rows) EXPECT_EQ(row.at("status"), "ok");
}

// DIR/config.yaml is the effective configuration: copied elsewhere and run from
// another folder it gives the same stats.json, byte for byte, which records the
// overrides and the program version.
TEST(RunFolder, ConfigYamlRunFromAnywhereGivesIdenticalStats) {
  TempDir dir;
  dir.write("scenarios/tiny.yaml", kTiny);
  const ProcessResult first = run_flexcim(
      {"run", "scenarios/tiny.yaml", "--set", "platform.accelerator.macros=2", "--set", "workload.tokens=5", "--out",
       "first"},
      dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  dir.write("elsewhere/deeper/copy.yaml", read_file(dir / "first/config.yaml"));
  fs::create_directories(dir / "cwd");
  const ProcessResult again =
      run_flexcim({"run", "../elsewhere/deeper/copy.yaml", "--out", "../second"}, dir / "cwd");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(dir / "first/stats.json"), read_file(dir / "second/stats.json"));
  EXPECT_EQ(read_file(dir / "first/config.yaml"), read_file(dir / "second/config.yaml"));

  const json stats = read_json(dir / "first/stats.json");
  EXPECT_EQ(stats.at("configuration").at("scenario"), (dir.path() / "scenarios/tiny.yaml").string());
  EXPECT_EQ(stats["configuration"]["overrides"], json({"platform.accelerator.macros=2", "workload.tokens=5"}));
  const ProcessResult version = run_flexcim({"--version"}, dir.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, stats.at("version").get<std::string>() + "\n");
  EXPECT_EQ(stats["version"].get<std::string>().rfind("0.1.0", 0), 0u);
  // File paths in it are absolute.
  EXPECT_NE(read_file(dir / "first/config.yaml").find("energy_table: \"/"), std::string::npos);
}

// --timeline: Chrome trace events with a track per macro, the DMA, the sequencer
// and the jobs (one slice per layer, named after it); the power counter, summed
// over time, is the run's energy within 1%, and the DRAM counter its bytes.
TEST(Timeline, TracksSlicesAndPowerIntegratingToTheRunsEnergy) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  const ProcessResult r = run_flexcim({"run", "tiny.yaml", "--timeline", "--out", "out"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json timeline = read_json(dir / "out/timeline.json");
  const json stats = read_json(dir / "out/stats.json");
  const json& events = timeline.at("traceEvents");

  std::map<int, std::string> tracks;
  for (const json& e : events)
    if (e.at("ph") == "M" && e.at("name") == "thread_name") tracks[e.at("tid")] = e["args"]["name"];
  std::set<std::string> names;
  for (const auto& [tid, name] : tracks) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"jobs (layers)", "sequencer", "dma", "macro0", "macro1", "macro2", "macro3"}));

  std::map<int, int> open;  // per track: begins minus ends, never negative
  std::vector<std::string> jobs;
  std::map<std::string, size_t> busy;
  double end_us = 0;
  for (const json& e : events) {
    if (e.contains("ts")) end_us = std::max(end_us, e["ts"].get<double>());
    if (e["ph"] != "B" && e["ph"] != "E") continue;
    const int tid = e["tid"];
    open[tid] += e["ph"] == "B" ? 1 : -1;
    EXPECT_GE(open[tid], 0) << tracks[tid];
    if (e["ph"] == "B") {
      ++busy[tracks[tid]];
      if (tracks[tid] == "jobs (layers)") jobs.push_back(e["name"]);
    }
  }
  for (const auto& [tid, n] : open) EXPECT_EQ(n, 0) << tracks[tid];
  EXPECT_EQ(jobs, (std::vector<std::string>{"a", "b"}));
  for (const char* t : {"sequencer", "dma", "macro0", "macro3"}) EXPECT_GT(busy[t], 0u) << t;
  // The job slices last as long as the jobs stats.json reports (the rest is the host programming them).
  double job_ns = 0;
  for (const json& e : events)
    if ((e["ph"] == "B" || e["ph"] == "E") && tracks[e["tid"]] == "jobs (layers)")
      job_ns += (e["ph"] == "E" ? 1000 : -1000) * e["ts"].get<double>();
  const double time_ns = stats["totals"]["time_ns"].get<double>();
  EXPECT_NEAR(job_ns, time_ns, 0.01 * time_ns);

  // Counters hold their value until the next sample of the same counter.
  auto integrate = [&](const std::string& counter) {
    std::vector<std::pair<double, double>> samples;  // ts [us], value
    for (const json& e : events)
      if (e["ph"] == "C" && e["name"] == counter) {
        double sum = 0;
        for (const auto& [k, v] : e["args"].items()) sum += v.get<double>();
        samples.emplace_back(e["ts"].get<double>(), sum);
      }
    std::sort(samples.begin(), samples.end());
    double total = 0;
    for (size_t i = 0; i < samples.size(); ++i)
      total += samples[i].second * ((i + 1 < samples.size() ? samples[i + 1].first : end_us) - samples[i].first) * 1000;
    return total;  // value x ns
  };
  const double energy = stats["totals"]["energy_pj"].get<double>();
  EXPECT_NEAR(integrate("power [mW]"), energy, 0.01 * energy);  // mW x ns = pJ
  const double bytes = stats["totals"]["dram_read_bytes"].get<double>() + stats["totals"]["dram_write_bytes"].get<double>();
  EXPECT_NEAR(integrate("DRAM bandwidth [GB/s]"), bytes, 0.01 * bytes);  // GB/s x ns = bytes
}

// --vcd: real-valued power per component beside the activity signals, and the
// running layer; summed over time, the total is the run's energy within 1%.
TEST(Timeline, VcdPowerSignalsIntegrateToTheRunsEnergy) {
  TempDir dir;
  dir.write("tiny.yaml", kTiny);
  const ProcessResult r =
      run_flexcim({"run", "tiny.yaml", "--vcd", "--power-window-ns", "50", "--out", "out"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json stats = read_json(dir / "out/stats.json");
  std::istringstream vcd(read_file(dir / "out/trace.vcd"));
  std::map<std::string, std::string> ids;  // id -> name
  double unit_ns = 0;
  std::string line;
  while (std::getline(vcd, line) && line.find("$enddefinitions") == std::string::npos) {
    std::istringstream words(line);
    std::string w, kind, width, id, name;
    words >> w;
    if (w == "$var") {
      words >> kind >> width >> id >> name;
      ids[id] = name;
    } else if (w == "$timescale") {
      // The kernel's resolution (e.g. "1 ps"), so that every event has its own time.
      std::getline(vcd, line);
      std::istringstream timescale(line);
      double count = 0;
      std::string unit;
      timescale >> count >> unit;
      const std::map<std::string, double> ns = {{"fs", 1e-6}, {"ps", 1e-3}, {"ns", 1.0}, {"us", 1e3}};
      unit_ns = ns.count(unit) ? count * ns.at(unit) : 0;
    }
  }
  ASSERT_GT(unit_ns, 0.0) << "no $timescale";
  std::string total_id, layer_id;
  std::set<std::string> components;
  for (const auto& [id, name] : ids) {
    if (name == "total_mW") total_id = id;
    if (name == "layer") layer_id = id;
    if (name.size() > 3 && name.substr(name.size() - 3) == "_mW" && name != "total_mW") components.insert(name);
  }
  ASSERT_FALSE(total_id.empty());
  ASSERT_FALSE(layer_id.empty());
  EXPECT_EQ(components, (std::set<std::string>{"dram_mW", "dma_mW", "wbuf_mW", "abuf_mW", "obuf_mW", "macro_mW",
                                               "distribution_mW", "merge_mW", "requant_mW", "control_mW"}));

  double t = 0, power = 0, energy = 0;
  std::set<std::string> layers;
  while (std::getline(vcd, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      const double now = std::stod(line.substr(1)) * unit_ns;
      energy += power * (now - t);  // mW x ns = pJ
      t = now;
    } else if (line[0] == 'r' && line.substr(line.find(' ') + 1) == total_id) {
      power = std::stod(line.substr(1));
    } else if (line[0] == 'b' && line.substr(line.find(' ') + 1) == layer_id) {
      layers.insert(line.substr(1, line.find(' ') - 1));
    }
  }
  EXPECT_EQ(power, 0.0);  // the last window ends
  const double expected = stats["totals"]["energy_pj"].get<double>();
  EXPECT_NEAR(energy, expected, 0.01 * expected);
  EXPECT_EQ(layers, (std::set<std::string>{"0", "1", "10"}));  // none, a, b (binary)
}

}  // namespace
}  // namespace flexcim::test
