#include "tile_record.h"

#include "macro.h"

namespace flexcim {

int64_t decode_selects(const uint8_t* record, const MacroGeometry& g, bool dense_record, RowMapping mapping,
                       SelectRegisters& selects) {
  const unsigned P = g.submacros, rows = g.rows * P;
  selects.l1_pair.resize(rows);
  selects.l2_source.resize(rows);
  for (unsigned rj = 0; rj < rows; ++rj) {
    const unsigned j = rj % P;
    const unsigned pair = dense_record ? j / 2 : record[rj] & 0x3u;
    const unsigned source = dense_record ? j : record[rj] >> 2u;
    // Only the pairs of one group exist on a bus group, and only P level-1 outputs.
    if (pair >= mapping.m / 2 || source >= P) return rj;
    selects.l1_pair[rj] = uint8_t(pair);
    selects.l2_source[rj] = uint8_t(source);
  }
  return -1;
}

void decode_column(const uint8_t* record, const MacroGeometry& g, bool dense_record, unsigned col, int8_t* weight,
                   uint8_t* meta) {
  const uint8_t* weights = dense_record ? record : record + g.select_bytes();
  const unsigned rows = g.rows * g.submacros;
  for (unsigned rj = 0; rj < rows; ++rj) {
    const uint64_t cell = uint64_t(rj) * g.cols + col;
    weight[rj] = int8_t(weights[cell]);
    meta[rj] = dense_record ? (rj % g.submacros) % 2 : (weights[g.weight_bytes() + cell / 8] >> (cell % 8)) & 1u;
  }
}

}  // namespace flexcim
