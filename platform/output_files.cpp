#include "output_files.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "config_error.h"

namespace flexcim {

namespace fs = std::filesystem;

OutputFiles::OutputFiles(const std::string& dir, const std::vector<std::string>& names) : dir_(dir) {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error || !fs::is_directory(dir_))
    throw ConfigError(fmt::format("cannot write to the output folder {}: {}", dir_,
                                  error ? error.message() : "not a folder"));
  for (const std::string& name : names) {
    const std::string final_path = path(name), temp = temp_path(name);
    if (fs::is_directory(final_path, error))
      throw ConfigError(fmt::format("cannot write {}: a folder of that name is in the way", final_path));
    // Opening the temporary file proves the folder takes new files (SystemC would only
    // find out at the first trace event, and not say so).
    std::FILE* f = std::fopen(temp.c_str(), "w");
    if (f == nullptr) throw ConfigError(fmt::format("cannot write {}: {}", temp, std::strerror(errno)));
    std::fclose(f);
    pending_.push_back(name);
    fs::remove(final_path, error);  // this run's file, or none
  }
}

OutputFiles::~OutputFiles() {
  std::error_code ignored;
  for (const std::string& name : pending_) fs::remove(temp_path(name), ignored);
}

std::string OutputFiles::path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

std::string OutputFiles::temp_path(const std::string& name) const {
  return (fs::path(dir_) / fmt::format(".partial-{}-{}", getpid(), name)).string();
}

void OutputFiles::commit(const std::string& name) {
  std::error_code error;
  fs::rename(temp_path(name), path(name), error);
  if (error) throw std::runtime_error(fmt::format("cannot write {}: {}", path(name), error.message()));
  pending_.erase(std::remove(pending_.begin(), pending_.end(), name), pending_.end());
}

}  // namespace flexcim
