#include "version.h"

#include "flexcim_version.h"

namespace flexcim {

std::string version() { return FLEXCIM_VERSION; }

}  // namespace flexcim
