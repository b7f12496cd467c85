#include "installed.h"

#include <filesystem>

namespace flexcim {

std::string installed_share_path(const std::string& sub) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path path = exe.parent_path().parent_path() / "share/flexcim-vp" / sub;
  return fs::exists(path, ec) ? path.string() : "";
}

}  // namespace flexcim
