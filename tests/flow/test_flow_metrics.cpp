// FLOW block metrics: outlier ratio, outlier locality and min-max normalisation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flow/metrics.h"

namespace {

using namespace flexcim::flow;

// Zeros with value 10 at the given indices.
std::vector<float> spikes(size_t size, const std::vector<size_t>& at) {
  std::vector<float> s(size, 0.0f);
  for (size_t i : at) s[i] = 10.0f;
  return s;
}

TEST(OutlierRatio, CountsScoresStrictlyAboveHTimesMean) {
  // mean 2.5, h 0.5 -> threshold 1.25: the 3 spikes of 12 scores.
  EXPECT_DOUBLE_EQ(outlier_ratio_pct(spikes(12, {1, 4, 10}), 0.5), 25.0);
  // mean 1.5: h 1 -> only the 5 is above; h 0.5 -> all 8.
  const std::vector<float> s = {1, 1, 1, 1, 1, 1, 1, 5};
  EXPECT_DOUBLE_EQ(outlier_ratio_pct(s, 1.0), 12.5);
  EXPECT_DOUBLE_EQ(outlier_ratio_pct(s, 0.5), 100.0);
  // Equal to the threshold is not an outlier.
  EXPECT_DOUBLE_EQ(outlier_ratio_pct(std::vector<float>(5, 2.0f), 1.0), 0.0);
}

TEST(OutlierLocality, HandComputedMeanPairwiseDistance) {
  // Indices {1, 4, 10}: distances 3, 9, 6 -> mean 6.
  EXPECT_DOUBLE_EQ(outlier_locality(spikes(12, {1, 4, 10}), 0.5), 1.0 / 6.0);
  // Two outliers: 1 / their distance.
  EXPECT_DOUBLE_EQ(outlier_locality(spikes(20, {3, 11}), 0.5), 1.0 / 8.0);
}

TEST(OutlierLocality, UsesOnlyTheFirstKOutliers) {
  const auto s = spikes(200, {1, 4, 10, 100});
  EXPECT_DOUBLE_EQ(outlier_locality(s, 0.5, 3), 1.0 / 6.0);
  // All four: 3 + 9 + 99 + 6 + 96 + 90 = 303 over 6 pairs.
  EXPECT_DOUBLE_EQ(outlier_locality(s, 0.5, 4), 6.0 / 303.0);
  EXPECT_DOUBLE_EQ(outlier_locality(s, 0.5), 6.0 / 303.0);
}

TEST(OutlierLocality, ZeroWithFewerThanTwoOutliers) {
  EXPECT_EQ(outlier_locality(spikes(10, {7}), 0.5), 0.0);
  EXPECT_EQ(outlier_locality(std::vector<float>(10, 1.0f), 1.0), 0.0);
  EXPECT_EQ(outlier_locality(spikes(10, {2, 7}), 0.5, 1), 0.0);
}

TEST(OutlierLocality, ClosedFormEqualsPairwiseBruteForce) {
  std::mt19937 rng(17);
  std::exponential_distribution<float> dist(1.0f);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> s(3000);
    for (float& v : s) v = dist(rng);
    const double h = 1.0 + trial % 4;
    const size_t cap = trial % 2 ? 250 : 100000;
    double mean = 0;
    for (float v : s) mean += v;
    mean /= s.size();
    std::vector<size_t> idx;
    for (size_t i = 0; i < s.size() && idx.size() < cap; ++i)
      if (s[i] > h * mean) idx.push_back(i);
    ASSERT_GE(idx.size(), 2u);
    double sum = 0;
    for (size_t a = 0; a < idx.size(); ++a)
      for (size_t b = a + 1; b < idx.size(); ++b) sum += static_cast<double>(idx[b] - idx[a]);
    const double expected = (idx.size() * (idx.size() - 1) / 2.0) / sum;
    EXPECT_NEAR(outlier_locality(s, h, cap), expected, 1e-12 * expected) << "trial " << trial;
  }
}

TEST(BlockMetrics, CombinesRatioAndLocality) {
  const auto m = block_metrics(spikes(12, {1, 4, 10}), 0.5);
  EXPECT_DOUBLE_EQ(m.outlier_ratio_pct, 25.0);
  EXPECT_DOUBLE_EQ(m.locality, 1.0 / 6.0);
}

TEST(Metrics, EmptyScoresThrow) {
  EXPECT_THROW(outlier_ratio_pct({}, 0.5), std::invalid_argument);
  EXPECT_THROW(outlier_locality({}, 0.5), std::invalid_argument);
}

TEST(MinMax01, ScalesToUnitRangeAndMapsAllEqualToZero) {
  EXPECT_EQ(minmax01({2, 4, 6, 3}), (std::vector<double>{0, 0.5, 1, 0.25}));
  EXPECT_EQ(minmax01({3, 3, 3}), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(minmax01({7}), (std::vector<double>{0}));
  EXPECT_TRUE(minmax01({}).empty());
}

}  // namespace
