// SIGINT and SIGTERM while a simulation runs: the kernel stops at the end of the
// current delta cycle (a safe point: no process is half-way through an
// evaluation), the caller closes the VCD and writes what it has, marked
// incomplete, and the program exits 128 + the signal number.
//
// While a SignalStop::Watch lives, the two signals are blocked in this thread and
// taken by a watcher thread instead, which reaches the kernel the one way SystemC
// allows from another thread: async_request_update on a primitive channel. A
// second signal while the first is being handled ends the process at once, as an
// impatient Ctrl-C should.
#pragma once
#include <atomic>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>

#include <systemc>

namespace flexcim {

// Thrown once the stopped simulation has been wrapped up.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& what) : std::runtime_error(what), signal_(signal) {}
  int signal() const { return signal_; }
  int exit_status() const { return 128 + signal_; }

 private:
  int signal_;
};

const char* signal_name(int signal);  // "SIGINT", "SIGTERM"

class SignalStop : public sc_core::sc_prim_channel {
 public:
  // A primitive channel: construct it during elaboration.
  explicit SignalStop(const char* name = "signal_stop");

  class Watch {
   public:
    explicit Watch(SignalStop& stop);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    SignalStop& stop_;
    sigset_t signals_, old_mask_;
    std::atomic<bool> done_{false};
    std::thread watcher_;
  };

  int signal() const { return signal_; }  // the signal that stopped the simulation, or 0

 private:
  void update() override;  // in the kernel: sc_stop()

  std::atomic<int> signal_{0};
};

}  // namespace flexcim
