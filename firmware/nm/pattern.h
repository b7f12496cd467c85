#pragma once
// N:M sparsity pattern: N weights kept per group of M consecutive input channels.

#include <string>
#include <string_view>

namespace flexcim::nm {

struct Pattern {  // dense is n == m
  int n = 1, m = 1;

  bool dense() const { return n == m; }
  double sparsity() const;  // (m - n) / m
  std::string str() const;  // "2:4"; dense prints e.g. "8:8"

  // Throws std::invalid_argument naming `where` unless 1 <= n <= m <= 64.
  void validate(std::string_view where) const;

  // "2:4" -> {2,4}; throws std::invalid_argument (allowed form N:M, 1 <= N <= M <= 64).
  static Pattern parse(std::string_view text);

  friend bool operator==(Pattern a, Pattern b) { return a.n == b.n && a.m == b.m; }
  friend bool operator!=(Pattern a, Pattern b) { return !(a == b); }
};

constexpr int kMaxGroupSize = 64;

}  // namespace flexcim::nm
