#pragma once
// Layer-wise N:M selection: FLOW (DESIGN.md section 1 step 6) and the uniform and
// OWL-style baselines. All three solve "one pattern per block, mean sparsity == target"
// exactly by dynamic programming over (block, accumulated sparsity in units of 1/lcm(M)).
//
// Blocks in dense_blocks are held dense and excluded from the objective, the
// normalisation of the metrics and the target: the target is the mean sparsity of the
// free blocks (sparsity_free); sparsity_all also counts the dense blocks as 0.
//
// Ties: among assignments whose objective is equal (within 1e-9), the one that picks
// the earliest candidate (in the given candidate order) for the first block, then for
// the second, and so on, wins.

#include <stdexcept>
#include <vector>

#include "flow/metrics.h"
#include "nm/pattern.h"

namespace flexcim::flow {

struct SelectionProblem {
  std::vector<BlockMetrics> blocks;
  std::vector<nm::Pattern> candidates;  // e.g. 2:4 4:4 2:8 4:8 8:8
  double target_sparsity = 0.5;         // mean over the blocks NOT held dense
  double alpha = 1.0, beta = 4.0;
  std::vector<int> dense_blocks;  // held dense as Pattern{Mmax, Mmax}, Mmax = max candidate M
};

struct Selection {
  std::vector<nm::Pattern> patterns;  // one per block
  double objective = 0;      // FLOW: sum over free blocks of alpha|N - O*Nmax| + beta|M - (1-D)*Mmax| (O, D min-max normalised over the free blocks); OWL: sum |sparsity_i - s_i|; flow-cost: the predicted loss; uniform: 0
  double sparsity_free = 0;  // mean sparsity of free blocks (== target)
  double sparsity_all = 0;   // mean sparsity over all blocks, dense ones included
  double cost = 0, budget = 0;  // flow-cost: the assignment's predicted cost and the budget (cycles or pJ)
};

// The target cannot be met exactly; nearest() holds the nearest achievable targets below
// and above it (one of them when the target is outside the achievable range).
class InfeasibleTarget : public std::runtime_error {
 public:
  InfeasibleTarget(double target, std::vector<double> nearest);
  double target() const { return target_; }
  const std::vector<double>& nearest() const { return nearest_; }

 private:
  double target_;
  std::vector<double> nearest_;
};

// Throws InfeasibleTarget, or std::invalid_argument for malformed problems (no candidates,
// duplicate candidates, bad dense block index, no free block, target outside [0, 1]).
Selection select_flow(const SelectionProblem& problem);

// OWL-style baseline: M fixed; per free block target s_i = target - owl_lambda * (O_i - mean(O))
// with O min-max normalised over the free blocks, then N_i from supported_n minimising
// sum |sparsity(N_i:M) - s_i| subject to mean == target (same exact DP). The chosen
// sparsities are finally handed out in outlier order (more outliers -> N not smaller),
// which keeps the sum optimal because |x - y| is a Monge cost. Dense blocks get M:M.
Selection select_owl(const std::vector<BlockMetrics>& blocks, int m,
                     const std::vector<int>& supported_n, double target,
                     double owl_lambda = 0.08, const std::vector<int>& dense_blocks = {});

// Pattern p on every block, M:M (p.m) on the dense ones.
Selection select_uniform(size_t n_blocks, nm::Pattern p, const std::vector<int>& dense_blocks = {});

// Throws std::invalid_argument naming `where` for no candidates, an invalid or a repeated one.
void check_candidates(const std::vector<nm::Pattern>& candidates, const char* where);

// Every mean sparsity n_free_blocks blocks can reach with these candidates, sorted ascending.
std::vector<double> achievable_targets(const std::vector<nm::Pattern>& candidates,
                                       size_t n_free_blocks);

}  // namespace flexcim::flow
