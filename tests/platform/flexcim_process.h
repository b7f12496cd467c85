// Runs the flexcim program (FLEXCIM_BIN, set by the build) as a child process,
// the way a user does, and captures its exit status and output.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flexcim::test {

struct ProcessResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string out, err;
  std::vector<std::string> err_lines() const;
};

// `args` are passed verbatim (quoted for the shell); stdout and stderr are
// captured through files in `work_dir`. `env_prefix` is put in front of the
// command, e.g. "env -u SC_COPYRIGHT_MESSAGE".
ProcessResult run_flexcim(const std::vector<std::string>& args, const std::string& work_dir,
                          const std::string& env_prefix = "");

nlohmann::json read_json(const std::string& path);

// stderr without the warning the Sanitize build prints about SystemC's coroutine
// stacks (see flexcim_process.cpp); run_flexcim applies it already.
std::string without_asan_stack_switch_warning(const std::string& err);

// Bad input as users see it: exit status 2, nothing on stdout, exactly one
// "flexcim: error: ..." line on stderr holding every `expected` fragment.
void expect_one_error_line(const ProcessResult& r, const std::vector<std::string>& expected);

}  // namespace flexcim::test
