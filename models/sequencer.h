// The accelerator's controller: checks a job descriptor, tiles the layer onto
// the macros and buffers, and drives DMA and macros until the outputs are in
// DRAM. Order of work (weight-stationary per token chunk):
//
//   for each chunk of tokens that fits the activation and output buffers:
//     DMA the chunk's activations into the activation buffer
//     for each group of K output tiles (one per macro):
//       for each input tile: a "wave" = the K tiles' weight records, prefetched
//         into free weight-buffer slots while earlier waves compute;
//         every macro writes its tile and streams the chunk's tokens,
//         accumulating into the output buffer
//       DMA the finished outputs to DRAM (int32, or requantised to int8 with the
//       group's per-channel records, read from DRAM while the group computes)
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>

#include "dma.h"
#include "macro.h"
#include "sram_buffer.h"

namespace flexcim {

struct Job {
  uint32_t tokens = 0, in_features = 0, out_features = 0;
  uint32_t n = 0, m = 0;
  uint32_t w_addr = 0, w_bytes = 0, x_addr = 0, y_addr = 0;
  bool dense_tiles = false;  // JOB_FLAGS.DENSE_TILES: weight-only tile records
  bool out_int8 = false;     // JOB_FLAGS.OUT_INT8: requantise Y with the records at q_addr
  uint32_t q_addr = 0;
};

// One output channel's requantisation record (docs/weight-format.md): 8 bytes,
// int32 multiplier, shift, three reserved zero bytes.
struct RequantRecord {
  static constexpr unsigned kBytes = 8, kMaxShift = 62;
  int32_t multiplier = 0;
  unsigned shift = 0;
  // False when the shift is out of range or a reserved byte is set.
  static bool decode(const uint8_t* bytes, RequantRecord& record);
  // clamp((acc * multiplier + 2^(shift-1)) >> shift, -128, 127); no rounding term for shift 0.
  int8_t apply(int32_t acc) const;
};

struct JobOutcome {
  uint32_t error = 0;       // FLEXCIM_ERR_*
  uint32_t error_info = 0;  // ERR_INFO register
  uint64_t cycles = 0;
};

class Sequencer : public sc_core::sc_module {
 public:
  enum State : unsigned { Idle, Check, LoadActivations, Compute, StoreOutputs, Done, Failed };

  struct Params {
    MacroKind kind = MacroKind::FlexCiM;
    MacroGeometry geometry;
    uint32_t patterns = 0;   // CAP_PATTERNS bits
    uint64_t dram_base = 0, dram_size = 0;
    bool timing_only = false;  // move and compute no data: the same cycles and actions
  };

  sc_core::sc_signal<unsigned> state;

  Sequencer(sc_core::sc_module_name name, const Params& params, Dma& dma, SramBuffer& wbuf, SramBuffer& abuf,
            SramBuffer& obuf, std::vector<MacroModel*> macros, sc_core::sc_time clock, EnergyCounts& energy);

  // Runs a job to completion (or to its first error) on the calling thread.
  JobOutcome execute(const Job& job);

  // Packed weight-stream size for a layer (docs/weight-format.md).
  uint64_t weight_stream_bytes(uint32_t in_features, uint32_t out_features, RowMapping mapping, bool dense) const;

 private:
  struct Plan;
  JobOutcome check(const Job& job, Plan& plan) const;
  JobOutcome run(const Job& job, const Plan& plan);
  // Requantises a finished group's sums and queues them for DRAM; QUANT error on a bad record.
  JobOutcome store_int8(const Job& job, const int32_t* acc, uint64_t row_stride, uint64_t t0, uint64_t tokens,
                        uint64_t first_col, uint64_t cols, Dma::Ticket& last_store);
  bool pattern_supported(uint32_t n, uint32_t m) const;

  Params p_;
  Dma& dma_;
  SramBuffer &wbuf_, &abuf_, &obuf_;
  std::vector<MacroModel*> macros_;
  sc_core::sc_time clock_;
  EnergyCounts& energy_;
  std::vector<uint8_t> qrecords_;  // requantisation records of the current group's K x C channels
  std::vector<uint8_t> y8_;        // one token's requantised outputs on their way to the DMA
};

}  // namespace flexcim
