#include "regmap.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace flexcim::regs {

uint32_t Register::field_mask() const {
  if (fields.empty()) return 0xffffffffu;
  uint32_t mask = 0;
  for (const Field& f : fields) {
    const uint32_t ones = f.width >= 32 ? 0xffffffffu : (1u << f.width) - 1u;
    mask |= ones << f.lsb;
  }
  return mask;
}

const Block& block(std::string_view name) {
  std::string known;
  for (const Block& b : blocks()) {
    if (name == b.name) return b;
    known += known.empty() ? b.name : fmt::format(", {}", b.name);
  }
  throw std::out_of_range(
      fmt::format("no register block '{}' (allowed: {})", name, known));
}

const char* to_string(Access access) {
  switch (access) {
    case Access::RO: return "RO";
    case Access::RW: return "RW";
    case Access::WO: return "WO";
    case Access::W1C: return "W1C";
  }
  return "?";
}

namespace {

std::string bit_range(const Field& f) {
  const unsigned msb = f.lsb + f.width - 1;
  return msb == f.lsb ? fmt::format("[{}]", f.lsb) : fmt::format("[{}:{}]", msb, f.lsb);
}

}  // namespace

void print(std::ostream& out) {
  out << "Memory map\n";
  for (const Region& r : memory_map()) {
    out << fmt::format("  {:<6} 0x{:08x} .. 0x{:08x}  {:>10} bytes  {}\n", r.name, r.base,
                       r.base + r.size - 1, r.size, r.description);
  }
  for (const Block& b : blocks()) {
    out << fmt::format("\nBlock {} at 0x{:08x}: {}\n", b.name, b.base, b.description);
    out << fmt::format("  {:<6} {:<18} {:<6} {:<10}  {}\n", "offset", "register", "access",
                       "reset", "description");
    for (const Register& r : b.registers) {
      const std::string reset =
          r.reset_from_config ? std::string("config") : fmt::format("0x{:08x}", r.reset);
      out << fmt::format("  0x{:03x}  {:<18} {:<6} {:<10}  {}\n", r.offset, r.name,
                         to_string(r.access), reset, r.description);
      for (const Field& f : r.fields) {
        out << fmt::format("         {:<7} {:<16} {}\n", bit_range(f), f.name, f.description);
      }
    }
  }
  for (const Enum& e : enums()) {
    out << fmt::format("\nEnum {}: {}\n", e.name, e.description);
    for (const EnumValue& v : e.values) {
      out << fmt::format("  {:>3}  {:<12} {}\n", v.value, v.name, v.description);
    }
  }
}

}  // namespace flexcim::regs
