/* One generated header macro (or SHIFT/MASK, BASE/SIZE pair) next to the table
   entry it names. test_regmap_header builds the list twice from the generated
   regmap_header_check.inc, once compiled as C and once as C++, and compares both
   with the C++ table. */
#ifndef REGMAP_CHECK_ENTRY_H
#define REGMAP_CHECK_ENTRY_H

struct regmap_check_entry {
  const char* kind;          /* region, offset, reset, field or enum */
  const char* scope;         /* region, block or enum name */
  const char* name;          /* register or enum value name; "" for regions */
  const char* field;         /* field name; "" otherwise */
  unsigned long long value;  /* base, offset, reset, shift or enum value */
  unsigned long long extra;  /* region size or field mask; 0 otherwise */
};

#define REGMAP_CHECK_REGION(region, base, size) {"region", region, "", "", base, size},
#define REGMAP_CHECK_REGISTER(block, reg, offset) {"offset", block, reg, "", offset, 0},
#define REGMAP_CHECK_RESET(block, reg, reset) {"reset", block, reg, "", reset, 0},
#define REGMAP_CHECK_FIELD(block, reg, field, shift, mask) {"field", block, reg, field, shift, mask},
#define REGMAP_CHECK_ENUM(enum_name, value_name, value) {"enum", enum_name, value_name, "", value, 0},

#ifdef __cplusplus
extern "C" {
#endif
/* Defined in regmap_header_c.c. */
extern const struct regmap_check_entry regmap_c_entries[];
extern const unsigned regmap_c_entry_count;
#ifdef __cplusplus
}
#endif

#endif /* REGMAP_CHECK_ENTRY_H */
