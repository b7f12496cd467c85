#include "progress.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "sequencer.h"

namespace flexcim {

namespace {

std::string clock_text(double seconds) {
  const long s = long(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

ProgressLine::ProgressLine(std::string what, size_t total, bool quiet)
    : what_(std::move(what)),
      total_(total),
      quiet_(quiet),
      tty_(isatty(2)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressLine::~ProgressLine() {
  if (open_) std::cerr << "\n" << std::flush;
}

void ProgressLine::update(size_t done, const std::string& detail, bool force) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = seconds(now - start_);
  const bool finished = done >= total_;
  if (!force) {
    const double since = seconds(now - last_);
    if (tty_ ? elapsed < 1.0 || (!finished && since < 0.2) : finished ? !printed_ : since < 5.0) return;
  }
  last_ = now;
  printed_ = true;
  std::string line = fmt::format("{}: {}/{}, {} elapsed", what_, done, total_, clock_text(elapsed));
  if (done > 0 && !finished) line += ", ETA " + clock_text(elapsed / double(done) * double(total_ - done));
  if (!detail.empty()) line += "; " + detail;
  if (tty_) {
    std::cerr << "\r\033[K" << line << (finished ? "\n" : "") << std::flush;
    open_ = !finished;
  } else {
    std::cerr << line << "\n" << std::flush;
  }
}

RunProgress::RunProgress(sc_core::sc_module_name name, const sc_core::sc_signal<unsigned>& sequencer_state,
                         size_t jobs, const std::string& what)
    : sc_module(name), state_(sequencer_state), line_(what, jobs, false) {
  SC_HAS_PROCESS(RunProgress);
  SC_METHOD(on_state);
  sensitive << state_;
  dont_initialize();
}

void RunProgress::on_state() {
  const unsigned s = state_.read();
  if (s != Sequencer::Done && s != Sequencer::Failed) return;
  line_.update(++done_, fmt::format("{:.1f} us simulated", sc_core::sc_time_stamp().to_seconds() * 1e6));
}

}  // namespace flexcim
