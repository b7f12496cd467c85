// SIGINT, SIGTERM and SIGKILL sent to a running flexcim process, as a user's
// Ctrl-C, a batch system's timeout or an OOM killer would: the files left behind
// never lie (complete or marked incomplete, never stale, never cut mid-line), and
// no child process outlives `compare`.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
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
using namespace std::chrono_literals;

constexpr int kKilledBy = 256;  // + signal: the process did not exit, a signal ended it
const std::string kDefaultScenario = std::string(FLEXCIM_SOURCE_DIR) + "/scenarios/default.yaml";  // ~10 s, 7 layers

// flexcim started in `dir` with stdout and stderr in files there.
class Running {
 public:
  Running(const std::vector<std::string>& args, const TempDir& dir) : dir_(dir) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(127);
      const int out = open("flexcim.stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open("flexcim.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv{const_cast<char*>(FLEXCIM_BIN)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(FLEXCIM_BIN, argv.data());
      _exit(127);
    }
  }
  ~Running() {
    if (status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // Waits until `ready` holds (polled), at most `limit`.
  static bool wait_for(const std::function<bool()>& ready, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (ready()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return ready();
  }

  // The exit status, or kKilledBy + signal; -1 if it is still running after `limit`.
  int wait_exit(std::chrono::seconds limit) {
    wait_for([&] { return reap(pid_, status_); }, limit);
    return status_;
  }

  std::string err() const { return without_asan_stack_switch_warning(read_file(dir_ / "flexcim.stderr")); }
  std::string out() const { return read_file(dir_ / "flexcim.stdout"); }

  // Reaps `pid` if it has exited (a child, or an orphan while we are a subreaper).
  static bool reap(pid_t pid, int& status) {
    int raw = 0;
    if (waitpid(pid, &raw, WNOHANG) != pid) return false;
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : kKilledBy + WTERMSIG(raw);
    return true;
  }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
  int status_ = -1;
};

// The simulation has started once SystemC has written the VCD header into the
// temporary trace file; a layer of default.yaml adds about 80 KB to it.
bool simulating(const fs::path& out, uint64_t min_bytes = 0) {
  std::error_code ignored;
  for (const auto& e : fs::directory_iterator(out, ignored))
    if (e.path().filename().string().find(".partial-") == 0 &&
        e.path().filename().string().find("trace.vcd") != std::string::npos) {
      const std::string vcd = read_file(e.path().string());
      if (vcd.find("$enddefinitions") != std::string::npos && vcd.size() >= min_bytes) return true;
    }
  return false;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A VCD that a viewer reads to the end: header, then only timestamps and value
// changes, whole lines, timestamps rising; returns the last timestamp.
uint64_t check_vcd(const std::string& vcd) {
  EXPECT_FALSE(vcd.empty());
  EXPECT_EQ(vcd.back(), '\n') << "cut mid-line";
  const size_t body = vcd.find("$enddefinitions");
  EXPECT_NE(body, std::string::npos);
  if (body == std::string::npos) return 0;
  std::istringstream in(vcd.substr(vcd.find('\n', body) + 1));
  const std::regex change(R"((b[01xz]+ \S+)|([01xz]\S+)|(\$dumpvars)|(\$end)|())");
  uint64_t last = 0;
  bool comment = false;
  for (std::string line; std::getline(in, line);) {
    if (comment || line == "$comment") {
      comment = line != "$end";
    } else if (!line.empty() && line[0] == '#') {
      const uint64_t t = std::stoull(line.substr(1));
      EXPECT_GE(t, last);
      last = t;
    } else {
      EXPECT_TRUE(std::regex_match(line, change)) << "not a VCD line: '" << line << "'";
    }
  }
  return last;
}

// An output folder holding an earlier run's files, which must not survive beside this run's.
fs::path out_with_stale_files(const TempDir& dir) {
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "stats.json") << "{\"stale\": true}\n";
  std::ofstream(out / "trace.vcd") << "stale\n";
  return out;
}

// Sends `signal` once the simulation runs, then checks what `flexcim run` leaves.
void interrupt_run(int signal, int expected_status) {
  TempDir dir;
  const fs::path out = out_with_stale_files(dir);
  Running run({"run", kDefaultScenario, "--out", out.string(), "--vcd"}, dir);
  ASSERT_TRUE(Running::wait_for([&] { return simulating(out, 160000); }, 300s)) << run.err();
  ASSERT_EQ(kill(run.pid(), signal), 0);
  ASSERT_EQ(run.wait_exit(120s), expected_status) << run.err();

  const std::string err = run.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(std::string("flexcim: interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM")),
            std::string::npos)
      << err;
  EXPECT_EQ(files_in(out), (std::vector<std::string>{"config.yaml", "stats.json", "trace.vcd"}));  // no temporary left

  const nlohmann::ordered_json stats = nlohmann::ordered_json::parse(read_file((out / "stats.json").string()));
  EXPECT_FALSE(stats.at("complete").get<bool>());
  EXPECT_EQ(stats.begin().key(), "complete");
  EXPECT_GE(stats.at("layers").size(), 1u);  // what was done is kept ...
  EXPECT_LT(stats.at("layers").size(), 7u);  // ... and nothing more claimed
  uint64_t ns = 0;
  for (const auto& layer : stats.at("layers")) ns += uint64_t(layer.at("time_ns").get<double>());
  const uint64_t last_ps = check_vcd(read_file((out / "trace.vcd").string()));
  EXPECT_GE(last_ps / 1000, ns);  // the trace reaches past every finished layer
}

TEST(Interruption, SigintStopsARunWithPartialStatsAndAValidVcd) { interrupt_run(SIGINT, 130); }

TEST(Interruption, SigtermStopsARunWithPartialStatsAndAValidVcd) { interrupt_run(SIGTERM, 143); }

// Killed outright, a run cannot write anything; what it must not do is leave the
// previous run's stats.json to be read as this one's.
TEST(Interruption, SigkillLeavesNoStaleOutputs) {
  TempDir dir;
  const fs::path out = out_with_stale_files(dir);
  Running run({"run", kDefaultScenario, "--out", out.string(), "--vcd"}, dir);
  ASSERT_TRUE(Running::wait_for([&] { return simulating(out); }, 120s)) << run.err();
  kill(run.pid(), SIGKILL);
  ASSERT_EQ(run.wait_exit(60s), kKilledBy + SIGKILL);
  EXPECT_FALSE(fs::exists(out / "stats.json"));
  EXPECT_FALSE(fs::exists(out / "trace.vcd"));
}

// The processes whose parent is `parent`.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) children.push_back(pid_t(std::stoi(name)));
  }
  return children;
}

