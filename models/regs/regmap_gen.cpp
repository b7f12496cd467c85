// regmap_gen: validates the register map YAML (flexcim_regs.yaml) and generates
//   flexcim_regs.h     plain C header for the firmware
//   regmap_table.cpp   the flexcim::regs table declared in regmap.h
//   registers.md       the Markdown register reference
// and, on request, a check file (--check-inc) that pairs every header macro with
// its table coordinates so a test can compare the two.
//
// Any problem in the YAML is reported as one line `file:line: what (allowed: ...)`
// on stderr with exit status 1.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

// A problem in the input; the message is the complete `file:line: ...` line.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Region {
  std::string name;
  uint64_t base = 0;
  uint64_t size = 0;  // bytes
  std::string description;
  int line = 0;
};

struct EnumValue {
  std::string name;
  uint32_t value = 0;
  std::string description;
  int line = 0;
};

struct Enum {
  std::string name;
  std::string description;
  std::vector<EnumValue> values;
};

struct Field {
  std::string name;
  unsigned lsb = 0;
  unsigned width = 0;
  std::string description;
  int line = 0;

  unsigned msb() const { return lsb + width - 1; }
  uint32_t mask() const {
    const uint32_t ones = width >= 32 ? 0xffffffffu : (1u << width) - 1u;
    return ones << lsb;
  }
};

struct Register {
  std::string name;
  uint32_t offset = 0;  // bytes from the block base
  std::string access;   // RO, RW, WO or W1C
  std::optional<uint32_t> reset;  // empty: `config`
  std::string description;
  std::vector<Field> fields;
  int line = 0;

  uint32_t field_mask() const {
    if (fields.empty()) return 0xffffffffu;
    uint32_t mask = 0;
    for (const Field& f : fields) mask |= f.mask();
    return mask;
  }
};

struct Block {
  std::string name;
  std::string description;
  Region region;
  std::vector<Register> registers;
};

struct RegMap {
  std::string prefix;  // macro prefix, the upper-cased `name`, e.g. FLEXCIM
  std::vector<Region> regions;
  std::vector<Enum> enums;
  std::vector<Block> blocks;
};

struct Key {
  const char* name;
  bool required;
};

std::string key_list(std::initializer_list<Key> keys) {
  std::string list;
  for (const Key& k : keys) list += fmt::format("{}{}", list.empty() ? "" : ", ", k.name);
  return list;
}

std::string bit_range(const Field& f) {
  return f.width == 1 ? fmt::format("[{}]", f.lsb) : fmt::format("[{}:{}]", f.msb(), f.lsb);
}

// Reads and validates the YAML; every accessor fails with the node's line.
class SpecReader {
 public:
  explicit SpecReader(std::string path) : path_(std::move(path)) {}

