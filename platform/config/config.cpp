#include "config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace flexcim {

namespace fs = std::filesystem;
using Kind = ConfigNode::Kind;
using Role = ConfigNode::Role;

namespace {

// One step of a path: a map key or a sequence index.
struct Segment {
  std::string key;
  std::optional<size_t> index;
};

std::optional<std::vector<Segment>> parse_path(const std::string& path) {
  std::vector<Segment> segments;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '[') {
      const size_t close = path.find(']', pos);
      const std::string digits = path.substr(pos + 1, close == std::string::npos ? 0 : close - pos - 1);
      if (close == std::string::npos || digits.empty() ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          digits.size() > 9) {
        return std::nullopt;
      }
      segments.push_back({"", std::stoul(digits)});
      pos = close + 1;
    } else {
      if (!segments.empty()) {
        if (path[pos] != '.') return std::nullopt;
        ++pos;
      }
      const size_t end = path.find_first_of(".[]", pos);
      const std::string key = path.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (key.empty()) return std::nullopt;
      segments.push_back({key, std::nullopt});
      pos = end == std::string::npos ? path.size() : end;
    }
  }
  return segments;
}

std::vector<Segment> parse_caller_path(const std::string& path) {
  auto segments = parse_path(path);
  // The platform's own paths are literals: a malformed one is a programming error.
  if (!segments) throw std::invalid_argument(fmt::format("invalid configuration path '{}'", path));
  return *segments;
}

std::string child_path(const std::string& path, const Segment& segment) {
  if (segment.index) return fmt::format("{}[{}]", path, *segment.index);
  return path.empty() ? segment.key : path + "." + segment.key;
}

std::string display_path(const std::string& path) {
  return path.empty() ? "(top level)" : path;
}

// Error messages stay on one line, whatever the input contains.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

// A user's value, quoted for an error message.
std::string quote(const std::string& text) {
  constexpr size_t kMaxChars = 60;
  std::string shown = text.size() > kMaxChars ? text.substr(0, kMaxChars) + "..." : text;
  std::string escaped;
  for (char c : shown) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  return "'" + escaped + "'";
}

std::string got(const ConfigNode& node) {
  return node.kind == Kind::Scalar ? quote(node.text) : ConfigNode::kind_name(node.kind);
}

[[noreturn]] void raise(const std::string& where, const std::string& path, const std::string& problem) {
  throw ConfigError(one_line(fmt::format("{}: {}: {}", where, display_path(path), problem)));
}

bool kind_fits(Kind required, Kind actual) {
  return required == actual || (required == Kind::Scalar && actual == Kind::Null);
}

// Where each document of a YAML text starts; nothing else is kept.
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// One YAML document: a second one ("---") would otherwise be dropped without a word.
// yaml-cpp 0.7's LoadAll never returns on a stray ',' before the first value (it
// yields empty documents without moving on; found by fuzz_scenario), so documents
// are counted here and a parser that stops moving is a syntax error.
// `source` names the text in errors (a file path, or the --set text and key).
YAML::Node parse_document(const std::string& text, const std::string& source, bool is_file) {
  auto syntax_error = [&](const YAML::Mark& mark, const std::string& message) {
    if (!is_file) return ConfigError(one_line(fmt::format("{}: YAML syntax error in the value: {}", source, message)));
    return ConfigError(
        one_line(fmt::format("{}:{}:{}: YAML syntax error: {}", source, mark.line + 1, mark.column + 1, message)));
  };
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts documents;
    while (documents.starts.size() < 2 && parser.HandleNextDocument(documents)) {
    }
    if (documents.starts.size() == 2) {
      const YAML::Mark second = documents.starts[1];
      if (second.pos == documents.starts[0].pos)
        throw syntax_error(second, fmt::format("unexpected '{}'", text.substr(size_t(second.pos), 1)));
      const std::string where = is_file ? fmt::format("{}:{}", source, second.line + 1) : source;
      throw ConfigError(one_line(fmt::format("{}: a second YAML document ('---') starts here; give one document", where)));
    }
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw syntax_error(e.mark, e.msg);
  }
}

