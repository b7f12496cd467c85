// Firmware plug-ins: `flexcim run SCENARIO --firmware libmyfw.so` loads a shared
// library and runs its entry point on the host CPU model instead of the
// built-in workload runner. The plug-in sees the hardware only through the HAL
// (registers and memory) and the board description, as firmware on silicon would.
//
//   #include "flexcim_plugin.h"
//   static int my_firmware(flexcim::fw::Hal& hal, const flexcim_firmware_board& board) { ...; return 0; }
//   FLEXCIM_FIRMWARE_PLUGIN(my_firmware)
//
// Return 0 for success; anything else (or an exception) makes `flexcim run`
// exit 1. The ABI version changes whenever the Hal class, the board struct or
// the entry point's signature does; flexcim refuses a plug-in built for another.
#pragma once
#include <cstdint>

#include "hal.h"

#define FLEXCIM_FIRMWARE_ABI_VERSION 1u

extern "C" {

// Where things are on this board (the scenario's platform section).
struct flexcim_firmware_board {
  uint64_t accelerator_base;   // FlexCiM register block (flexcim_regs.h offsets)
  uint64_t dram_base;          // DRAM window the DMA may address
  uint64_t dram_size;          // bytes
  uint32_t wait_for_interrupt; // 1: platform.wait = interrupt; 0: poll STATUS
  double poll_interval_ns;     // platform.poll_interval_ns
};

typedef int (*flexcim_firmware_main_fn)(flexcim::fw::Hal* hal, const struct flexcim_firmware_board* board);

}  // extern "C"

#define FLEXCIM_FIRMWARE_PLUGIN(function)                                                                    \
  extern "C" __attribute__((visibility("default"))) const uint32_t flexcim_firmware_abi_version =             \
      FLEXCIM_FIRMWARE_ABI_VERSION;                                                                          \
  extern "C" __attribute__((visibility("default"))) int flexcim_firmware_main(                               \
      flexcim::fw::Hal* hal, const struct flexcim_firmware_board* board) {                                   \
    return function(*hal, *board);                                                                           \
  }
