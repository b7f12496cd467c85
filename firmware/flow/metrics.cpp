#include "flow/metrics.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

namespace flexcim::flow {
namespace {

double outlier_threshold(const std::vector<float>& scores, double h, const char* where) {
  if (scores.empty()) throw std::invalid_argument(fmt::format("{}: scores are empty", where));
  double sum = 0;
  for (float s : scores) sum += s;
  return h * (sum / scores.size());
}

}  // namespace

double outlier_ratio_pct(const std::vector<float>& scores, double h) {
  const double threshold = outlier_threshold(scores, h, "outlier_ratio_pct");
  const auto outliers = std::count_if(scores.begin(), scores.end(), [&](float s) { return s > threshold; });
  return 100.0 * outliers / scores.size();
}

double outlier_locality(const std::vector<float>& scores, double h, size_t max_outliers) {
  const double threshold = outlier_threshold(scores, h, "outlier_locality");
  // For ascending indices x_0..x_{K-1}: sum_{a<b} (x_b - x_a) = sum_i x_i * (2i - (K-1)).
  // First pass counts K (the prefix), second accumulates; long double keeps the sum
  // exact for the default K = 10000 and any realistic block size.
  int64_t k_total = 0;
  for (size_t i = 0; i < scores.size() && static_cast<size_t>(k_total) < max_outliers; ++i)
    k_total += scores[i] > threshold;
  if (k_total < 2) return 0;
  long double distance_sum = 0;
  int64_t k = 0;
  for (size_t i = 0; k < k_total; ++i)
    if (scores[i] > threshold) distance_sum += static_cast<long double>(i) * (2 * k++ - (k_total - 1));
  const long double pairs = 0.5L * k_total * (k_total - 1);
  return static_cast<double>(pairs / distance_sum);
}

BlockMetrics block_metrics(const std::vector<float>& scores, double h) {
  return {outlier_ratio_pct(scores, h), outlier_locality(scores, h)};
}

std::vector<double> minmax01(const std::vector<double>& v) {
  if (v.empty()) return {};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const double low = *lo, range = *hi - *lo;
  std::vector<double> out(v.size(), 0.0);
  if (range > 0)
    for (size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - low) / range;
  return out;
}

}  // namespace flexcim::flow