YAML::Node parse_file(const std::string& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    throw ConfigError(fmt::format("{}: {}", path, fs::exists(path, error) ? "not a regular file" : "file not found"));
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw ConfigError(fmt::format("{}: cannot read file", path));
  return parse_document(text.str(), path, true);
}

}  // namespace

Config Config::load(const std::string& defaults_path, const std::string& scenario_path,
                    const std::vector<std::string>& overrides) {
  Config config;
  config.root_ = ConfigNode::from_yaml(parse_file(defaults_path), {defaults_path, 0, true}, "", Role::Defaults);
  if (config.root_.kind != Kind::Map) {
    throw ConfigError(fmt::format("{}: the top level must be a map, got {}", defaults_path,
                                  ConfigNode::kind_name(config.root_.kind)));
  }
  ConfigNode scenario = ConfigNode::from_yaml(parse_file(scenario_path), {scenario_path, 0, true}, "", Role::User);
  if (scenario.kind != Kind::Null && scenario.kind != Kind::Map) {  // an empty file means "all defaults"
    throw ConfigError(fmt::format("{}: the top level must be a map, got {}", scenario_path,
                                  ConfigNode::kind_name(scenario.kind)));
  }
  config.root_.origin = scenario.origin;
  if (scenario.kind == Kind::Map) config.merge(config.root_, std::move(scenario), "");
  for (const std::string& text : overrides) config.apply_override(text);
  config.stem_ = fs::path(scenario_path).stem().string();
  config.scenario_path_ = scenario_path;
  config.overrides_ = overrides;
  // name() reads `name` on demand; it is consumed here so that it never counts as unread.
  if (const ConfigNode* name = config.root_.find("name")) name->read = true;
  return config;
}

Config Config::load_file(const std::string& path) {
  Config config;
  config.root_ = ConfigNode::from_yaml(parse_file(path), {path, 0, true}, "", Role::User);
  if (config.root_.kind != Kind::Map) {
    throw ConfigError(fmt::format("{}: the top level must be a map, got {}", path,
                                  ConfigNode::kind_name(config.root_.kind)));
  }
  config.stem_ = fs::path(path).stem().string();
  return config;
}

void Config::merge(ConfigNode& base, ConfigNode over, const std::string& path) {
  if (base.schema_kind && !kind_fits(*base.schema_kind, over.kind)) {
    // A section left with no entries (`dram:` with everything below commented out).
    if (*base.schema_kind == Kind::Map && over.kind == Kind::Null) return;
    raise(over.origin.describe(), path,
          fmt::format("expected {} (as in the defaults), got {}", ConfigNode::kind_name(*base.schema_kind),
                      ConfigNode::kind_name(over.kind)));
  }
  if (base.kind == Kind::Map && over.kind == Kind::Map) {
    base.origin = over.origin;
    for (size_t i = 0; i < over.keys.size(); ++i) {
      const std::string& key = over.keys[i];
      const std::string key_path = child_path(path, {key, std::nullopt});
      if (ConfigNode* existing = base.find(key)) {
        merge(*existing, std::move(over.children[i]), key_path);
      } else if (base.closed && !(path.empty() && key == "name")) {
        std::vector<std::string> allowed = base.keys;
        if (path.empty() && base.find("name") == nullptr) allowed.push_back("name");
        raise(over.children[i].origin.describe(), key_path,
              fmt::format("unknown key (allowed: {})", fmt::join(allowed, ", ")));
      } else {
        base.keys.push_back(key);
        base.children.push_back(std::move(over.children[i]));
      }
    }
    return;
  }
  // Single values and sequences replace; the path keeps what the defaults say about it.
  over.schema_kind = base.schema_kind;
  over.in_defaults = base.in_defaults;
  base = std::move(over);
}

