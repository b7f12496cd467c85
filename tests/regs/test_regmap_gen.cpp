// regmap_gen run as a program: it generates all outputs from a valid map and
// rejects broken ones with exactly one line `file:line: what (allowed: ...)`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;

// A small valid map; each rejection test breaks it in one place.
const std::string kValid = R"(name: demo
memory_map:
  - name: BLK
    base: 0x1000
    size: 0x100
    description: A register block.
  - name: MEM
    base: 0x2000
    size: 0x1000
    description: A memory.
enums:
  - name: MODE
    description: Modes.
    values:
      - {name: OFF, value: 0, description: Off.}
      - {name: ON,  value: 1, description: On.}
blocks:
  - name: BLK
    description: Test block.
    registers:
      - name: CTRL
        offset: 0x0
        access: RW
        reset: 0x1
        description: Control.
        fields:
          - {name: EN,   lsb: 0, width: 1, description: Enable.}
          - {name: MODE, lsb: 4, width: 4, description: "One of MODE | none."}
      - name: STAT
        offset: 0x4
        access: RO
        reset: config
        description: Status "quoted" */ tricky.
)";

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// 1-based line of the first line containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) throw std::invalid_argument("not in the text: " + needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    throw std::invalid_argument("not exactly once in the text: " + from);
  }
  return text.replace(at, from.size(), to);
}

