#include "interruption.h"

#include <pthread.h>

#include <ctime>
#include <vector>

namespace flexcim {

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

namespace {
void kill_threads(const std::vector<sc_core::sc_object*>& objects) {
  for (sc_core::sc_object* object : objects) {
    sc_core::sc_process_handle process(object);
    if (process.valid() && process.proc_kind() != sc_core::SC_METHOD_PROC_ && !process.terminated())
      process.kill();
    kill_threads(object->get_child_objects());
  }
}
}  // namespace

SignalStop::SignalStop(sc_core::sc_module_name name) : sc_module(name), request_(requested_) {
  SC_HAS_PROCESS(SignalStop);
  SC_METHOD(stop);
  sensitive << requested_;
  dont_initialize();
}

void SignalStop::stop() {
  kill_threads(sc_core::sc_get_top_level_objects());
  sc_core::sc_stop();
}

SignalStop::Watch::Watch(SignalStop& stop) : stop_(stop) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  // Blocked before the watcher starts, so it inherits the mask and only sigtimedwait takes them.
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  watcher_ = std::thread([this] {
    const timespec poll{0, 50 * 1000 * 1000};  // how soon the watch notices it is no longer needed
    while (!done_) {
      const int signal = sigtimedwait(&signals_, nullptr, &poll);
      if (signal <= 0) continue;
      if (stop_.signal_.exchange(signal) != 0) {
        // The second one: no more waiting for a safe point.
        std::signal(signal, SIG_DFL);
        pthread_sigmask(SIG_UNBLOCK, &signals_, nullptr);
        raise(signal);
      }
      stop_.request_.async_request_update();
    }
  });
}

SignalStop::Watch::~Watch() {
  done_ = true;
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace flexcim