  RegMap read() const {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path_);
    } catch (const YAML::BadFile&) {
      throw SpecError(fmt::format("{}: cannot open the file (allowed: a readable YAML file)", path_));
    } catch (const YAML::ParserException& e) {
      throw SpecError(fmt::format("{}:{}: invalid YAML: {}", path_, e.mark.line + 1, e.msg));
    }
    if (!root.IsMap()) {
      throw SpecError(fmt::format("{}:1: the document is not a mapping (allowed: {})", path_,
                                  key_list(kTopKeys)));
    }
    expect_keys(root, "the register map", kTopKeys);

    RegMap map;
    map.prefix = upper(identifier(root["name"], "the register map name", false));

    std::map<std::string, int> names;
    for (const YAML::Node& node : sequence(root["memory_map"], "memory_map")) {
      Region region = read_region(node);
      unique(names, region.name, node["name"], "a memory_map region");
      for (const Region& other : map.regions) {
        if (region.base < other.base + other.size && other.base < region.base + region.size) {
          fail(node["base"], fmt::format("region {} [0x{:x}, 0x{:x}) overlaps region {} (line {})",
                                         region.name, region.base, region.base + region.size,
                                         other.name, other.line),
               "disjoint regions");
        }
      }
      map.regions.push_back(std::move(region));
    }

    names.clear();
    if (root["enums"]) {
      for (const YAML::Node& node : sequence(root["enums"], "enums")) {
        Enum e = read_enum(node);
        unique(names, e.name, node["name"], "an enum");
        map.enums.push_back(std::move(e));
      }
    }

    names.clear();
    for (const YAML::Node& node : sequence(root["blocks"], "blocks")) {
      Block block = read_block(node, map.regions);
      unique(names, block.name, node["name"], "a block");
      map.blocks.push_back(std::move(block));
    }
    return map;
  }

 private:
  static constexpr std::initializer_list<Key> kTopKeys = {
      {"name", true}, {"memory_map", true}, {"enums", false}, {"blocks", true}};

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what,
                         const std::string& allowed) const {
    throw SpecError(fmt::format("{}:{}: {} (allowed: {})", path_, at.Mark().line + 1, what, allowed));
  }

  static int line(const YAML::Node& node) { return node.Mark().line + 1; }

  static std::string upper(std::string s) {
    for (char& c : s) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return s;
  }

  // `node` must be a mapping with only the listed keys, each once, and all required ones.
  void expect_keys(const YAML::Node& node, std::string_view what,
                   std::initializer_list<Key> keys) const {
    if (!node.IsMap()) fail(node, fmt::format("{} is not a mapping", what), key_list(keys));
    std::map<std::string, int> seen;
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string("?");
      bool known = false;
      for (const Key& k : keys) known = known || key == k.name;
      if (!known) fail(entry.first, fmt::format("unknown key '{}' in {}", key, what), key_list(keys));
      if (!seen.emplace(key, line(entry.first)).second) {
        fail(entry.first,
             fmt::format("key '{}' given twice in {} (first at line {})", key, what, seen[key]),
             "each key once");
      }
    }
    for (const Key& k : keys) {
      if (k.required && !seen.count(k.name)) {
        fail(node, fmt::format("{} is missing key '{}'", what, k.name), key_list(keys));
      }
    }
  }

  std::vector<YAML::Node> sequence(const YAML::Node& node, std::string_view what) const {
    if (!node.IsSequence() || node.size() == 0) {
      fail(node, fmt::format("{} is not a list", what), "a non-empty YAML list");
    }
    return {node.begin(), node.end()};
  }

  std::string text(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar() || node.Scalar().empty()) {
      fail(node, fmt::format("{} is not text", what), "a non-empty string");
    }
    return node.Scalar();
  }

  // Names become C macro parts, so they are restricted to upper-case identifiers
  // (the map name may be lower case: it is upper-cased into the prefix).
  std::string identifier(const YAML::Node& node, std::string_view what, bool upper_only = true) const {
    const std::string name = text(node, what);
    bool ok = (name[0] >= 'A' && name[0] <= 'Z') || (!upper_only && name[0] >= 'a' && name[0] <= 'z');
    for (char c : name) {
      ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  (!upper_only && c >= 'a' && c <= 'z'));
    }
    if (!ok) {
      fail(node, fmt::format("{} '{}' is not a valid name", what, name),
           upper_only ? "[A-Z][A-Z0-9_]*" : "[A-Za-z][A-Za-z0-9_]*");
    }
    return name;
  }

  uint64_t number(const YAML::Node& node, std::string_view what, uint64_t max) const {
    const std::string allowed = fmt::format("a decimal or 0x-hex integer 0..0x{:x}", max);
    if (!node.IsScalar()) fail(node, fmt::format("{} is not a number", what), allowed);
    const std::string& s = node.Scalar();
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char* first = s.data() + (hex ? 2 : 0);
    const char* last = s.data() + s.size();
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(first, last, value, hex ? 16 : 10);
    if (first == last || ec != std::errc() || end != last || value > max) {
      fail(node, fmt::format("{} '{}' is not a valid number", what, s), allowed);
    }
    return value;
  }

  void unique(std::map<std::string, int>& seen, const std::string& name, const YAML::Node& at,
              std::string_view what) const {
    if (!seen.emplace(name, line(at)).second) {
      fail(at, fmt::format("duplicate name '{}' for {} (first at line {})", name, what, seen[name]),
           "unique names");
    }
  }

  Region read_region(const YAML::Node& node) const {
    expect_keys(node, "a memory_map region",
                {{"name", true}, {"base", true}, {"size", true}, {"description", true}});
    Region r;
    r.line = line(node);
    r.name = identifier(node["name"], "region name");
    r.base = number(node["base"], "region base", UINT64_MAX);
    r.size = number(node["size"], "region size", UINT64_MAX - r.base);
    if (r.size == 0 || r.base % 4 != 0 || r.size % 4 != 0) {
      fail(node["size"], fmt::format("region {} is empty or not word-aligned", r.name),
           "base and size multiples of 4, size > 0");
    }
    r.description = text(node["description"], "region description");
    return r;
  }

  Enum read_enum(const YAML::Node& node) const {
    expect_keys(node, "an enum", {{"name", true}, {"description", true}, {"values", true}});
    Enum e;
    e.name = identifier(node["name"], "enum name");
    e.description = text(node["description"], "enum description");
    std::map<std::string, int> names;
    std::map<uint32_t, int> values;
    for (const YAML::Node& v : sequence(node["values"], fmt::format("values of enum {}", e.name))) {
      expect_keys(v, fmt::format("a value of enum {}", e.name),
                  {{"name", true}, {"value", true}, {"description", true}});
      EnumValue ev;
      ev.line = line(v);
      ev.name = identifier(v["name"], "enum value name");
      unique(names, ev.name, v["name"], fmt::format("a value of enum {}", e.name));
      ev.value = static_cast<uint32_t>(number(v["value"], "enum value", UINT32_MAX));
      if (!values.emplace(ev.value, ev.line).second) {
        fail(v["value"], fmt::format("value {} of {}.{} is already used (line {})", ev.value,
                                     e.name, ev.name, values[ev.value]),
             "distinct values per enum");
      }
      ev.description = text(v["description"], "enum value description");
      e.values.push_back(std::move(ev));
    }
    return e;
  }

  Block read_block(const YAML::Node& node, const std::vector<Region>& regions) const {
    expect_keys(node, "a block", {{"name", true}, {"description", true}, {"registers", true}});
    Block b;
    b.name = identifier(node["name"], "block name");
    const Region* region = nullptr;
    std::string region_names;
    for (const Region& r : regions) {
      if (r.name == b.name) region = &r;
      region_names += fmt::format("{}{}", region_names.empty() ? "" : ", ", r.name);
    }
    if (!region) {
      fail(node["name"], fmt::format("block {} has no memory_map region of the same name", b.name),
           region_names);
    }
    b.region = *region;
    b.description = text(node["description"], "block description");

    std::map<std::string, int> names;
    std::map<uint32_t, const YAML::Node> offsets;  // first register at each offset
    for (const YAML::Node& r : sequence(node["registers"], fmt::format("registers of block {}", b.name))) {
      Register reg = read_register(r, b);
      unique(names, reg.name, r["name"], fmt::format("a register in block {}", b.name));
      if (const auto [it, fresh] = offsets.emplace(reg.offset, r); !fresh) {
        fail(r["offset"], fmt::format("offset 0x{:03x} of register {} is already used by {} (line {})",
                                      reg.offset, reg.name, it->second["name"].Scalar(), line(it->second)),
             "one register per offset");
      }
      b.registers.push_back(std::move(reg));
    }
    return b;
  }

  Register read_register(const YAML::Node& node, const Block& block) const {
    expect_keys(node, "a register",
                {{"name", true}, {"offset", true}, {"access", true}, {"reset", true},
                 {"description", true}, {"fields", false}});
    Register r;
    r.line = line(node);
    r.name = identifier(node["name"], "register name");
    const uint64_t last_word = block.region.size - 4;
    const uint64_t offset = number(node["offset"], fmt::format("offset of register {}", r.name), UINT32_MAX);
    if (offset % 4 != 0 || offset > last_word) {
      fail(node["offset"],
           fmt::format("offset 0x{:x} of register {} is not 4-byte aligned inside block {}", offset,
                       r.name, block.name),
           fmt::format("multiples of 4 in 0x0..0x{:x}", last_word));
    }
    r.offset = static_cast<uint32_t>(offset);
    r.access = text(node["access"], "access");
    if (r.access != "RO" && r.access != "RW" && r.access != "WO" && r.access != "W1C") {
      fail(node["access"], fmt::format("access '{}' of register {}", r.access, r.name), "RO, RW, WO, W1C");
    }
    r.description = text(node["description"], "register description");

    if (node["fields"]) {
      std::map<std::string, int> names;
      for (const YAML::Node& f : sequence(node["fields"], fmt::format("fields of register {}", r.name))) {
        Field field = read_field(f, r.name);
        unique(names, field.name, f["name"], fmt::format("a field of register {}", r.name));
        for (const Field& other : r.fields) {
          if (field.mask() & other.mask()) {
            fail(f, fmt::format("field {}{} of register {} overlaps field {}{} (line {})", field.name,
                                bit_range(field), r.name, other.name, bit_range(other), other.line),
                 "disjoint fields");
          }
        }
        r.fields.push_back(std::move(field));
      }
    }

    const YAML::Node reset = node["reset"];
    if (!(reset.IsScalar() && reset.Scalar() == "config")) {
      r.reset = static_cast<uint32_t>(number(reset, fmt::format("reset of register {} (or `config`)", r.name), UINT32_MAX));
      if (const uint32_t reserved = *r.reset & ~r.field_mask()) {
        fail(reset, fmt::format("reset 0x{:x} of register {} sets reserved bits 0x{:x}", *r.reset, r.name, reserved),
             fmt::format("bits inside the fields, mask 0x{:x}", r.field_mask()));
      }
      if (r.access == "WO" && *r.reset != 0) {
        fail(reset, fmt::format("reset 0x{:x} of write-only register {}", *r.reset, r.name),
             "0: write-only bits self-clear");
      }
    }
    return r;
  }

  Field read_field(const YAML::Node& node, const std::string& reg) const {
    expect_keys(node, fmt::format("a field of register {}", reg),
                {{"name", true}, {"lsb", true}, {"width", true}, {"description", true}});
    Field f;
    f.line = line(node);
    f.name = identifier(node["name"], "field name");
    f.lsb = static_cast<unsigned>(number(node["lsb"], fmt::format("lsb of field {}.{}", reg, f.name), 31));
    f.width = static_cast<unsigned>(number(node["width"], fmt::format("width of field {}.{}", reg, f.name), 32));
    if (f.width == 0 || f.lsb + f.width > 32) {
      fail(node["width"], fmt::format("field {}.{} (lsb {}, width {}) does not fit in bits 0..31", reg,
                                      f.name, f.lsb, f.width),
           "width >= 1 and lsb + width <= 32");
    }
    f.description = text(node["description"], "field description");
    return f;
  }

  std::string path_;
};

