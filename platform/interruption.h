// SIGINT and SIGTERM while a simulation runs: the simulation stops at the next
// delta cycle (a safe point: no process is half-way through an evaluation), the
// caller closes the VCD and writes what it has, marked incomplete, and the program
// exits 128 + the signal number.
//
// While a SignalStop::Watch lives, the two signals are blocked in this thread and
// taken by a watcher thread instead, which reaches the kernel the one way SystemC
// allows from another thread: async_request_update on a primitive channel. In the
// next delta cycle a method kills every thread process, so their stacks unwind
// (destructors run, nothing is left allocated), and calls sc_stop(). A second
// signal while the first is being handled ends the process at once, as an
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

class SignalStop : public sc_core::sc_module {
 public:
  explicit SignalStop(sc_core::sc_module_name name = "signal_stop");

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
  // The watcher's way in: its update runs in the kernel and wakes stop().
  struct Request : sc_core::sc_prim_channel {
    explicit Request(sc_core::sc_event& wake) : sc_prim_channel("request"), wake_(wake) {}
    void update() override { wake_.notify(sc_core::SC_ZERO_TIME); }
    sc_core::sc_event& wake_;
  };
  void stop();  // method: kill every thread, sc_stop()

  sc_core::sc_event requested_;
  Request request_;
  std::atomic<int> signal_{0};
};

}  // namespace flexcim
