// firmware-hello: reads who the accelerator is, programs one 2:4 GEMM job by
// hand through the generated register header, waits for it and checks Y.
#pragma once
#include "flexcim_plugin.h"

// 0: Y matches the golden GEMM; 1: job error or mismatch; 3: no 2:4 on this accelerator.
int hello(flexcim::fw::Hal& hal, const flexcim_firmware_board& board);