// Every generated macro name with the line it comes from, so that two YAML
// entries that would produce the same macro are rejected.
class MacroNames {
 public:
  explicit MacroNames(std::string path) : path_(std::move(path)) {}
  void add(const std::string& name, int line) {
    if (const auto [it, fresh] = lines_.emplace(name, line); !fresh) {
      throw SpecError(fmt::format("{}:{}: macro {} is generated twice (also from line {}) "
                                  "(allowed: names whose macros are unique)",
                                  path_, line, name, it->second));
    }
  }

 private:
  std::string path_;
  std::map<std::string, int> lines_;
};

// Macro names, shared by the header and the check file.
struct Names {
  std::string prefix;
  std::string base(const Region& r) const { return fmt::format("{}_{}_BASE", prefix, r.name); }
  std::string size(const Region& r) const { return fmt::format("{}_{}_SIZE", prefix, r.name); }
  std::string reg(const Block& b, const Register& r) const {
    return fmt::format("{}_{}_{}", prefix, b.name, r.name);
  }
  std::string field(const Block& b, const Register& r, const Field& f) const {
    return fmt::format("{}_{}", reg(b, r), f.name);
  }
  std::string value(const Enum& e, const EnumValue& v) const {
    return fmt::format("{}_{}_{}", prefix, e.name, v.name);
  }
};

