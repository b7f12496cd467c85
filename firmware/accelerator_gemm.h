// The pruned model's int8 linear layers on the FlexCiM accelerator: each layer
// is packed and placed in DRAM the first time it is used; every call then moves
// the activations in, runs one job, reads the int32 results back and compares
// every one with the host's golden GEMM (reference_gemm). Same
// Int8Gemm interface as the host path, so the same forward pass runs on either
// and the logits are bit-identical. The outputs stay int32 (JOB_FLAGS.OUT_INT8
// clear): the model dequantises each accumulator with its per-token activation
// and per-channel weight scales into the float residual stream (llm/quant.h), and
// an int8 step there would change the model, not just where it runs.
#pragma once
#include <map>

#include "flexcim_driver.h"
#include "llm/quant.h"
#include "runtime.h"

namespace flexcim::fw {

class AcceleratorGemm : public llm::Int8Gemm {
 public:
  AcceleratorGemm(Hal& hal, const BoardInfo& board, WaitMode wait, double poll_interval_ns);

  void run(const llm::QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) override;

  uint64_t jobs() const { return jobs_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t outputs_checked() const { return outputs_checked_; }
  uint64_t mismatches() const { return mismatches_; }

 private:
  struct Placement {
    uint64_t w_addr = 0, w_bytes = 0;
    nm::Pattern executed;
    bool dense_tiles = false;
  };
  const Placement& place(const llm::QuantLayer& layer);
  uint64_t allocate(uint64_t bytes);

  Hal& hal_;
  BoardInfo board_;
  FlexcimDriver driver_;
  Capabilities caps_;
  std::map<const llm::QuantLayer*, Placement> placed_;
  uint64_t next_free_;
  uint64_t jobs_ = 0, cycles_ = 0;
  uint64_t outputs_checked_ = 0, mismatches_ = 0;
};

}  // namespace flexcim::fw
