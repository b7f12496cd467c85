#include "nm/pattern.h"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace flexcim::nm {

double Pattern::sparsity() const { return static_cast<double>(m - n) / m; }

std::string Pattern::str() const { return fmt::format("{}:{}", n, m); }

void Pattern::validate(std::string_view where) const {
  if (n < 1 || m < 1 || n > m || m > kMaxGroupSize)
    throw std::invalid_argument(fmt::format("{}: invalid N:M pattern {}:{} (allowed 1 <= N <= M <= {})",
                                            where, n, m, kMaxGroupSize));
}

Pattern Pattern::parse(std::string_view text) {
  const auto fail = [&] {
    return std::invalid_argument(fmt::format(
        "invalid N:M pattern \"{}\": expected N:M with integers 1 <= N <= M <= {}, e.g. \"2:4\"",
        text, kMaxGroupSize));
  };
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) throw fail();
  const auto number = [&](std::string_view part, int& value) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    return !part.empty() && ec == std::errc() && end == part.data() + part.size();
  };
  Pattern p;
  if (!number(text.substr(0, colon), p.n) || !number(text.substr(colon + 1), p.m)) throw fail();
  if (p.n < 1 || p.n > p.m || p.m > kMaxGroupSize) throw fail();
  return p;
}

}  // namespace flexcim::nm
