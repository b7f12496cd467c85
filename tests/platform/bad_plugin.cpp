// Plug-ins that are wrong in one way each (tests/platform/CMakeLists.txt builds
// one per BAD_PLUGIN_* definition), for test_firmware_plugin.
#include <cstdint>

#include "flexcim_plugin.h"

#if defined(BAD_PLUGIN_NO_ENTRY)
extern "C" __attribute__((visibility("default"))) const uint32_t flexcim_firmware_abi_version =
    FLEXCIM_FIRMWARE_ABI_VERSION;
#elif defined(BAD_PLUGIN_OLD_ABI)
extern "C" __attribute__((visibility("default"))) const uint32_t flexcim_firmware_abi_version = 999;
extern "C" __attribute__((visibility("default"))) int flexcim_firmware_main(flexcim::fw::Hal*,
                                                                             const flexcim_firmware_board*) {
  return 0;
}
#elif defined(BAD_PLUGIN_BUS_ERROR)
// Reads one word past the end of DRAM: the router answers with an address error.
static int past_dram(flexcim::fw::Hal& hal, const flexcim_firmware_board& board) {
  return int(hal.read32(board.dram_base + board.dram_size));
}
FLEXCIM_FIRMWARE_PLUGIN(past_dram)
#endif
