// SystemC elaborates once per process, so every platform a command needs beyond
// its own runs in a forked child: the child runs `work` and sends back the text it
// returns (or its error) through a pipe; the parent waits for it.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace flexcim {

// What the child threw, with its message.
class ChildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Returns what `work` returned in the child; throws ChildError with its message when
// it threw, or when the child died without answering.
std::string run_in_child(const std::function<std::string()>& work);

}  // namespace flexcim