void check_macro_names(const RegMap& map, const std::string& path) {
  const Names n{map.prefix};
  MacroNames macros(path);
  for (const Region& r : map.regions) {
    macros.add(n.base(r), r.line);
    macros.add(n.size(r), r.line);
  }
  for (const Block& b : map.blocks) {
    for (const Register& r : b.registers) {
      macros.add(n.reg(b, r) + "_OFFSET", r.line);
      macros.add(n.reg(b, r) + "_RESET", r.line);
      for (const Field& f : r.fields) {
        macros.add(n.field(b, r, f) + "_SHIFT", f.line);
        macros.add(n.field(b, r, f) + "_MASK", f.line);
      }
    }
  }
  for (const Enum& e : map.enums) {
    for (const EnumValue& v : e.values) macros.add(n.value(e, v), v.line);
  }
}

// Unsigned C literal; 64-bit only when the value needs it.
std::string literal(uint64_t v) {
  return v > UINT32_MAX ? fmt::format("0x{:x}ull", v) : fmt::format("0x{:x}u", v);
}

std::string c_comment(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i] == '\n' ? ' ' : text[i];
    if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '/') out += ' ';
  }
  return out;
}

std::string c_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string md_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string header(const RegMap& map, const std::string& source) {
  const Names n{map.prefix};
  const std::string guard = map.prefix + "_REGS_H";
  std::string h;
  h += fmt::format("/* Generated by regmap_gen from {}: do not edit. */\n", source);
  h += fmt::format("#ifndef {0}\n#define {0}\n", guard);

  h += "\n/* Memory map: base addresses and sizes in bytes. */\n";
  for (const Region& r : map.regions) {
    h += fmt::format("/* {}: {} */\n", r.name, c_comment(r.description));
    h += fmt::format("#define {} {}\n", n.base(r), literal(r.base));
    h += fmt::format("#define {} {}\n", n.size(r), literal(r.size));
  }

  for (const Block& b : map.blocks) {
    h += fmt::format("\n/* Block {}: {} Offsets in bytes from {}. */\n", b.name,
                     c_comment(b.description), n.base(b.region));
    for (const Register& r : b.registers) {
      h += fmt::format("\n/* {} ({}{}): {} */\n", r.name, r.access, r.reset ? "" : ", reset from config",
                       c_comment(r.description));
      h += fmt::format("#define {}_OFFSET 0x{:03x}u\n", n.reg(b, r), r.offset);
      if (r.reset) h += fmt::format("#define {}_RESET {}\n", n.reg(b, r), literal(*r.reset));
      for (const Field& f : r.fields) {
        h += fmt::format("/* {}.{} {}: {} */\n", r.name, f.name, bit_range(f), c_comment(f.description));
        h += fmt::format("#define {}_SHIFT {}u\n", n.field(b, r, f), f.lsb);
        h += fmt::format("#define {}_MASK {}\n", n.field(b, r, f), literal(f.mask()));
      }
    }
  }

  for (const Enum& e : map.enums) {
    h += fmt::format("\n/* Enum {}: {} */\n", e.name, c_comment(e.description));
    for (const EnumValue& v : e.values) {
      h += fmt::format("#define {} {}u /* {} */\n", n.value(e, v), v.value, c_comment(v.description));
    }
  }
  h += fmt::format("\n#endif /* {} */\n", guard);
  return h;
}