void Config::apply_override(const std::string& text) {
  const ConfigOrigin origin{"--set " + text, 0, false};
  const size_t equals = text.find('=');
  const auto segments = parse_path(text.substr(0, std::min(equals, text.size())));
  if (equals == std::string::npos || !segments || segments->empty() || segments->front().index) {
    throw ConfigError(one_line(fmt::format("{}: expected key.path=value, e.g. --set platform.clock_mhz=500 "
                                           "or --set workload.layers[1].in=64",
                                           origin.describe())));
  }
  const std::string path = text.substr(0, equals);
  const YAML::Node yaml = parse_document(text.substr(equals + 1), fmt::format("{}: {}", origin.describe(), path), false);
  ConfigNode value = ConfigNode::from_yaml(yaml, origin, path, Role::User);

  // Walk to the target; only the last key may be new, and only where new keys are allowed.
  ConfigNode* node = &root_;
  std::string walked;
  for (size_t i = 0; i < segments->size(); ++i) {
    const Segment& segment = (*segments)[i];
    const std::string here = child_path(walked, segment);
    if (segment.index) {
      if (node->kind != Kind::Sequence) {
        raise(origin.describe(), path,
              fmt::format("{} is {}, not a sequence", display_path(walked), ConfigNode::kind_name(node->kind)));
      }
      if (*segment.index >= node->children.size()) {
        raise(origin.describe(), path,
              fmt::format("index {} out of range ({} has {} elements)", *segment.index, walked,
                          node->children.size()));
      }
      node = &node->children[*segment.index];
    } else {
      if (node->kind != Kind::Map) {
        raise(origin.describe(), path,
              fmt::format("{} is {}, not a map", display_path(walked), ConfigNode::kind_name(node->kind)));
      }
      ConfigNode* child = node->find(segment.key);
      if (child == nullptr) {
        if (node->closed && !(walked.empty() && segment.key == "name")) {
          raise(origin.describe(), here, fmt::format("unknown key (allowed: {})", fmt::join(node->keys, ", ")));
        }
        if (i + 1 == segments->size()) {
          node->keys.push_back(segment.key);
          node->children.push_back(std::move(value));
          return;
        }
        ConfigNode section;
        section.kind = Kind::Map;
        section.origin = origin;
        section.user_set = true;
        node->keys.push_back(segment.key);
        node->children.push_back(std::move(section));
        child = &node->children.back();
      }
      node = child;
    }
    walked = here;
  }
  // `~` or `{}` empties a map whose keys are the user's (workload.patterns); merging
  // would keep every old key. A section whose keys the defaults fix cannot be emptied.
  const bool empty_value = value.kind == Kind::Null || (value.kind == Kind::Map && value.children.empty());
  if (node->kind == Kind::Map && empty_value) {
    if (node->closed)
      raise(origin.describe(), path,
            fmt::format("~ and {{}} empty only maps of your own keys (like workload.patterns); set the keys of "
                        "this section one by one ({})",
                        fmt::join(node->keys, ", ")));
    if (value.kind == Kind::Map || node->schema_kind == Kind::Map) {
      node->keys.clear();
      node->children.clear();
      node->origin = origin;
      node->user_set = true;
      return;
    }
  }
  merge(*node, std::move(value), path);
}

Config::Lookup Config::lookup(const std::string& path) const {
  Lookup result;
  result.nearest = &root_;
  std::string walked;
  for (const Segment& segment : parse_caller_path(path)) {
    const ConfigNode& node = *result.nearest;
    const ConfigNode* next = nullptr;
    if (segment.index) {
      if (node.kind != Kind::Sequence) {
        result.problem =
            fmt::format("{} is {}, not a sequence", display_path(walked), ConfigNode::kind_name(node.kind));
        return result;
      }
      if (*segment.index >= node.children.size()) {
        result.problem = fmt::format("index {} out of range ({} has {} elements)", *segment.index, walked,
                                     node.children.size());
        return result;
      }
      next = &node.children[*segment.index];
    } else {
      if (node.kind != Kind::Map) {
        result.problem = fmt::format("{} is {}, not a map", display_path(walked), ConfigNode::kind_name(node.kind));
        return result;
      }
      next = node.find(segment.key);
      if (next == nullptr) {
        result.problem = "missing key";
        return result;
      }
    }
    result.nearest = next;
    walked = child_path(walked, segment);
  }
  result.node = result.nearest;
  return result;
}

