#include "config_node.h"

#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config_error.h"

namespace flexcim {

namespace {

int line_of(const YAML::Mark& mark, int fallback) {
  return mark.is_null() ? fallback : mark.line + 1;
}

}  // namespace

std::string ConfigOrigin::describe() const {
  if (is_file && line > 0) return fmt::format("{}:{}", source, line);
  return source;
}

namespace {

// Copies one YAML document; `nodes` counts what has been copied so far.
ConfigNode copy_yaml(const YAML::Node& yaml, const ConfigOrigin& origin, const std::string& path,
                     ConfigNode::Role role, size_t depth, size_t& nodes) {
  using Kind = ConfigNode::Kind;
  using Role = ConfigNode::Role;
  const std::string where = path.empty() ? "(top level)" : path;
  if (++nodes > ConfigNode::kMaxNodes)
    throw ConfigError(fmt::format("{}: {}: more than {} YAML values (aliases count once per use); a scenario "
                                  "needs far fewer",
                                  origin.describe(), where, ConfigNode::kMaxNodes));
  if (depth > ConfigNode::kMaxDepth)
    throw ConfigError(fmt::format("{}: {}: nested more than {} levels deep", origin.describe(), where,
                                  ConfigNode::kMaxDepth));
  ConfigNode node;
  node.origin = origin;
  node.in_defaults = role != Role::User;
  node.user_set = role == Role::User;
  switch (yaml.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      node.kind = Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      node.kind = Kind::Scalar;
      node.text = yaml.Scalar();
      node.quoted = yaml.Tag() != "?";  // "?" = plain; quoted or explicitly tagged otherwise
      break;
    case YAML::NodeType::Sequence: {
      node.kind = Kind::Sequence;
      // Sequences replace as a whole, so their elements are never a schema.
      const Role element_role = role == Role::User ? Role::User : Role::DefaultsFreeForm;
      for (const YAML::Node& element : yaml) {
        ConfigOrigin element_origin = origin;
        element_origin.line = line_of(element.Mark(), origin.line);
        const std::string element_path = fmt::format("{}[{}]", path, node.children.size());
        node.children.push_back(copy_yaml(element, element_origin, element_path, element_role, depth + 1, nodes));
      }
      break;
    }
    case YAML::NodeType::Map:
      node.kind = Kind::Map;
      for (auto it = yaml.begin(); it != yaml.end(); ++it) {
        ConfigOrigin key_origin = origin;
        key_origin.line = line_of(it->first.Mark(), origin.line);
        if (!it->first.IsScalar())
          throw ConfigError(fmt::format("{}: {}: map keys must be plain names", key_origin.describe(), where));
        const std::string& key = it->first.Scalar();
        const std::string key_path = path.empty() ? key : path + "." + key;
        if (node.find(key) != nullptr) {
          throw ConfigError(fmt::format("{}: {}: duplicate key", key_origin.describe(), key_path));
        }
        node.keys.push_back(key);
        node.children.push_back(copy_yaml(it->second, key_origin, key_path, role, depth + 1, nodes));
      }
      break;
  }
  if (role == Role::Defaults) {
    // A null default ("unset") accepts any kind; an empty map accepts any keys.
    if (node.kind != Kind::Null) node.schema_kind = node.kind;
    node.closed = node.kind == Kind::Map && !node.children.empty();
  }
  return node;
}

}  // namespace

ConfigNode ConfigNode::from_yaml(const YAML::Node& yaml, const ConfigOrigin& origin,
                                 const std::string& path, Role role) {
  size_t nodes = 0;
  return copy_yaml(yaml, origin, path, role, 0, nodes);
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  const auto it = std::find(keys.begin(), keys.end(), key);
  return it == keys.end() ? nullptr : &children[static_cast<size_t>(it - keys.begin())];
}

ConfigNode* ConfigNode::find(const std::string& key) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find(key));
}

bool ConfigNode::any_read() const {
  return read || consumed ||
         std::any_of(children.begin(), children.end(), [](const ConfigNode& c) { return c.any_read(); });
}

void ConfigNode::emit(YAML::Emitter& out) const {
  switch (kind) {
    case Kind::Null:
      out << YAML::Null;
      break;
    case Kind::Scalar:
      if (!resolved.empty()) {
        out << YAML::DoubleQuoted << resolved;
        break;
      }
      if (quoted) out << YAML::DoubleQuoted;
      out << text;
      break;
    case Kind::Sequence: {
      // Lists of plain values read best on one line: "blocks: [0, 2]".
      const bool flat = std::all_of(children.begin(), children.end(), [](const ConfigNode& c) {
        return c.kind == Kind::Scalar || c.kind == Kind::Null;
      });
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const ConfigNode& child : children) child.emit(out);
      out << YAML::EndSeq;
      break;
    }
    case Kind::Map:
      if (children.empty()) out << YAML::Flow;  // "extra: {}" rather than a "{}" on its own line
      out << YAML::BeginMap;
      for (size_t i = 0; i < keys.size(); ++i) {
        out << YAML::Key << keys[i] << YAML::Value;
        children[i].emit(out);
      }
      out << YAML::EndMap;
      break;
  }
}

const char* ConfigNode::kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null: return "no value";
    case Kind::Scalar: return "a single value";
    case Kind::Map: return "a map";
    case Kind::Sequence: return "a sequence";
  }
  return "?";
}

}  // namespace flexcim