std::string table(const RegMap& map, const std::string& source) {
  std::string t;
  t += fmt::format("// Generated by regmap_gen from {}: do not edit.\n", source);
  t += "#include \"regmap.h\"\n\nnamespace flexcim::regs {\n";

  t += "\nconst std::vector<Region>& memory_map() {\n  static const std::vector<Region> table = {\n";
  for (const Region& r : map.regions) {
    t += fmt::format("      {{{}, {}, {}, {}}},\n", c_string(r.name), literal(r.base), literal(r.size),
                     c_string(r.description));
  }
  t += "  };\n  return table;\n}\n";

  t += "\nconst std::vector<Block>& blocks() {\n  static const std::vector<Block> table = {\n";
  for (const Block& b : map.blocks) {
    t += fmt::format("      {{{}, {}, {}, {},\n       {{\n", c_string(b.name), literal(b.region.base),
                     literal(b.region.size), c_string(b.description));
    for (const Register& r : b.registers) {
      t += fmt::format("           {{{}, {}, Access::{}, {}, {}, {},\n            {{", c_string(r.name),
                       literal(r.offset), r.access, literal(r.reset.value_or(0)), r.reset ? "false" : "true",
                       c_string(r.description));
      for (const Field& f : r.fields) {
        t += fmt::format("\n                {{{}, {}u, {}u, {}}},", c_string(f.name), f.lsb, f.width,
                         c_string(f.description));
      }
      t += r.fields.empty() ? "}},\n" : "\n            }},\n";
    }
    t += "       }},\n";
  }
  t += "  };\n  return table;\n}\n";

  t += "\nconst std::vector<Enum>& enums() {\n  static const std::vector<Enum> table = {\n";
  for (const Enum& e : map.enums) {
    t += fmt::format("      {{{}, {},\n       {{\n", c_string(e.name), c_string(e.description));
    for (const EnumValue& v : e.values) {
      t += fmt::format("           {{{}, {}u, {}}},\n", c_string(v.name), v.value, c_string(v.description));
    }
    t += "       }},\n";
  }
  t += "  };\n  return table;\n}\n\n}  // namespace flexcim::regs\n";
  return t;
}

