/* The generated header compiled as C11 with -pedantic-errors -Werror; the check
   entries it yields are compared with the table by test_regmap_header.cpp. */
#include "flexcim_regs.h"
#include "flexcim_regs.h" /* the include guard makes a second inclusion harmless */
#include "regmap_check_entry.h"

const struct regmap_check_entry regmap_c_entries[] = {
#include "regmap_header_check.inc"
};
const unsigned regmap_c_entry_count = sizeof regmap_c_entries / sizeof regmap_c_entries[0];
