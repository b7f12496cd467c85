#include "child_process.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "interruption.h"

namespace flexcim {

namespace {

volatile sig_atomic_t g_child = 0;     // the child being waited for
volatile sig_atomic_t g_received = 0;  // the signal forwarded to it

void forward(int signal) {
  g_received = signal;
  if (g_child > 0) kill(pid_t(g_child), signal);
}

void flush_all() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

bool write_all(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = write(fd, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

std::string read_all(int fd) {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, size_t(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

}  // namespace

int run_in_child(const std::function<int()>& child, const std::function<void()>& while_running) {
  // Whatever the parent buffered must not be written twice.
  flush_all();
  // Forwarding is in place before the fork: no signal slips between the two.
  g_child = 0;
  g_received = 0;
  struct sigaction forwarding = {}, old_int = {}, old_term = {};
  forwarding.sa_handler = forward;
  sigemptyset(&forwarding.sa_mask);
  sigaction(SIGINT, &forwarding, &old_int);
  sigaction(SIGTERM, &forwarding, &old_term);
  auto restore = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  };

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    restore();
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    restore();
    setpgid(0, 0);
    // SIGTERM when the parent goes; if it went before this line, go now.
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(143);
    int status = 1;
    try {
      status = child();
    } catch (...) {
    }
    flush_all();
    _exit(status);
  }

  g_child = pid;
  if (g_received) kill(pid, g_received);  // came before the child's pid was known
  if (while_running) while_running();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  restore();
  g_child = 0;

  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (g_received)
    throw Interrupted(g_received, fmt::format("interrupted by {} (the child process exited with status {})",
                                              signal_name(g_received), code));
  return code;
}

std::string child_answer(const std::function<std::string()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::string text;
  int code = 1;
  try {
    code = run_in_child(
        [&] {
          close(fds[0]);
          std::string answer;
          try {
            answer = "ok\n" + work();
          } catch (const std::exception& e) {
            answer = std::string("error\n") + e.what();
          } catch (...) {
            answer = "error\nunknown exception";
          }
          return write_all(fds[1], answer) ? 0 : 1;
        },
        // Read while the child runs: an answer larger than the pipe must not block it.
        [&] {
          close(fds[1]);
          fds[1] = -1;
          text = read_all(fds[0]);
        });
  } catch (...) {
    close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    throw;
  }
  close(fds[0]);
  if (code != 0)
    throw ChildError(fmt::format("the child process died ({})",
                                 code > 128 ? fmt::format("signal {}", code - 128) : fmt::format("exit {}", code)));
  if (text.rfind("ok\n", 0) == 0) return text.substr(3);
  if (text.rfind("error\n", 0) == 0) throw ChildError(text.substr(6));
  throw ChildError("the child process gave no answer");
}

}  // namespace flexcim
