#include "child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

namespace flexcim {

std::string run_in_child(const std::function<std::string()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  // Whatever the parent buffered must not be written twice.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    close(fds[0]);
    std::string answer;
    try {
      answer = "ok\n" + work();
    } catch (const std::exception& e) {
      answer = std::string("error\n") + e.what();
    } catch (...) {
      answer = "error\nunknown exception";
    }
    size_t sent = 0;
    while (sent < answer.size()) {
      const ssize_t n = write(fds[1], answer.data() + sent, answer.size() - sent);
      if (n <= 0) break;
      sent += size_t(n);
    }
    std::cout.flush();
    std::fflush(nullptr);
    _exit(sent == answer.size() ? 0 : 1);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      text.append(buf, size_t(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ChildError(fmt::format("the child process died ({})", WIFSIGNALED(status)
                                                                     ? fmt::format("signal {}", WTERMSIG(status))
                                                                     : fmt::format("exit {}", WEXITSTATUS(status))));
  if (text.rfind("ok\n", 0) == 0) return text.substr(3);
  if (text.rfind("error\n", 0) == 0) throw ChildError(text.substr(6));
  throw ChildError("the child process gave no answer");
}

}  // namespace flexcim
