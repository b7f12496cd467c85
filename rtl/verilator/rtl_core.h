// A Verilated macro (rtl/flexcim_macro.sv, rtl/flexcim_dense_macro.sv) seen at
// its ports, one clock cycle at a time, whatever geometry it was built for.
// Verilator fixes P, R and C when it builds a model, so the build Verilates a
// list of geometries (rtl/CMakeLists.txt) and builds() says which.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace flexcim::rtl {

class Core {
 public:
  virtual ~Core() = default;

  // One clock edge with the synchronous reset high: empties the pipeline.
  virtual void reset() = 0;

  // Inputs for the next clock edge. Indices follow the tile record: cell
  // (r, j, col) of a beat and select (r, j) at r*P + j; the dense macro's
  // physical row q = r*P + j. No beat: en = false. A dense record's beats
  // (dense) carry no metadata and put FlexCiM in dense mode.
  virtual void write(bool en, unsigned col, const int8_t* weight, const uint8_t* meta, bool dense) = 0;
  // Loads the select registers with the next edge (FlexCiM, sparse records).
  virtual void write_selects(bool en, const uint8_t* l1_pair, const uint8_t* l2_source) = 0;
  // A token on the input bus: FlexCiM R*P*8 bytes (row r, bus group i, pair k,
  // element e at ((r*P+i)*4+k)*2+e), dense R*P bytes (row q at q).
  virtual void token(bool valid, const uint8_t* bus) = 0;

  virtual void tick() = 0;  // one rising clock edge

  // The output register, as it is until the next edge.
  virtual bool out_valid() const = 0;
  virtual void out_sums(int32_t* sums) const = 0;  // C values
};

struct Build {
  bool dense = false;  // flexcim_dense_macro, else flexcim_macro
  unsigned submacros = 0, rows = 0, cols = 0;
};

// The geometries this build Verilated (empty without Verilator).
const std::vector<Build>& builds();
// A fresh model of one of them, or nullptr.
std::unique_ptr<Core> make_core(const Build& build);

}  // namespace flexcim::rtl
