#pragma once
// Readable gtest failures for N:M patterns.
#include <ostream>

#include "nm/pattern.h"

namespace flexcim::nm {
inline void PrintTo(const Pattern& p, std::ostream* os) { *os << p.str(); }
}  // namespace flexcim::nm
