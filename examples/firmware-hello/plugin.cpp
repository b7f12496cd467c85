// The same firmware as a plug-in: flexcim run SCENARIO --firmware libhello_plugin.so
#include "hello.h"

FLEXCIM_FIRMWARE_PLUGIN(hello)