std::string markdown(const RegMap& map, const std::string& source) {
  std::string m;
  m += "# Register reference\n\n";
  m += fmt::format("Generated by regmap_gen from `{}`; do not edit.\n\n", source);
  m += "Every register is 32 bits wide and takes only 4-byte aligned 4-byte accesses; "
       "other accesses get a TLM command error, offsets without a register an address error. "
       "Data is little-endian. Bits outside the listed fields are reserved: they read 0 and "
       "ignore writes.\n\n";
  m += "| Access | Meaning |\n|---|---|\n"
       "| RO | Read-only: writes get a command error. |\n"
       "| RW | Read/write. |\n"
       "| WO | Write-only: reads get a command error; the bits self-clear. |\n"
       "| W1C | Write 1 to clear: written 1-bits clear, 0-bits keep their value. |\n\n";
  m += "A reset of `config` means the value comes from the platform configuration at elaboration.\n";

  m += "\n## Memory map\n\n| Region | Base | Size (bytes) | Description |\n|---|---|---|---|\n";
  for (const Region& r : map.regions) {
    m += fmt::format("| {} | 0x{:08x} | 0x{:x} | {} |\n", r.name, r.base, r.size, md_cell(r.description));
  }

  for (const Block& b : map.blocks) {
    m += fmt::format("\n## Block {} (base 0x{:08x})\n\n{}\n\n", b.name, b.region.base, b.description);
    m += "| Offset | Register | Access | Reset | Description |\n|---|---|---|---|---|\n";
    for (const Register& r : b.registers) {
      m += fmt::format("| 0x{:03x} | {} | {} | {} | {} |\n", r.offset, r.name, r.access,
                       r.reset ? fmt::format("0x{:08x}", *r.reset) : std::string("`config`"),
                       md_cell(r.description));
    }
    for (const Register& r : b.registers) {
      if (r.fields.empty()) continue;
      m += fmt::format("\n### {}.{} (offset 0x{:03x})\n\n", b.name, r.name, r.offset);
      m += "| Bits | Field | Description |\n|---|---|---|\n";
      for (const Field& f : r.fields) {
        m += fmt::format("| {} | {} | {} |\n", bit_range(f), f.name, md_cell(f.description));
      }
    }
  }

  if (!map.enums.empty()) m += "\n## Enums\n";
  for (const Enum& e : map.enums) {
    m += fmt::format("\n### {}\n\n{}\n\n| Value | Name | Description |\n|---|---|---|\n", e.name, e.description);
    for (const EnumValue& v : e.values) {
      m += fmt::format("| {} | {} | {} |\n", v.value, v.name, md_cell(v.description));
    }
  }
  return m;
}

