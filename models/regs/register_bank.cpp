#include "register_bank.h"

#include <fmt/format.h>

#include <stdexcept>

namespace flexcim {

namespace {

constexpr unsigned kWordBytes = 4;

uint32_t load_le(const uint8_t* data) {
  return uint32_t{data[0]} | uint32_t{data[1]} << 8 | uint32_t{data[2]} << 16 |
         uint32_t{data[3]} << 24;
}

void store_le(uint8_t* data, uint32_t v) {
  for (unsigned i = 0; i < kWordBytes; ++i) data[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

RegisterBank::RegisterBank(const regs::Block& block) : name_(block.name) {
  for (const regs::Register& reg : block.registers) {
    slots_.emplace(reg.offset, Slot{reg, reg.field_mask(), 0, 0, {}, {}});
  }
  reset();
}

void RegisterBank::reset() {
  for (auto& [offset, s] : slots_) s.value = s.reg.reset_from_config ? s.config_value : s.reg.reset;
}

RegisterBank::Slot& RegisterBank::slot(uint32_t offset) {
  const auto it = slots_.find(offset);
  if (it == slots_.end()) {
    throw std::invalid_argument(
        fmt::format("register block {}: no register at offset 0x{:03x}", name_, offset));
  }
  return it->second;
}

const RegisterBank::Slot& RegisterBank::slot(uint32_t offset) const {
  return const_cast<RegisterBank*>(this)->slot(offset);
}

uint32_t RegisterBank::value(uint32_t offset) const { return slot(offset).value; }

void RegisterBank::set(uint32_t offset, uint32_t v) {
  Slot& s = slot(offset);
  if (v & ~s.mask) {
    throw std::invalid_argument(fmt::format("register {}.{}: value 0x{:08x} sets reserved bits (fields 0x{:08x})",
                                            name_, s.reg.name, v, s.mask));
  }
  s.value = v;
}

void RegisterBank::set_config(uint32_t offset, uint32_t v) {
  Slot& s = slot(offset);
  if (!s.reg.reset_from_config) {
    throw std::invalid_argument(fmt::format(
        "register {}.{} has a fixed reset value; set_config is only for `config` registers", name_,
        s.reg.name));
  }
  set(offset, v);
  s.config_value = v;
}

void RegisterBank::on_write(uint32_t offset, std::function<void(uint32_t written)> handler) {
  Slot& s = slot(offset);
  if (s.reg.access == regs::Access::RO || s.write_handler) {
    throw std::invalid_argument(fmt::format(
        "register {}.{}: write handler on a read-only register or installed twice", name_, s.reg.name));
  }
  s.write_handler = std::move(handler);
}

void RegisterBank::on_read(uint32_t offset, std::function<void()> handler) {
  Slot& s = slot(offset);
  if (s.reg.access == regs::Access::WO || s.read_handler) {
    throw std::invalid_argument(fmt::format(
        "register {}.{}: read handler on a write-only register or installed twice", name_, s.reg.name));
  }
  s.read_handler = std::move(handler);
}

RegisterBank::Slot* RegisterBank::decode(uint64_t offset) {
  const uint64_t word = offset - offset % kWordBytes;
  if (word > UINT32_MAX) return nullptr;
  const auto it = slots_.find(static_cast<uint32_t>(word));
  return it == slots_.end() ? nullptr : &it->second;
}

RegisterBank::Response RegisterBank::read(uint64_t offset, uint8_t* data, unsigned length,
                                          bool debug) {
  Slot* s = decode(offset);
  if (!s) return Response::AddressError;
  if (length != kWordBytes || offset % kWordBytes != 0 || s->reg.access == regs::Access::WO) {
    return Response::CommandError;
  }
  if (!debug && s->read_handler) s->read_handler();
  store_le(data, s->value);
  return Response::Ok;
}

RegisterBank::Response RegisterBank::write(uint64_t offset, const uint8_t* data, unsigned length,
                                           bool debug) {
  Slot* s = decode(offset);
  if (!s) return Response::AddressError;
  if (length != kWordBytes || offset % kWordBytes != 0 || s->reg.access == regs::Access::RO) {
    return Response::CommandError;
  }
  const uint32_t written = load_le(data) & s->mask;
  switch (s->reg.access) {
    case regs::Access::RW: s->value = written; break;
    case regs::Access::W1C: s->value = debug ? written : s->value & ~written; break;
    case regs::Access::WO: break;  // self-clearing: only the handler sees the bits
    case regs::Access::RO: break;  // refused above
  }
  if (!debug && s->write_handler) s->write_handler(written);
  return Response::Ok;
}

}  // namespace flexcim
