// SystemC in a fuzz target: elaborate once (the kernel cannot elaborate twice),
// run each input on one thread made for it, and treat every kernel warning or
// error as a finding.
#pragma once
#include <cstdlib>
#include <functional>
#include <string>

#include <systemc>

#include "fuzz_support.h"

namespace flexcim::fuzz {

inline void report_handler(const sc_core::sc_report& report, const sc_core::sc_actions&) {
  if (report.get_severity() == sc_core::SC_INFO) return;
  finding(std::string("SystemC ") + report.get_msg_type() + ": " + report.get_msg());
}

// Before elaboration: no banner, kernel reports as findings.
inline void prepare_kernel() {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  sc_core::sc_report_handler::set_handler(report_handler);
}

// One SystemC thread, made during elaboration, that runs each input's body: a thread
// spawned per input would keep its coroutine stack (tens of KiB) for good.
class InputThread : public sc_core::sc_module {
 public:
  explicit InputThread(sc_core::sc_module_name name = "input") : sc_module(name) {
    SC_HAS_PROCESS(InputThread);
    SC_THREAD(loop);
  }
  // Runs `body` on the thread and simulates until nothing is left to do.
  void run(const std::function<void()>& body) {
    body_ = body;
    go_.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();
  }

 private:
  void loop() {
    for (;;) {
      wait(go_);
      body_();
    }
  }
  std::function<void()> body_;
  sc_core::sc_event go_;
};

}  // namespace flexcim::fuzz