const ConfigNode& Config::require(const std::string& path) const {
  const Lookup found = lookup(path);
  if (found.node == nullptr) raise(found.nearest->origin.describe(), path, found.problem);
  return *found.node;
}

const ConfigNode& Config::scalar(const std::string& path, const std::string& expected,
                                 const std::string& allowed_suffix) const {
  const ConfigNode& node = require(path);
  if (node.kind != Kind::Scalar) fail(path, fmt::format("expected {}, got {}{}", expected, got(node), allowed_suffix));
  node.read = true;
  return node;
}

int64_t Config::get_int(const std::string& path, int64_t min, int64_t max) const {
  const std::string allowed = fmt::format(" (allowed: {} to {})", min, max);
  const ConfigNode& node = scalar(path, "an integer", allowed);
  int64_t value = 0;
  if (!YAML::convert<int64_t>::decode(YAML::Node(node.text), value)) {
    fail(path, fmt::format("expected an integer, got {}{}", quote(node.text), allowed));
  }
  if (value < min || value > max) fail(path, fmt::format("{} is out of range{}", value, allowed));
  return value;
}

double Config::get_double(const std::string& path, double min, double max) const {
  const std::string allowed = fmt::format(" (allowed: {} to {})", min, max);
  const ConfigNode& node = scalar(path, "a number", allowed);
  double value = 0.0;
  if (!YAML::convert<double>::decode(YAML::Node(node.text), value)) {
    fail(path, fmt::format("expected a number, got {}{}", quote(node.text), allowed));
  }
  if (!(value >= min && value <= max)) fail(path, fmt::format("{} is out of range{}", node.text, allowed));
  return value;
}

bool Config::get_bool(const std::string& path) const {
  const ConfigNode& node = scalar(path, "true or false", "");
  bool value = false;
  if (!YAML::convert<bool>::decode(YAML::Node(node.text), value)) {
    fail(path, fmt::format("expected true or false, got {}", quote(node.text)));
  }
  return value;
}

std::string Config::get_string(const std::string& path) const {
  return scalar(path, "a string", "").text;
}

std::string Config::get_choice(const std::string& path, const std::vector<std::string>& allowed) const {
  const std::string suffix = fmt::format(" (allowed: {})", fmt::join(allowed, ", "));
  const ConfigNode& node = scalar(path, "one of the choices", suffix);
  if (std::find(allowed.begin(), allowed.end(), node.text) == allowed.end()) {
    fail(path, fmt::format("{} is not a valid choice{}", quote(node.text), suffix));
  }
  return node.text;
}

std::string Config::get_path(const std::string& path) const {
  const ConfigNode& node = scalar(path, "a file path", "");
  if (node.text.empty()) fail(path, "expected a file path, got an empty string");
  // Absolute, so that the effective configuration (dump()) runs from anywhere.
  const fs::path value(node.text);
  const fs::path base = value.is_absolute() || !node.origin.is_file ? fs::path() : fs::path(node.origin.source).parent_path();
  node.resolved = fs::absolute(base / value).lexically_normal().string();
  return node.resolved;
}

bool Config::has(const std::string& path) const {
  return lookup(path).node != nullptr;
}

bool Config::select_entry(const std::string& name) const {
  const std::vector<std::string> names = keys("");
  if (std::find(names.begin(), names.end(), name) == names.end()) return false;
  for (const std::string& other : names)
    if (other != name) mark_used(other);
  return true;
}

bool Config::is_set(const std::string& path) const {
  const ConfigNode* node = lookup(path).node;
  return node != nullptr && node->user_set;
}

bool Config::is_sequence(const std::string& path) const {
  const ConfigNode* node = lookup(path).node;
  return node != nullptr && node->kind == Kind::Sequence;
}

bool Config::is_map(const std::string& path) const {
  const ConfigNode* node = lookup(path).node;
  return node != nullptr && node->kind == Kind::Map;
}

