#include "interruption.h"

#include <pthread.h>

#include <ctime>

namespace flexcim {

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

SignalStop::SignalStop(const char* name) : sc_core::sc_prim_channel(name) {}

void SignalStop::update() { sc_core::sc_stop(); }

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
      stop_.async_request_update();
    }
  });
}

SignalStop::Watch::~Watch() {
  done_ = true;
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace flexcim
