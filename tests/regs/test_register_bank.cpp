// RegisterBank access rules and reset values, checked for every register of
// block ACC by iterating the generated table.
#include "register_bank.h"
#include "regmap.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

namespace {

using flexcim::RegisterBank;
using Response = RegisterBank::Response;
namespace regs = flexcim::regs;

const regs::Block& acc() { return regs::block("ACC"); }

const regs::Register& reg(std::string_view name) {
  for (const regs::Register& r : acc().registers) {
    if (name == r.name) return r;
  }
  throw std::out_of_range(std::string(name));
}

// A distinct, field-respecting value per `config` register.
uint32_t config_value(const regs::Register& r) { return (0x01020304u * (r.offset + 1)) & r.field_mask(); }

uint32_t expected_reset(const regs::Register& r) { return r.reset_from_config ? config_value(r) : r.reset; }

class RegisterBankTest : public ::testing::Test {
 protected:
  RegisterBankTest() : bank(acc()) {
    for (const regs::Register& r : acc().registers) {
      if (r.reset_from_config) bank.set_config(r.offset, config_value(r));
    }
  }

  Response read(uint64_t offset, uint32_t& value, bool debug = false) {
    uint8_t data[4] = {0xee, 0xee, 0xee, 0xee};
    const Response response = bank.read(offset, data, 4, debug);
    value = uint32_t{data[0]} | uint32_t{data[1]} << 8 | uint32_t{data[2]} << 16 | uint32_t{data[3]} << 24;
    return response;
  }

