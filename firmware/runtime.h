// The firmware's workload runner: for every layer it prunes (Wanda scores, for
// the layer's N:M), packs, places the tensors in DRAM, programs the accelerator,
// waits, reads the outputs back and compares every element with the golden
// result it computes on the host from the same pruned int8 weights (requantised
// to int8 with the same per-channel records as the accelerator, by default).
//
// Timing-only (Workload::timing_only): the same N:M selection and the same jobs
// at the same addresses, without making, pruning, packing, computing or checking
// tensors. What a job costs depends on the shapes and the executed pattern, not
// on the values, with two exceptions that do need data, which it then computes:
// FLOW/OWL selection (Wanda statistics of the synthetic weights) and a layer
// whose pattern the hardware does not advertise (which denser pattern holds the
// mask depends on the mask). Kept weights follow from the shape: hardware-aware
// N:M keeps min(N, group length) per row and group of M inputs.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flexcim_driver.h"
#include "hal.h"
#include "weight_packer.h"
#include "workload.h"

namespace flexcim::fw {

// Where things are, as a device tree would say.
struct BoardInfo {
  uint64_t accelerator_base = 0;
  uint64_t dram_base = 0, dram_size = 0;
};

struct LayerReport {
  std::string name;
  int block = 0;
  int in_features = 0, out_features = 0, tokens = 0;
  nm::Pattern requested{1, 1};  // the workload's N:M
  nm::Pattern pruned_to{1, 1};  // what the weights were pruned to (requested, or the hardware's own pattern)
  nm::Pattern executed{1, 1};   // what the hardware ran: pruned_to, or the closest denser supported pattern
  uint64_t kept_weights = 0;
  double score_total = 0;              // sum of the layer's Wanda scores
  double score_kept = 0;               // ... kept by the (hardware-aware) mask
  double score_kept_unconstrained = 0; // ... kept by unconstrained per-row N:M at the requested N:M
  uint64_t weight_stream_bytes = 0;
  bool out_int8 = false;        // Y came back requantised to int8
  JobStatus status;
  bool scored = true;           // score_* computed (false in timing-only, where no mask is made)
  bool checked = true;          // outputs compared with the golden model (false in timing-only)
  uint64_t outputs_checked = 0, mismatches = 0;
  bool golden_match = false;
};

// The firmware's layer-wise N:M selection (workload.sparsity), per block.
struct BlockSelection {
  int block = 0;
  flow::BlockMetrics metrics;  // raw outlier ratio (%) and locality of the block's Wanda scores
  nm::Pattern pattern;
};
struct SparsityReport {
  std::string policy;
  double h = 0;                 // outlier multiplier the metrics were computed with
  double target = 0;
  std::vector<nm::Pattern> candidates;
  std::vector<int> dense_blocks;
  std::vector<BlockSelection> blocks;
  double objective = 0, sparsity_free = 0, sparsity_all = 0;
};

struct RunReport {
  Capabilities caps;
  std::vector<LayerReport> layers;
  std::optional<SparsityReport> sparsity;
  bool timing_only = false;
  bool golden_match() const;
  uint64_t outputs_checked() const;
  bool jobs_ok() const;  // every job ended without an error status
};

class Runtime {
 public:
  Runtime(Hal& hal, const BoardInfo& board, WaitMode wait, double poll_interval_ns);

  RunReport run(const Workload& workload);
  // The same, filling `report` layer by layer: what was done survives an interrupted run.
  void run(const Workload& workload, RunReport& report);


 private:
  // Chooses every block's N:M from the workload's weights and calibration statistics.
  // mean_sq: every layer's calibration statistics (Wanda), in workload order.
  SparsityReport select(const Capabilities& caps, const Workload& workload,
                        const std::vector<std::vector<float>>& mean_sq) const;
  // scores: Wanda pruning scores [out][in].
  LayerReport run_layer(const Capabilities& caps, const Workload& workload, const LayerSpec& layer,
                        const LayerTensors& tensors, const std::vector<float>& scores);
  // Timing-only: the layer's job from its shape and pattern (its mask when
  // `scores` is given: a pattern the hardware does not advertise).
  LayerReport run_layer_timing(const Capabilities& caps, const Workload& workload, const LayerSpec& layer,
                               const std::vector<float>* scores);
  // Lays the layer out in DRAM (weights, activations, outputs, requantisation
  // table), loads what is given (timing-only gives nothing) and runs its job.
  JobStatus run_job(const LayerSpec& layer, const LayerReport& r, TileFormat format, const uint8_t* stream,
                    const int8_t* activations, const uint8_t* q_table, uint64_t q_bytes, uint64_t& y_addr);

  Hal& hal_;
  BoardInfo board_;
  FlexcimDriver driver_;
};

// A pruned layer packed for this hardware and the pattern it will execute with:
// the requested one if supported, else the sparsest supported pattern at least
// as dense whose shared-select rule holds the mask, else dense. A mask that breaks
// the rule of every candidate throws nm::NotExecutable before anything is programmed.
// Dense layers are packed as dense tile records.
struct PackedLayer {
  std::vector<uint8_t> stream;
  nm::Pattern executed{1, 1};
  TileFormat format = TileFormat::Sparse;
};
PackedLayer pack_for_hardware(const Capabilities& caps, const int8_t* weights, const std::vector<uint8_t>& mask,
                              int out, int in, nm::Pattern requested);
// The pattern pack_for_hardware would execute the mask with, without packing.
nm::Pattern executable_pattern(const Capabilities& caps, const std::vector<uint8_t>& mask, int out, int in,
                               nm::Pattern requested);
// Weights a hardware-aware N:M mask keeps: min(N, group length) per row and group (all for dense).
uint64_t nm_kept_weights(int out, int in, nm::Pattern p);

// What a layer's weights are pruned to: its pattern, or with PruneTarget::Supported the hardware's own.
nm::Pattern pruned_pattern(const Capabilities& caps, const Workload& workload, const LayerSpec& layer);

// The sparsest pattern the hardware advertises at least as dense as `requested`:
// requested itself if advertised, else the sparsest denser one, else dense (P:P).
nm::Pattern supported_pattern(const Capabilities& caps, nm::Pattern requested);

// int32 Y[t][o] = sum_j X[t][j] * W[o][j]: the golden reference.
std::vector<int32_t> reference_gemm(const int8_t* x, const int8_t* w, int tokens, int in, int out);

}  // namespace flexcim::fw
