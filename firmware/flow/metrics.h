#pragma once
// Per-block outlier statistics FLOW selects patterns from (DESIGN.md section 1, steps 3-5).
// `scores` is one transformer block's flat concatenated Wanda scores.

#include <cstddef>
#include <vector>

namespace flexcim::flow {

// 100 * #(s > h * mean(s)) / #s. Empty scores throw std::invalid_argument.
double outlier_ratio_pct(const std::vector<float>& scores, double h);

// 1 / mean pairwise |idx_a - idx_b| over the first max_outliers outlier indices (a
// contiguous prefix in index order), computed in O(K) over the sorted indices; 0 when
// there are fewer than 2 outliers. Higher = more clustered.
double outlier_locality(const std::vector<float>& scores, double h,
                        size_t max_outliers = 10000);

struct BlockMetrics {
  double outlier_ratio_pct = 0;
  double locality = 0;
};

BlockMetrics block_metrics(const std::vector<float>& scores, double h);

// Min-max scaling to [0, 1]. All-equal input (including a single value) maps to all 0.
std::vector<double> minmax01(const std::vector<double>& v);

}  // namespace flexcim::flow
