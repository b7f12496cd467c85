// Progress on stderr for long runs, compares and sweeps: on a terminal one line
// rewritten in place (at most 5 times a second, from the first second on),
// otherwise a plain line every 5 s (and a last one if any was printed), so short
// commands stay silent.
#pragma once
#include <chrono>
#include <string>

#include <systemc>

namespace flexcim {

class ProgressLine {
 public:
  ProgressLine(std::string what, size_t total, bool quiet);
  ~ProgressLine();  // ends a line left open on a terminal
  // `done` of `total` finished; `detail` follows the counts. `force`: print now
  // (a non-terminal line for a notable event), whatever the interval.
  void update(size_t done, const std::string& detail = "", bool force = false);

 private:
  std::string what_;
  size_t total_;
  bool quiet_, tty_, open_ = false, printed_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// A run's jobs as the sequencer finishes them (one per layer).
class RunProgress : public sc_core::sc_module {
 public:
  RunProgress(sc_core::sc_module_name name, const sc_core::sc_signal<unsigned>& sequencer_state, size_t jobs,
              const std::string& what);

 private:
  void on_state();
  const sc_core::sc_signal<unsigned>& state_;
  size_t done_ = 0;
  ProgressLine line_;
};

}  // namespace flexcim
