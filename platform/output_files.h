// The files a command writes into its output folder (stats.json, trace.vcd,
// compare.json). Before anything runs, the folder is created and every file is
// checked to be writable, so a bad --out fails with one line instead of after the
// simulation; old copies are removed, so a file from an earlier run is never
// mistaken for this run's. Each file is written under a temporary name and
// renamed when it is complete, so a reader never sees half of one.
#pragma once
#include <string>
#include <vector>

namespace flexcim {

class OutputFiles {
 public:
  // Throws ConfigError (bad input: exit status 2) naming the folder or file that
  // cannot be written and why.
  OutputFiles(const std::string& dir, const std::vector<std::string>& names);
  // Removes temporary files that were never committed.
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const;       // DIR/NAME, where it ends up
  std::string temp_path(const std::string& name) const;  // DIR/.NAME.partial, where it is written
  // Renames the temporary file to its final name; the file must have been written.
  void commit(const std::string& name);

 private:
  std::string dir_;
  std::vector<std::string> pending_;
};

}  // namespace flexcim
