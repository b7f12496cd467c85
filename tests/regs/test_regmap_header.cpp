// The generated C header agrees with the generated table: every macro of
// flexcim_regs.h, compiled as C++ here and as C in regmap_header_c.c, is
// compared with the table entry it names. Also the table API (block lookup,
// field masks, the printed map).
#include "flexcim_regs.h"
#include "regmap.h"
#include "regmap_check_entry.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#ifdef FLEXCIM_ACC_CAP_GEOMETRY_RESET
#error "config registers have no RESET macro"
#endif

namespace {

namespace regs = flexcim::regs;

const regmap_check_entry cxx_entries[] = {
#include "regmap_header_check.inc"
};

using Key = std::tuple<std::string, std::string, std::string, std::string>;  // kind, scope, name, field
using Values = std::pair<unsigned long long, unsigned long long>;

// What the header must define according to the table.
std::map<Key, Values> expected_from_table() {
  std::map<Key, Values> expected;
  for (const regs::Region& r : regs::memory_map()) expected[{"region", r.name, "", ""}] = {r.base, r.size};
  for (const regs::Block& b : regs::blocks()) {
    for (const regs::Register& r : b.registers) {
      expected[{"offset", b.name, r.name, ""}] = {r.offset, 0};
      if (!r.reset_from_config) expected[{"reset", b.name, r.name, ""}] = {r.reset, 0};
      for (const regs::Field& f : r.fields) {
        const unsigned long long ones = (1ull << f.width) - 1;
        expected[{"field", b.name, r.name, f.name}] = {f.lsb, ones << f.lsb};
      }
    }
  }
  for (const regs::Enum& e : regs::enums()) {
    for (const regs::EnumValue& v : e.values) expected[{"enum", e.name, v.name, ""}] = {v.value, 0};
  }
  return expected;
}

// Every difference between the header entries and the table, one line each.
std::vector<std::string> mismatches(const regmap_check_entry* entries, size_t count) {
  std::vector<std::string> problems;
  std::map<Key, Values> expected = expected_from_table();
  for (size_t i = 0; i < count; ++i) {
    const regmap_check_entry& e = entries[i];
    const Key key{e.kind, e.scope, e.name, e.field};
    const std::string what = fmt::format("{} {}.{}.{}", e.kind, e.scope, e.name, e.field);
    const auto it = expected.find(key);
    if (it == expected.end()) {
      problems.push_back(what + ": in the header but not in the table (or twice)");
      continue;
    }
    if (it->second != Values{e.value, e.extra}) {
      problems.push_back(fmt::format("{}: header 0x{:x}/0x{:x}, table 0x{:x}/0x{:x}", what, e.value, e.extra,
                                     it->second.first, it->second.second));
    }
    expected.erase(it);
  }
  for (const auto& [key, values] : expected) {
    problems.push_back(fmt::format("{} {}.{}.{}: in the table but not in the header", std::get<0>(key),
                                   std::get<1>(key), std::get<2>(key), std::get<3>(key)));
  }
  return problems;
}

std::string join(const std::vector<std::string>& lines) {
  std::string all;
  for (const std::string& l : lines) all += l + '\n';
  return all;
}

TEST(RegmapHeader, EveryMacroCompiledAsCxxMatchesTheTable) {
  const auto problems = mismatches(cxx_entries, std::size(cxx_entries));
  EXPECT_TRUE(problems.empty()) << join(problems);
}

TEST(RegmapHeader, EveryMacroCompiledAsCMatchesTheTable) {
  const auto problems = mismatches(regmap_c_entries, regmap_c_entry_count);
  EXPECT_TRUE(problems.empty()) << join(problems);
}

TEST(RegmapHeader, ComparisonReportsWrongMissingAndExtraMacros) {
  std::vector<regmap_check_entry> entries(std::begin(cxx_entries), std::end(cxx_entries));
  ASSERT_GT(entries.size(), 3u);
  entries[0].value += 4;
  entries[1] = entries[2];  // entries[1] is missing, entries[2] is there twice
  EXPECT_EQ(mismatches(entries.data(), entries.size()).size(),
            mismatches(cxx_entries, std::size(cxx_entries)).size() + 3);
}

// Pins the naming convention the firmware is written against.
TEST(RegmapHeader, MacroNamesFollowTheConvention) {
  static_assert(std::is_unsigned_v<decltype(FLEXCIM_ACC_BASE)>);
  static_assert(std::is_unsigned_v<decltype(FLEXCIM_ACC_STATUS_ERR_CODE_MASK)>);
  static_assert(std::is_unsigned_v<decltype(FLEXCIM_ERR_BUSY)>);
  EXPECT_EQ(FLEXCIM_ACC_BASE, 0x40000000u);
  EXPECT_EQ(FLEXCIM_ACC_SIZE, 0x1000u);
  EXPECT_EQ(FLEXCIM_DRAM_BASE, 0x80000000u);
  EXPECT_EQ(FLEXCIM_DRAM_SIZE, 0x80000000u);
  EXPECT_EQ(FLEXCIM_ACC_ID_OFFSET, 0x000u);
  EXPECT_EQ(FLEXCIM_ACC_ID_RESET, 0x4643494Du);
  EXPECT_EQ(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET, 0x008u);
  EXPECT_EQ(FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT, 8u);
  EXPECT_EQ(FLEXCIM_ACC_STATUS_ERR_CODE_MASK, 0xff00u);
  EXPECT_EQ(FLEXCIM_ACC_CTRL_RESET_MASK, 0x2u);
  EXPECT_EQ(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, 0x11Cu);
  EXPECT_EQ(FLEXCIM_ERR_BUSY, 6u);
  EXPECT_EQ(FLEXCIM_ARCH_FIXED_NM, 2u);
}

TEST(RegmapTable, BlockLookup) {
  EXPECT_EQ(regs::block("ACC").base, 0x40000000u);
  EXPECT_EQ(&regs::block("ACC"), &regs::blocks().front());
  try {
    regs::block("DRAM");
    ADD_FAILURE() << "DRAM is a memory, not a register block";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "no register block 'DRAM' (allowed: ACC)");
  }
}