  Response write(uint64_t offset, uint32_t value, bool debug = false) {
    const uint8_t data[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
    return bank.write(offset, data, 4, debug);
  }

  // Counts handler calls per offset on every register that allows them.
  void count_handlers() {
    for (const regs::Register& r : acc().registers) {
      if (r.access != regs::Access::RO) {
        bank.on_write(r.offset, [this, o = r.offset](uint32_t written) {
          ++writes[o];
          last_written[o] = written;
        });
      }
      if (r.access != regs::Access::WO) bank.on_read(r.offset, [this, o = r.offset] { ++reads[o]; });
    }
  }

  RegisterBank bank;
  std::map<uint32_t, int> reads;
  std::map<uint32_t, int> writes;
  std::map<uint32_t, uint32_t> last_written;
};

TEST_F(RegisterBankTest, EveryRegisterStartsAtItsResetValue) {
  for (const regs::Register& r : acc().registers) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(bank.value(r.offset), expected_reset(r));
    if (r.access == regs::Access::WO) continue;
    uint32_t v = 0;
    ASSERT_EQ(read(r.offset, v), Response::Ok);
    EXPECT_EQ(v, expected_reset(r));
  }
  EXPECT_EQ(bank.value(reg("ID").offset), 0x4643494Du);
}

TEST_F(RegisterBankTest, ReadOnlyRegistersRefuseWrites) {
  int checked = 0;
  for (const regs::Register& r : acc().registers) {
    if (r.access != regs::Access::RO) continue;
    SCOPED_TRACE(r.name);
    EXPECT_EQ(write(r.offset, ~expected_reset(r)), Response::CommandError);
    EXPECT_EQ(write(r.offset, ~expected_reset(r), true), Response::CommandError);
    EXPECT_EQ(bank.value(r.offset), expected_reset(r));
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(RegisterBankTest, WriteOnlyRegistersRefuseReadsAndSelfClear) {
  count_handlers();
  int checked = 0;
  for (const regs::Register& r : acc().registers) {
    if (r.access != regs::Access::WO) continue;
    SCOPED_TRACE(r.name);
    uint32_t v = 0;
    EXPECT_EQ(read(r.offset, v), Response::CommandError);
    EXPECT_EQ(read(r.offset, v, true), Response::CommandError);
    ASSERT_EQ(write(r.offset, 0xffffffffu), Response::Ok);
    EXPECT_EQ(writes[r.offset], 1);
    EXPECT_EQ(last_written[r.offset], r.field_mask());
    EXPECT_EQ(bank.value(r.offset), 0u);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(RegisterBankTest, W1cRegistersClearWrittenOnes) {
  count_handlers();
  int checked = 0;
  for (const regs::Register& r : acc().registers) {
    if (r.access != regs::Access::W1C) continue;
    SCOPED_TRACE(r.name);
    ASSERT_FALSE(r.fields.empty());
    bank.set(r.offset, r.field_mask());
    ASSERT_EQ(write(r.offset, 0), Response::Ok);
    EXPECT_EQ(bank.value(r.offset), r.field_mask());
    uint32_t remaining = r.field_mask();
    for (const regs::Field& f : r.fields) {
      const uint32_t bits = r.field_mask() & (0xffffffffu >> (32 - f.width)) << f.lsb;
      ASSERT_EQ(write(r.offset, bits), Response::Ok);
      remaining &= ~bits;
      EXPECT_EQ(bank.value(r.offset), remaining) << f.name;
      EXPECT_EQ(last_written[r.offset], bits);
    }
    EXPECT_EQ(writes[r.offset], 1 + static_cast<int>(r.fields.size()));
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(RegisterBankTest, ReadWriteRegistersKeepOnlyFieldBits) {
  int checked = 0;
  for (const regs::Register& r : acc().registers) {
    if (r.access != regs::Access::RW) continue;
    SCOPED_TRACE(r.name);
    for (const uint32_t pattern : {0xffffffffu, 0x12345678u, 0u}) {
      ASSERT_EQ(write(r.offset, pattern), Response::Ok);
      uint32_t v = 0;
      ASSERT_EQ(read(r.offset, v), Response::Ok);
      EXPECT_EQ(v, pattern & r.field_mask());
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
  // JOB_PATTERN has fields N and M only: bits 16..31 are reserved.
  ASSERT_EQ(write(reg("JOB_PATTERN").offset, 0xabcd0204u), Response::Ok);
  EXPECT_EQ(bank.value(reg("JOB_PATTERN").offset), 0x0204u);
}

TEST_F(RegisterBankTest, UnalignedAndShortAccessesAreCommandErrors) {
  count_handlers();
  for (const regs::Register& r : acc().registers) {
    SCOPED_TRACE(r.name);
    uint8_t data[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (unsigned misalign = 1; misalign < 4; ++misalign) {
      EXPECT_EQ(bank.read(r.offset + misalign, data, 4, false), Response::CommandError);
      EXPECT_EQ(bank.write(r.offset + misalign, data, 4, false), Response::CommandError);
    }
    for (const unsigned length : {0u, 1u, 2u, 3u, 8u}) {
      EXPECT_EQ(bank.read(r.offset, data, length, false), Response::CommandError) << length;
      EXPECT_EQ(bank.write(r.offset, data, length, false), Response::CommandError) << length;
    }
    EXPECT_EQ(bank.value(r.offset), expected_reset(r));
  }
  EXPECT_TRUE(reads.empty());
  EXPECT_TRUE(writes.empty());
}

TEST_F(RegisterBankTest, OffsetsWithoutRegisterAreAddressErrors) {
  std::set<uint64_t> mapped;
  for (const regs::Register& r : acc().registers) mapped.insert(r.offset);
  int holes = 0;
  for (uint64_t offset = 0; offset < acc().size; offset += 4) {
    if (mapped.count(offset)) continue;
    uint32_t v = 0;
    EXPECT_EQ(read(offset, v), Response::AddressError) << offset;
    EXPECT_EQ(write(offset, 1), Response::AddressError) << offset;
    EXPECT_EQ(read(offset, v, true), Response::AddressError) << offset;
    ++holes;
  }
  EXPECT_GT(holes, 0);
  uint32_t v = 0;
  for (const uint64_t offset : {acc().size, acc().size + 2, uint64_t{1} << 32, uint64_t{1} << 40}) {
    EXPECT_EQ(read(offset, v), Response::AddressError) << offset;
    EXPECT_EQ(write(offset, 1), Response::AddressError) << offset;
  }
}

TEST_F(RegisterBankTest, DebugAccessesHaveNoSideEffects) {
  count_handlers();
  for (const regs::Register& r : acc().registers) {
    SCOPED_TRACE(r.name);
    uint32_t v = 0;
    switch (r.access) {
      case regs::Access::RO:
        EXPECT_EQ(read(r.offset, v, true), Response::Ok);
        EXPECT_EQ(v, expected_reset(r));
        EXPECT_EQ(write(r.offset, 0xffffffffu, true), Response::CommandError);
        break;
      case regs::Access::RW:
      case regs::Access::W1C:  // a debug write stores the value, it does not clear
        ASSERT_EQ(write(r.offset, 0xffffffffu, true), Response::Ok);
        EXPECT_EQ(bank.value(r.offset), r.field_mask());
        ASSERT_EQ(read(r.offset, v, true), Response::Ok);
        EXPECT_EQ(v, r.field_mask());
        break;
      case regs::Access::WO:
        ASSERT_EQ(write(r.offset, 0xffffffffu, true), Response::Ok);
        EXPECT_EQ(bank.value(r.offset), 0u);
        break;
    }
  }
  EXPECT_TRUE(reads.empty());
  EXPECT_TRUE(writes.empty());
}

TEST_F(RegisterBankTest, ReadHookRunsBeforeTheBusRead) {
  const uint32_t cycles = reg("PERF_CYCLES_LO").offset;
  bank.on_read(cycles, [&] { bank.set(cycles, bank.value(cycles) + 7); });
  uint32_t v = 0;
  ASSERT_EQ(read(cycles, v), Response::Ok);
  EXPECT_EQ(v, 7u);
  ASSERT_EQ(read(cycles, v, true), Response::Ok);
  EXPECT_EQ(v, 7u);
}

TEST_F(RegisterBankTest, DataIsLittleEndian) {
  const uint32_t tokens = reg("JOB_TOKENS").offset;
  const uint8_t in[4] = {0x01, 0x02, 0x03, 0x04};
  ASSERT_EQ(bank.write(tokens, in, 4, false), Response::Ok);
  EXPECT_EQ(bank.value(tokens), 0x04030201u);
  uint8_t out[4] = {};
  ASSERT_EQ(bank.read(tokens, out, 4, false), Response::Ok);
  EXPECT_EQ(out[0], 0x01);
  EXPECT_EQ(out[3], 0x04);
}

TEST_F(RegisterBankTest, ResetRestoresResetValuesAndKeepsConfiguredOnes) {
  for (const regs::Register& r : acc().registers) bank.set(r.offset, r.field_mask());
  bank.reset();
  for (const regs::Register& r : acc().registers) {
    EXPECT_EQ(bank.value(r.offset), expected_reset(r)) << r.name;
  }
}

TEST_F(RegisterBankTest, SetConfigIsOnlyForConfigRegisters) {
  int config = 0;
  for (const regs::Register& r : acc().registers) {
    SCOPED_TRACE(r.name);
    if (r.reset_from_config) {
      bank.set_config(r.offset, 0);
      bank.reset();
      EXPECT_EQ(bank.value(r.offset), 0u);
      ++config;
    } else {
      EXPECT_THROW(bank.set_config(r.offset, 0), std::invalid_argument);
    }
  }
  EXPECT_GT(config, 0);
}

TEST_F(RegisterBankTest, ModelSideRejectsReservedBitsAndUnknownOffsets) {
  for (const regs::Register& r : acc().registers) {
    if (r.field_mask() != 0xffffffffu) {
      EXPECT_THROW(bank.set(r.offset, ~r.field_mask()), std::invalid_argument) << r.name;
    }
  }
  const uint32_t hole = 0x03C;  // between ERR_INFO and JOB_TOKENS
  EXPECT_THROW(bank.value(hole), std::invalid_argument);
  EXPECT_THROW(bank.set(hole, 0), std::invalid_argument);
  EXPECT_THROW(bank.set_config(hole, 0), std::invalid_argument);
  EXPECT_THROW(bank.on_write(hole, [](uint32_t) {}), std::invalid_argument);
  EXPECT_THROW(bank.on_read(hole, [] {}), std::invalid_argument);
  try {
    bank.value(hole);
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "register block ACC: no register at offset 0x03c");
  }
}

TEST_F(RegisterBankTest, HandlersMustBeReachableAndUnique) {
  EXPECT_THROW(bank.on_write(reg("STATUS").offset, [](uint32_t) {}), std::invalid_argument);
  EXPECT_THROW(bank.on_read(reg("CTRL").offset, [] {}), std::invalid_argument);
  bank.on_write(reg("CTRL").offset, [](uint32_t) {});
  EXPECT_THROW(bank.on_write(reg("CTRL").offset, [](uint32_t) {}), std::invalid_argument);
  bank.on_read(reg("STATUS").offset, [] {});
  EXPECT_THROW(bank.on_read(reg("STATUS").offset, [] {}), std::invalid_argument);
}

}  // namespace