size_t Config::size(const std::string& path) const {
  const ConfigNode& node = require(path);
  if (node.kind != Kind::Sequence) fail(path, fmt::format("expected a sequence, got {}", got(node)));
  node.read = true;
  return node.children.size();
}

std::vector<std::string> Config::keys(const std::string& path) const {
  const ConfigNode& node = require(path);
  if (node.kind != Kind::Map) fail(path, fmt::format("expected a map, got {}", got(node)));
  node.read = true;
  return node.keys;
}

std::string Config::where(const std::string& path) const {
  const Lookup found = lookup(path);
  return (found.node != nullptr ? found.node : found.nearest)->origin.describe();
}

void Config::fail(const std::string& path, const std::string& problem) const {
  raise(where(path), path, problem);
}

void Config::mark_used(const std::string& path) const {
  if (const ConfigNode* node = lookup(path).node) node->consumed = true;
}

void Config::check_all_used() const {
  check_used(root_, "");
}

void Config::check_used(const ConfigNode& node, const std::string& path) const {
  if (node.consumed) return;
  for (size_t i = 0; i < node.children.size(); ++i) {
    const ConfigNode& child = node.children[i];
    const std::string here =
        node.kind == Kind::Map ? child_path(path, {node.keys[i], std::nullopt}) : child_path(path, {"", i});
    if (child.user_set && !child.any_read()) {
      if (node.kind == Kind::Sequence || child.in_defaults) {
        raise(child.origin.describe(), here, "is set but never read (it has no effect in this configuration)");
      }
      // Keys worth suggesting: those the defaults know or the platform read.
      std::vector<std::string> allowed;
      for (size_t j = 0; j < node.children.size(); ++j) {
        if (j != i && (node.children[j].in_defaults || node.children[j].any_read())) allowed.push_back(node.keys[j]);
      }
      raise(child.origin.describe(), here,
            allowed.empty() ? std::string("unknown key (nothing is read here)")
                            : fmt::format("unknown key (allowed here: {})", fmt::join(allowed, ", ")));
    }
    check_used(child, here);
  }
}

bool is_safe_name(const std::string& name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '+';
  };
  return !name.empty() && name.size() <= kMaxNameLength && name[0] != '.' && name[0] != '-' &&
         std::all_of(name.begin(), name.end(), allowed);
}

std::string Config::name() const {
  const ConfigNode* node = root_.find("name");
  if (node != nullptr && node->kind != Kind::Null) {
    const std::string name = get_string("name");
    if (!name.empty()) {
      if (!is_safe_name(name))
        fail("name", fmt::format("{} is not a safe file name (allowed: {}; it names the output folder)", quote(name),
                                 kSafeNameRule));
      return name;
    }
  }
  // The file stem, made safe: "my scenario" -> "my_scenario".
  std::string stem = stem_.substr(0, kMaxNameLength);
  for (char& c : stem)
    if (!is_safe_name(std::string("a") + c)) c = '_';
  if (!is_safe_name(stem)) stem = "_" + stem.substr(0, kMaxNameLength - 1);
  return stem;
}

namespace {
ConfigNode string_node(const std::string& text) {
  ConfigNode node;
  node.kind = Kind::Scalar;
  node.text = text;
  node.quoted = true;
  return node;
}
}  // namespace

Config Config::with_string(const std::string& path, const std::string& value) const {
  Config copy = *this;
  ConfigNode& node = const_cast<ConfigNode&>(copy.require(path));
  node = string_node(value);
  return copy;
}

Config Config::with_strings(const std::string& path, const std::vector<std::string>& values) const {
  Config copy = *this;
  ConfigNode& node = const_cast<ConfigNode&>(copy.require(path));
  node = ConfigNode();
  node.kind = Kind::Sequence;
  for (const std::string& v : values) node.children.push_back(string_node(v));
  return copy;
}

std::string Config::dump() const {
  YAML::Emitter out;
  root_.emit(out);
  return std::string(out.c_str()) + "\n";
}

std::string Config::dump(const std::string& path) const {
  YAML::Emitter out;
  require(path).emit(out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace flexcim
