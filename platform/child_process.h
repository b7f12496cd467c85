// A forked child that lives no longer than its parent. SystemC elaborates once per
// process, so compare (one architecture per child), the capability probe and the
// cost measurements run platforms in children; none of them may outlive a killed
// parent and run on.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace flexcim {

// Runs `child` in a forked process and waits for it; returns its exit status, or
// 128 + n if signal n killed it. The child:
//  - gets SIGTERM when the parent dies, however it dies (PR_SET_PDEATHSIG);
//  - runs in its own process group, so a terminal's Ctrl-C reaches the parent only.
// A SIGINT or SIGTERM reaching the parent while it waits is forwarded to the child,
// which stops and writes what it has; once the child has exited, the parent throws
// Interrupted. `child` returns the exit status; anything it throws exits 1.
// `while_running`, if given, runs in the parent between the fork and the wait.
int run_in_child(const std::function<int()>& child, const std::function<void()>& while_running = {});

// What the child threw, with its message.
class ChildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `work` in a child as run_in_child does and returns the text it returned,
// sent back through a pipe; throws ChildError with its message when it threw, or
// when the child died without answering.
std::string child_answer(const std::function<std::string()>& work);

}  // namespace flexcim
