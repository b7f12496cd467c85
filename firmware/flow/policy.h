#pragma once
// How every block gets its N:M pattern: dense, one pattern everywhere (uniform),
// OWL-style (M fixed, N from the outlier ratio) or FLOW (DESIGN.md section 1).
// Model-independent: the caller supplies the blocks' outlier metrics.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flow/metrics.h"
#include "flow/selection.h"
#include "nm/pattern.h"

namespace flexcim::flow {

enum class PolicyKind { Dense, Uniform, Owl, Flow };

struct Policy {
  PolicyKind kind = PolicyKind::Dense;
  nm::Pattern uniform_pattern;  // Uniform only

  // "dense", "uniform:N:M", "owl" or "flow"; throws std::invalid_argument otherwise.
  static Policy parse(std::string_view text);
  std::string str() const;  // the form parse accepts
};

// FLOW's reference candidates: 2:4, 4:4, 2:8, 4:8, 8:8.
std::vector<nm::Pattern> default_candidates();

// How FLOW treats the blocks held dense:
//   FreeBlocks  they are left out of the solve; the target is met exactly by the others
//   Reference   as the authors' code: solve over all blocks, then force the held blocks
//               dense, so the achieved sparsity ends up below the target
enum class FlowMode { FreeBlocks, Reference };

// "free-blocks" or "reference"; throws std::invalid_argument otherwise.
FlowMode parse_flow_mode(std::string_view text);
const char* flow_mode_name(FlowMode mode);

struct PolicyOptions {
  double sparsity = 0.5;  // owl, flow: target mean sparsity of the blocks not held dense
  std::optional<std::vector<int>> dense_blocks;  // held dense; unset = first and last block
  // FLOW, DESIGN.md defaults.
  double flow_h = 0.5;
  double alpha = 1.0;
  double beta = 4.0;
  FlowMode flow_mode = FlowMode::FreeBlocks;
  std::vector<nm::Pattern> candidates = default_candidates();
  // OWL-style baseline: M = owl_m with the candidates' N for that M; OWL paper's
  // outlier multiplier and lambda.
  double owl_h = 5.0;
  double owl_lambda = 0.08;
  int owl_m = 8;
};

// The dense blocks `options` asks for in a model of n_blocks.
std::vector<int> dense_blocks(const PolicyOptions& options, int n_blocks);

// Outlier ratio and locality of every block at multiplier h.
using MetricsAt = std::function<std::vector<BlockMetrics>(double h)>;

// One pattern per block. Throws InfeasibleTarget (naming the nearest achievable
// targets) or std::invalid_argument for options the policy cannot use.
Selection select_patterns(const Policy& policy, const PolicyOptions& options, int n_blocks,
                          const MetricsAt& metrics);

}  // namespace flexcim::flow
