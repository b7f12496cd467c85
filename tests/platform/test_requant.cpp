// The firmware's requantisation: the integer arithmetic the accelerator must
// match bit for bit, the records it encodes, and the scales it chooses.
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "requant.h"
#include "runtime.h"

namespace flexcim::fw {
namespace {

TEST(Requant, RoundsHalfUpWithAnArithmeticShiftAndClamps) {
  EXPECT_EQ(requantise(5, {1, 1}), 3);     // 2.5 -> 3
  EXPECT_EQ(requantise(-5, {1, 1}), -2);   // -2.5 -> -2 (half up)
  EXPECT_EQ(requantise(-6, {1, 1}), -3);
  EXPECT_EQ(requantise(3, {1, 2}), 1);     // 0.75 -> 1
  EXPECT_EQ(requantise(-3, {1, 2}), -1);   // -0.75 -> -1
  EXPECT_EQ(requantise(7, {3, 0}), 21);    // shift 0: no rounding term
  EXPECT_EQ(requantise(200, {1, 0}), 127);
  EXPECT_EQ(requantise(-200, {1, 0}), -128);
  EXPECT_EQ(requantise(100, {-1, 0}), -100);
  // Extremes: |acc * multiplier| < 2^62, no overflow.
  EXPECT_EQ(requantise(INT32_MIN, {INT32_MIN, 62}), 1);   // 2^62 / 2^62
  EXPECT_EQ(requantise(INT32_MAX, {INT32_MAX, 62}), 1);   // ~(2^62 - 2^32) / 2^62 rounds to 1
  EXPECT_EQ(requantise(INT32_MIN, {INT32_MAX, 62}), -1);
}

TEST(Requant, ScaleBecomesA31BitMultiplierAndAShift) {
  EXPECT_EQ(requant_for_scale(0.5).multiplier, 1 << 30);
  EXPECT_EQ(requant_for_scale(0.5).shift, 31u);
  EXPECT_EQ(requant_for_scale(1.0).multiplier, 1 << 30);
  EXPECT_EQ(requant_for_scale(1.0).shift, 30u);
  for (double r : {1e-9, 3.7e-5, 0.001234, 0.3, 7.5, 12345.678}) {
    const Requant q = requant_for_scale(r);
    EXPECT_GE(q.multiplier, 1 << 30) << r;
    EXPECT_NEAR(double(q.multiplier) / std::ldexp(1.0, int(q.shift)), r, r * 1e-9) << r;
  }
  // Too small for the largest shift: the multiplier shrinks instead.
  const Requant tiny = requant_for_scale(1e-15);
  EXPECT_EQ(tiny.shift, 62u);
  EXPECT_NEAR(double(tiny.multiplier) / std::ldexp(1.0, 62), 1e-15, 1e-15 * 1e-3);
  for (double bad : {0.0, -1.0, 2147483648.0, std::nan(""), HUGE_VAL})
    EXPECT_THROW(requant_for_scale(bad), std::invalid_argument) << bad;
}

// docs/weight-format.md: int32 multiplier little-endian, shift, three zero bytes.
TEST(Requant, TableHoldsEightBytesPerChannel) {
  const std::vector<uint8_t> t = encode_requant_table({{0x12345678, 40}, {-2, 0}});
  EXPECT_EQ(t, (std::vector<uint8_t>{0x78, 0x56, 0x34, 0x12, 40, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}));
}

// The firmware's scales put +-127 at 4 standard deviations: outputs use the
// int8 range (standard deviation ~32) and almost none saturate.
TEST(Requant, FirmwareScalesSpanTheInt8Range) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(-127, 127);
  const int tokens = 16, in = 512, out = 64;
  std::vector<int8_t> w(size_t(out) * in), x(size_t(tokens) * in);
  for (int8_t& v : w) v = int8_t(byte(rng));
  for (int8_t& v : x) v = int8_t(byte(rng) / 4);
  const std::vector<Requant> q = output_requant(w.data(), x.data(), tokens, in, out);
  const std::vector<int8_t> y = requantise(reference_gemm(x.data(), w.data(), tokens, in, out), tokens, q);
  double sq = 0;
  size_t saturated = 0;
  for (int8_t v : y) {
    sq += double(v) * v;
    saturated += v == 127 || v == -128;
  }
  const double rms = std::sqrt(sq / double(y.size()));
  EXPECT_GT(rms, 20.0);
  EXPECT_LT(rms, 45.0);
  EXPECT_LT(saturated, y.size() / 100);
  // A channel whose weights are all zero gets a harmless record.
  std::fill(w.begin(), w.begin() + in, int8_t(0));
  EXPECT_EQ(output_requant(w.data(), x.data(), tokens, in, out)[0].shift, 0u);
}

}  // namespace
}  // namespace flexcim::fw