TEST(Interruption, SigtermToCompareStopsItsChildWhichWritesWhatItHas) {
  TempDir dir;
  const fs::path out = dir.path() / "cmp";
  Running run({"compare", kDefaultScenario, "--out", out.string()}, dir);
  ASSERT_TRUE(Running::wait_for([&] { return !children_of(run.pid()).empty(); }, 120s)) << run.err();
  ASSERT_TRUE(Running::wait_for([&] { return fs::exists(out / "flexcim"); }, 120s)) << run.err();
  std::this_thread::sleep_for(500ms);  // into the simulation, most likely
  kill(run.pid(), SIGTERM);
  ASSERT_EQ(run.wait_exit(120s), 143) << run.err();
  EXPECT_NE(run.err().find("interrupted by SIGTERM"), std::string::npos) << run.err();
  EXPECT_FALSE(fs::exists(out / "compare.json"));
  EXPECT_FALSE(fs::exists(out / "dense-dcim"));  // the next architecture never started
  // The child stopped before or during its simulation: a partial stats.json or none.
  if (fs::exists(out / "flexcim/stats.json")) {
    EXPECT_FALSE(nlohmann::json::parse(read_file((out / "flexcim/stats.json").string())).at("complete").get<bool>());
  }
}

TEST(Interruption, ComparesChildDiesWithItsParent) {
  // Orphans are re-parented to us, so we can reap the child and see it went.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  TempDir dir;
  Running run({"compare", kDefaultScenario, "--out", (dir.path() / "cmp").string()}, dir);
  std::vector<pid_t> children;
  ASSERT_TRUE(Running::wait_for([&] { return !(children = children_of(run.pid())).empty(); }, 120s)) << run.err();
  kill(run.pid(), SIGKILL);
  ASSERT_EQ(run.wait_exit(60s), kKilledBy + SIGKILL);
  int status = -1;
  EXPECT_TRUE(Running::wait_for([&] { return Running::reap(children[0], status); }, 60s))
      << "compare's child " << children[0] << " outlived its parent";
  // It got SIGTERM: stopped as a run does, or died of it before its simulation began.
  EXPECT_TRUE(status == 143 || status == kKilledBy + SIGTERM) << status;
}

}  // namespace
}  // namespace flexcim::test
