// The program's version: the project version and the git commit it was built from
// ("0.1.0+g34f5f4b1c2d3", "-dirty" for uncommitted changes). stats.json records it.
#pragma once
#include <string>

namespace flexcim {

std::string version();

}  // namespace flexcim