TEST(RegmapTable, FieldMaskCoversFieldsOrTheWholeWord) {
  std::map<std::string, uint32_t> masks;
  for (const regs::Register& r : regs::block("ACC").registers) masks[r.name] = r.field_mask();
  EXPECT_EQ(masks.at("ID"), 0xffffffffu);
  EXPECT_EQ(masks.at("STATUS"), 0xff07u);
  EXPECT_EQ(masks.at("CAP_GEOMETRY"), 0xffffffffu);
  EXPECT_EQ(masks.at("JOB_PATTERN"), 0xffffu);
}

TEST(RegmapTable, PrintListsTheMapEveryRegisterAndEnum) {
  std::ostringstream out;
  regs::print(out);
  const std::string text = out.str();
  EXPECT_NE(text.find("0x40000000"), std::string::npos);
  EXPECT_NE(text.find("DRAM"), std::string::npos);
  for (const regs::Register& r : regs::block("ACC").registers) {
    EXPECT_NE(text.find(fmt::format("0x{:03x}  {:<18} {:<6}", r.offset, r.name, regs::to_string(r.access))),
              std::string::npos)
        << r.name;
    for (const regs::Field& f : r.fields) EXPECT_NE(text.find(f.description), std::string::npos) << f.name;
  }
  EXPECT_NE(text.find("config"), std::string::npos);
  EXPECT_NE(text.find("BUSY"), std::string::npos);
}

TEST(RegmapTable, AccessNames) {
  EXPECT_STREQ(regs::to_string(regs::Access::RO), "RO");
  EXPECT_STREQ(regs::to_string(regs::Access::RW), "RW");
  EXPECT_STREQ(regs::to_string(regs::Access::WO), "WO");
  EXPECT_STREQ(regs::to_string(regs::Access::W1C), "W1C");
}

}  // namespace