// One line per header macro: X-macro calls the header test defines to compare
// the compiled macro values with the table entries they name.
std::string check_inc(const RegMap& map, const std::string& source) {
  const Names n{map.prefix};
  std::string c = fmt::format("/* Generated by regmap_gen from {}: do not edit. */\n", source);
  for (const Region& r : map.regions) {
    c += fmt::format("REGMAP_CHECK_REGION(\"{}\", {}, {})\n", r.name, n.base(r), n.size(r));
  }
  for (const Block& b : map.blocks) {
    for (const Register& r : b.registers) {
      c += fmt::format("REGMAP_CHECK_REGISTER(\"{}\", \"{}\", {}_OFFSET)\n", b.name, r.name, n.reg(b, r));
      if (r.reset) {
        c += fmt::format("REGMAP_CHECK_RESET(\"{}\", \"{}\", {}_RESET)\n", b.name, r.name, n.reg(b, r));
      }
      for (const Field& f : r.fields) {
        c += fmt::format("REGMAP_CHECK_FIELD(\"{0}\", \"{1}\", \"{2}\", {3}_SHIFT, {3}_MASK)\n", b.name,
                         r.name, f.name, n.field(b, r, f));
      }
    }
  }
  for (const Enum& e : map.enums) {
    for (const EnumValue& v : e.values) {
      c += fmt::format("REGMAP_CHECK_ENUM(\"{}\", \"{}\", {})\n", e.name, v.name, n.value(e, v));
    }
  }
  return c;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("{}: cannot write the file", path.string()));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Validates a register map YAML and generates the C header, the C++ table and the Markdown reference."};
  std::string yaml;
  std::string out_dir;
  std::string check_path;
  app.add_option("yaml", yaml, "register map YAML")->required();
  app.add_option("--out-dir", out_dir,
                 "directory for flexcim_regs.h, regmap_table.cpp and registers.md (none: validate only)");
  app.add_option("--check-inc", check_path, "also write the header check file for the tests");
  CLI11_PARSE(app, argc, argv);

  try {
    const RegMap map = SpecReader(yaml).read();
    check_macro_names(map, yaml);
    const std::string source = std::filesystem::path(yaml).filename().string();
    if (!out_dir.empty()) {
      const std::filesystem::path dir(out_dir);
      std::filesystem::create_directories(dir);
      write_file(dir / "flexcim_regs.h", header(map, source));
      write_file(dir / "regmap_table.cpp", table(map, source));
      write_file(dir / "registers.md", markdown(map, source));
    }
    if (!check_path.empty()) write_file(check_path, check_inc(map, source));
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  return 0;
}
