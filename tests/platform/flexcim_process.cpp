#include "flexcim_process.h"

#include <sys/wait.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace flexcim::test {

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

// SystemC 2.3.4 tells AddressSanitizer about its switches between coroutine stacks
// (weak __sanitizer_start/finish_switch_fiber calls) but gives no bounds for the
// main stack, so once sc_start has run, ASan's idea of the current stack is wrong
// and the first noreturn call on the main stack (a throw, compare's _exit) prints
// this warning (google/sanitizers#189). It is about SystemC, not a finding: the
// three lines are removed exactly as ASan prints them; anything else stays.
std::string without_asan_stack_switch_warning(const std::string& err) {
  static const std::regex warning(
      R"(==\d+==WARNING: ASan is ignoring requested __asan_handle_no_return: stack type: default top: 0x[0-9a-f]+; )"
      R"(bottom 0x[0-9a-f]+; size: 0x[0-9a-f]+ \(-?\d+\)\nFalse positive error reports may follow\n)"
      R"(For details see https://github\.com/google/sanitizers/issues/189\n)");
  return std::regex_replace(err, warning, "");
}

std::vector<std::string> ProcessResult::err_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ProcessResult run_flexcim(const std::vector<std::string>& args, const std::string& work_dir,
                          const std::string& env_prefix) {
  const std::string out_file = work_dir + "/flexcim.stdout", err_file = work_dir + "/flexcim.stderr";
  std::string cmd = "cd " + shell_quote(work_dir) + " && " + env_prefix + " " + shell_quote(FLEXCIM_BIN);
  for (const std::string& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(out_file) + " 2>" + shell_quote(err_file);
  const int status = std::system(cmd.c_str());
  ProcessResult r;
  r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_file);
  r.err = without_asan_stack_switch_warning(read_file(err_file));
  return r;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

void expect_one_error_line(const ProcessResult& r, const std::vector<std::string>& expected) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const std::vector<std::string> lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("flexcim: error: ", 0), 0u) << lines[0];
  for (const std::string& s : expected) EXPECT_NE(lines[0].find(s), std::string::npos) << s << " not in: " << lines[0];
}

}  // namespace flexcim::test
