// The registers of one register-map block as a bus target sees them.
//
// Plain C++ (no SystemC): the SystemC target socket forwards its transactions to
// read()/write() and maps Response to the TLM response status. Semantics follow
// VCML's register model:
//   - only 4-byte aligned 4-byte accesses are valid; data is little-endian;
//   - RO refuses bus writes, WO refuses bus reads (CommandError) and its bits
//     self-clear (the stored value stays 0), W1C clears the written 1-bits;
//   - bits outside the register's fields are reserved: they read 0, writes ignore them;
//   - debug accesses have no side effects: no hooks run; a debug write stores the
//     value as written (also for W1C), stores nothing for WO, and still refuses RO.
// Model-side calls with an offset that is not a register are programming errors
// and throw std::invalid_argument at elaboration time.
#pragma once

#include "regmap.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace flexcim {

class RegisterBank {
 public:
  enum class Response { Ok, AddressError, CommandError };

  // Starts in the reset state; `config` registers hold 0 until set_config().
  explicit RegisterBank(const regs::Block& block);

  // Every register back to its reset value; `config` registers keep their
  // configured value. Calls no handlers.
  void reset();

  // Model side: no access rules, no handlers.
  uint32_t value(uint32_t offset) const;
  // Hardware update. Setting reserved bits throws std::invalid_argument.
  void set(uint32_t offset, uint32_t v);
  // For `config` registers only: sets the value and the value reset() returns to.
  void set_config(uint32_t offset, uint32_t v);
  // Runs after each successful non-debug bus write with the written value
  // (reserved bits cleared). One handler per register; not for RO registers.
  void on_write(uint32_t offset, std::function<void(uint32_t written)> handler);
  // Runs before each successful non-debug bus read, e.g. to refresh the value.
  // One handler per register; not for WO registers.
  void on_read(uint32_t offset, std::function<void()> handler);

  // Bus side. An offset (rounded down to its word) without a register is an
  // AddressError; a wrongly sized or aligned access to a register a CommandError.
  Response read(uint64_t offset, uint8_t* data, unsigned length, bool debug);
  Response write(uint64_t offset, const uint8_t* data, unsigned length, bool debug);

 private:
  struct Slot {
    regs::Register reg;
    uint32_t mask;  // reg.field_mask()
    uint32_t value = 0;
    uint32_t config_value = 0;
    std::function<void(uint32_t)> write_handler;
    std::function<void()> read_handler;
  };

  Slot& slot(uint32_t offset);
  const Slot& slot(uint32_t offset) const;
  // The register a bus access at `offset` addresses, or nullptr.
  Slot* decode(uint64_t offset);

  std::string name_;
  std::map<uint32_t, Slot> slots_;
};

}  // namespace flexcim
