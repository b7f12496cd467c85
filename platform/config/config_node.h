#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace YAML {
class Emitter;
class Node;
}  // namespace YAML

namespace flexcim {

// Where a configuration value was set: a file and 1-based line, or a `--set` override.
struct ConfigOrigin {
  std::string source;  // file path as given, or the full "--set key=value" text
  int line = 0;        // 1-based; 0 = the file as a whole
  bool is_file = true;

  std::string describe() const;  // "scenarios/x.yaml:12", "scenarios/x.yaml", "--set a.b=1"
};

// One node of the merged configuration tree. yaml-cpp nodes cannot carry the origin
// and read-tracking state the loader needs, so the YAML input is copied into this tree.
struct ConfigNode {
  enum class Kind { Null, Scalar, Map, Sequence };

  // How a YAML document being converted relates to the defaults schema.
  enum class Role {
    Defaults,          // defines key set and kinds
    DefaultsFreeForm,  // part of the defaults, but below a sequence element: not a schema
    User,              // set by a scenario file or an override
  };

  Kind kind = Kind::Null;
  std::string text;                  // scalar text as written
  bool quoted = false;               // scalar was quoted in the source (so always a string)
  std::vector<std::string> keys;     // map keys in file order, parallel to children
  std::vector<ConfigNode> children;  // map values or sequence elements
  ConfigOrigin origin;

  std::optional<Kind> schema_kind;  // kind the defaults require; empty where free-form
  bool closed = false;              // map that accepts only the keys the defaults list
  bool in_defaults = false;         // this path exists in the defaults file
  bool user_set = false;            // set by the scenario or an override
  mutable bool read = false;        // read by a getter, size() or keys()
  mutable bool consumed = false;    // declared consumed as a whole via mark_used()
  mutable std::string resolved;     // a file path as get_path() resolved it (absolute); emitted instead of text

  // yaml-cpp shares an aliased node between its uses and this copy expands it, so a few
  // hundred bytes of nested aliases ("billion laughs") would ask for gigabytes: a
  // document may hold at most kMaxNodes values, counted as expanded, kMaxDepth deep.
  static constexpr size_t kMaxNodes = 100000;
  static constexpr size_t kMaxDepth = 64;

  // Copies a parsed YAML node. `path` names it in error messages (duplicate keys,
  // non-scalar keys, the limits above); `origin` gives the source, and the line is
  // taken from marks.
  static ConfigNode from_yaml(const YAML::Node& yaml, const ConfigOrigin& origin,
                              const std::string& path, Role role);

  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);

  // True when this node or anything below it was read or declared consumed.
  bool any_read() const;

  void emit(YAML::Emitter& out) const;

  static const char* kind_name(Kind kind);  // "a map", "a sequence", ...
};

}  // namespace flexcim
