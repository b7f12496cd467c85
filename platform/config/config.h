#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config_error.h"
#include "config_node.h"

namespace flexcim {

// The effective configuration of one run: a defaults file, overlaid by a scenario file,
// overlaid by `--set key.path=value` overrides.
//
// Merge rules: maps merge key by key; sequences and single values replace. A scenario
// or override may only use keys that the defaults define at that level, with the same
// kind (map, sequence or single value), except below sequence elements and below maps
// whose default is `{}` (free-form; check_all_used() catches keys nobody reads there).
// A null default accepts any kind. The top-level key `name` is always accepted.
//
// Paths look like "platform.dram.latency_ns" or "workload.layers[3].in"; "" is the
// top level. Every error is a ConfigError whose one-line message says where the value
// came from (file:line or the --set text), which key, and what is allowed. A malformed
// path passed by the caller is a bug, not bad input: it throws std::invalid_argument.
//
// Getters record what they read (hence the mutable state behind const methods; a
// Config is not meant to be shared between threads while it is being read).
// Names become folder and file names (out/<name>/) and JSON strings: letters, digits,
// '.', '_', '-', '+'; not starting with '.' or '-'; at most kMaxNameLength characters.
constexpr size_t kMaxNameLength = 100;
constexpr const char* kSafeNameRule =
    "letters, digits, '.', '_', '-' and '+', not starting with '.' or '-', at most 100 characters";
bool is_safe_name(const std::string& name);

class Config {
 public:
  static Config load(const std::string& defaults_path, const std::string& scenario_path,
                     const std::vector<std::string>& overrides = {});
  // A standalone file without defaults (energy tables); every key in it counts as set.
  static Config load_file(const std::string& path);

  int64_t get_int(const std::string& path, int64_t min, int64_t max) const;
  double get_double(const std::string& path, double min, double max) const;
  bool get_bool(const std::string& path) const;
  std::string get_string(const std::string& path) const;
  std::string get_choice(const std::string& path, const std::vector<std::string>& allowed) const;
  // A relative path is resolved against the directory of the file that set it (the
  // current directory for --set); the result is absolute and lexically normalised,
  // and dump() shows it so.
  std::string get_path(const std::string& path) const;

  bool has(const std::string& path) const;
  // True if the scenario or an override set the value at `path` (not only the defaults).
  bool is_set(const std::string& path) const;
  bool is_sequence(const std::string& path) const;
  bool is_map(const std::string& path) const;
  size_t size(const std::string& path) const;                    // sequence length
  std::vector<std::string> keys(const std::string& path) const;  // map keys in file order

  // "scenarios/x.yaml:12", "--set platform.clock_mhz=2", or the defaults file:line. For a
  // missing key, where its closest existing parent was set.
  std::string where(const std::string& path) const;
  [[noreturn]] void fail(const std::string& path, const std::string& problem) const;

  // Declares the value at `path` and everything below it consumed (no-op if absent).
  void mark_used(const std::string& path) const;
  // A file of named top-level entries of which one is read: true if `name` is one of
  // them; the others count as used.
  bool select_entry(const std::string& name) const;
  // Throws for the first value set by the scenario or an override that no getter,
  // size(), keys() or mark_used() has touched.
  void check_all_used() const;

  // Scenario `name:` if set and non-empty (it must be a safe name), else the file
  // stem with every character outside the safe set replaced by '_'.
  std::string name() const;
  std::string dump() const;  // effective configuration as YAML, in file order
  // A copy with the value at `path` (a key the defaults define) replaced by a string or
  // a list of strings: how the effective configuration records its name and origin.
  Config with_string(const std::string& path, const std::string& value) const;
  Config with_strings(const std::string& path, const std::vector<std::string>& values) const;
  const std::string& scenario_path() const { return scenario_path_; }     // as given to load()
  const std::vector<std::string>& overrides() const { return overrides_; }  // the --set texts
  std::string dump(const std::string& path) const;  // the value at `path` (e.g. "platform") as YAML

 private:
  Config() = default;  // only the loaders make one

  struct Lookup {
    const ConfigNode* node = nullptr;     // the value, if present
    const ConfigNode* nearest = nullptr;  // deepest existing node on the way
    std::string problem;                  // why the value is absent
  };

  Lookup lookup(const std::string& path) const;
  const ConfigNode& require(const std::string& path) const;
  // The single value at `path`, marked read; otherwise fails with "expected <expected>".
  const ConfigNode& scalar(const std::string& path, const std::string& expected,
                           const std::string& allowed_suffix) const;
  void merge(ConfigNode& base, ConfigNode over, const std::string& path);
  void apply_override(const std::string& text);
  void check_used(const ConfigNode& node, const std::string& path) const;

  ConfigNode root_;
  std::string stem_;  // scenario file stem, the default name()
  std::string scenario_path_;
  std::vector<std::string> overrides_;
};

}  // namespace flexcim