class RegmapGenTest : public ::testing::Test {
 protected:
  RegmapGenTest()
      : dir(fs::temp_directory_path() /
            fmt::format("regmap_gen_{}_{}", ::getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~RegmapGenTest() override { fs::remove_all(dir); }

  // Writes `yaml` to map.yaml and runs the generator on it with --out-dir.
  Result generate(const std::string& yaml) {
    std::ofstream(yaml_path) << yaml;
    return run(fmt::format("'{}' '{}' --out-dir '{}'", REGMAP_GEN, yaml_path.string(), out.string()));
  }

  static Result run(const std::string& arguments) {
    FILE* pipe = ::popen((arguments + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + arguments);
    std::string output;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  }

  // The broken map must fail with exactly `file:line: message` and write nothing.
  void expect_rejected(const std::string& yaml, int line, const std::string& message) {
    const Result r = generate(yaml);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.output, fmt::format("{}:{}: {}\n", yaml_path.string(), line, message));
    EXPECT_FALSE(fs::exists(out));
  }

  fs::path dir;
  fs::path yaml_path = dir / "map.yaml";
  fs::path out = dir / "out";
};

TEST_F(RegmapGenTest, ValidMapGeneratesHeaderTableAndDocs) {
  const Result r = generate(kValid);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");

  const std::string h = read_text(out / "flexcim_regs.h");
  EXPECT_NE(h.find("#ifndef DEMO_REGS_H\n#define DEMO_REGS_H\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_MEM_BASE 0x2000u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_MEM_SIZE 0x1000u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_BLK_CTRL_OFFSET 0x000u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_BLK_CTRL_RESET 0x1u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_BLK_CTRL_MODE_SHIFT 4u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_BLK_CTRL_MODE_MASK 0xf0u\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_MODE_ON 1u /* On. */\n"), std::string::npos);
  EXPECT_NE(h.find("#define DEMO_BLK_STAT_OFFSET 0x004u\n"), std::string::npos);
  EXPECT_EQ(h.find("DEMO_BLK_STAT_RESET"), std::string::npos);  // reset: config
  EXPECT_NE(h.find("Status \"quoted\" * / tricky."), std::string::npos);  // no early comment end

  const std::string t = read_text(out / "regmap_table.cpp");
  EXPECT_NE(t.find(R"({"STAT", 0x4u, Access::RO, 0x0u, true, "Status \"quoted\" */ tricky.",)"),
            std::string::npos);
  EXPECT_NE(t.find(R"({"MODE", 4u, 4u, "One of MODE | none."},)"), std::string::npos);

  const std::string md = read_text(out / "registers.md");
  EXPECT_NE(md.find("| MEM | 0x00002000 | 0x1000 | A memory. |\n"), std::string::npos);
  EXPECT_NE(md.find("| 0x000 | CTRL | RW | 0x00000001 | Control. |\n"), std::string::npos);
  EXPECT_NE(md.find("| 0x004 | STAT | RO | `config` |"), std::string::npos);
  EXPECT_NE(md.find("| [7:4] | MODE | One of MODE \\| none. |\n"), std::string::npos);
  EXPECT_NE(md.find("| 1 | ON | On. |\n"), std::string::npos);
}

TEST_F(RegmapGenTest, OutputIsDeterministic) {
  ASSERT_EQ(generate(kValid).exit_code, 0);
  const std::string first = read_text(out / "flexcim_regs.h") + read_text(out / "regmap_table.cpp") +
                            read_text(out / "registers.md");
  fs::remove_all(out);
  ASSERT_EQ(generate(kValid).exit_code, 0);
  EXPECT_EQ(first, read_text(out / "flexcim_regs.h") + read_text(out / "regmap_table.cpp") +
                       read_text(out / "registers.md"));
}

TEST_F(RegmapGenTest, ProjectRegisterMapIsValid) {
  const Result r = run(fmt::format("'{}' '{}'", REGMAP_GEN, FLEXCIM_REGS_YAML));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST_F(RegmapGenTest, RejectsUnknownKey) {
  const std::string yaml = replaced(kValid, "        access: RW\n", "        access: RW\n        colour: red\n");
  expect_rejected(yaml, line_of(yaml, "colour"),
                  "unknown key 'colour' in a register (allowed: name, offset, access, reset, description, fields)");
}

TEST_F(RegmapGenTest, RejectsKeyGivenTwice) {
  const std::string yaml = replaced(kValid, "        reset: 0x1\n", "        reset: 0x1\n        reset: 0x0\n");
  expect_rejected(yaml, line_of(yaml, "reset: 0x0"),
                  fmt::format("key 'reset' given twice in a register (first at line {}) (allowed: each key once)",
                              line_of(yaml, "reset: 0x1")));
}

TEST_F(RegmapGenTest, RejectsMissingKey) {
  const std::string yaml = replaced(kValid, "        description: Control.\n", "");
  expect_rejected(yaml, line_of(yaml, "name: CTRL"),
                  "a register is missing key 'description' (allowed: name, offset, access, reset, "
                  "description, fields)");
}

TEST_F(RegmapGenTest, RejectsDuplicateOffset) {
  const std::string yaml = replaced(kValid, "offset: 0x4", "offset: 0x0");
  expect_rejected(yaml, line_of(yaml, "name: STAT") + 1,
                  fmt::format("offset 0x000 of register STAT is already used by CTRL (line {}) "
                              "(allowed: one register per offset)",
                              line_of(yaml, "name: CTRL")));
}

TEST_F(RegmapGenTest, RejectsDuplicateRegisterName) {
  const std::string yaml = replaced(kValid, "name: STAT", "name: CTRL");
  expect_rejected(yaml, line_of(yaml, "offset: 0x4") - 1,
                  fmt::format("duplicate name 'CTRL' for a register in block BLK (first at line {}) "
                              "(allowed: unique names)",
                              line_of(yaml, "name: CTRL")));
}

TEST_F(RegmapGenTest, RejectsOverlappingFields) {
  const std::string yaml = replaced(kValid, "{name: MODE, lsb: 4,", "{name: MODE, lsb: 0,");
  expect_rejected(yaml, line_of(yaml, "{name: MODE"),
                  fmt::format("field MODE[3:0] of register CTRL overlaps field EN[0] (line {}) "
                              "(allowed: disjoint fields)",
                              line_of(yaml, "{name: EN")));
}

TEST_F(RegmapGenTest, RejectsFieldBeyondBit31) {
  const std::string yaml = replaced(kValid, "{name: MODE, lsb: 4,", "{name: MODE, lsb: 30,");
  expect_rejected(yaml, line_of(yaml, "{name: MODE"),
                  "field CTRL.MODE (lsb 30, width 4) does not fit in bits 0..31 "
                  "(allowed: width >= 1 and lsb + width <= 32)");
}

TEST_F(RegmapGenTest, RejectsUnalignedOffset) {
  const std::string yaml = replaced(kValid, "offset: 0x4", "offset: 0x6");
  expect_rejected(yaml, line_of(yaml, "offset: 0x6"),
                  "offset 0x6 of register STAT is not 4-byte aligned inside block BLK "
                  "(allowed: multiples of 4 in 0x0..0xfc)");
}

TEST_F(RegmapGenTest, RejectsOffsetOutsideTheBlock) {
  const std::string yaml = replaced(kValid, "offset: 0x4", "offset: 0x100");
  expect_rejected(yaml, line_of(yaml, "offset: 0x100"),
                  "offset 0x100 of register STAT is not 4-byte aligned inside block BLK "
                  "(allowed: multiples of 4 in 0x0..0xfc)");
}

TEST_F(RegmapGenTest, RejectsBadAccess) {
  const std::string yaml = replaced(kValid, "access: RW", "access: RX");
  expect_rejected(yaml, line_of(yaml, "access: RX"), "access 'RX' of register CTRL (allowed: RO, RW, WO, W1C)");
}

TEST_F(RegmapGenTest, RejectsResetWithReservedBits) {
  const std::string yaml = replaced(kValid, "reset: 0x1", "reset: 0x101");
  expect_rejected(yaml, line_of(yaml, "reset: 0x101"),
                  "reset 0x101 of register CTRL sets reserved bits 0x100 (allowed: bits inside the fields, mask 0xf1)");
}

TEST_F(RegmapGenTest, RejectsBadNumber) {
  const std::string yaml = replaced(kValid, "offset: 0x4", "offset: 0x4g");
  expect_rejected(yaml, line_of(yaml, "offset: 0x4g"),
                  "offset of register STAT '0x4g' is not a valid number "
                  "(allowed: a decimal or 0x-hex integer 0..0xffffffff)");
}

TEST_F(RegmapGenTest, RejectsNameThatIsNoMacroPart) {
  const std::string yaml = replaced(kValid, "name: STAT", "name: stat-us");
  expect_rejected(yaml, line_of(yaml, "stat-us"),
                  "register name 'stat-us' is not a valid name (allowed: [A-Z][A-Z0-9_]*)");
}

TEST_F(RegmapGenTest, RejectsBlockWithoutRegion) {
  const std::string yaml = replaced(kValid, "  - name: BLK\n    description:", "  - name: IO\n    description:");
  expect_rejected(yaml, line_of(yaml, "name: IO"),
                  "block IO has no memory_map region of the same name (allowed: BLK, MEM)");
}

TEST_F(RegmapGenTest, RejectsOverlappingRegions) {
  const std::string yaml = replaced(kValid, "base: 0x2000", "base: 0x10f0");
  expect_rejected(yaml, line_of(yaml, "base: 0x10f0"),
                  fmt::format("region MEM [0x10f0, 0x20f0) overlaps region BLK (line {}) (allowed: disjoint regions)",
                              line_of(yaml, "name: BLK")));
}

TEST_F(RegmapGenTest, RejectsMacroCollision) {
  // Enum BLK value CTRL_OFFSET would define DEMO_BLK_CTRL_OFFSET a second time.
  const std::string yaml = replaced(kValid, "blocks:\n",
                                    "  - name: BLK\n    description: Clash.\n    values:\n"
                                    "      - {name: CTRL_OFFSET, value: 0, description: Clash.}\n"
                                    "blocks:\n");
  expect_rejected(yaml, line_of(yaml, "{name: CTRL_OFFSET"),
                  fmt::format("macro DEMO_BLK_CTRL_OFFSET is generated twice (also from line {}) "
                              "(allowed: names whose macros are unique)",
                              line_of(yaml, "- name: CTRL\n")));
}

TEST_F(RegmapGenTest, RejectsInvalidYaml) {
  const std::string yaml = replaced(kValid, "access: RW", "access: [RW");
  const Result r = generate(yaml);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output.rfind(yaml_path.string() + ":", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(": invalid YAML: "), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST_F(RegmapGenTest, RejectsMissingFile) {
  const Result r = run(fmt::format("'{}' '{}'", REGMAP_GEN, (dir / "absent.yaml").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, (dir / "absent.yaml").string() + ": cannot open the file (allowed: a readable YAML file)\n");
}

}  // namespace
