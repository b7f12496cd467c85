// Where an installed flexcim keeps its data: a program in <prefix>/bin finds
// <prefix>/share/flexcim-vp/ (cmake/FlexcimInstall.cmake puts it there).
#pragma once
#include <string>

namespace flexcim {

// <prefix>/share/flexcim-vp/<sub> when the running program lives in <prefix>/bin
// and that path exists; else "" (a build tree, or a program elsewhere).
std::string installed_share_path(const std::string& sub);

}  // namespace flexcim
