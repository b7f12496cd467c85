#include "requant.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "parallel.h"

namespace flexcim::fw {

namespace {
constexpr unsigned kMaxShift = 62;
constexpr double kSigmas = 4;  // int8 range = +-kSigmas standard deviations
}  // namespace

Requant requant_for_scale(double real) {
  if (!(real > 0) || !std::isfinite(real) || real >= 2147483648.0)
    throw std::invalid_argument(fmt::format("requantisation multiplier {} must be in (0, 2^31)", real));
  int exponent = 0;
  const double fraction = std::frexp(real, &exponent);  // real = fraction * 2^exponent, fraction in [0.5, 1)
  int64_t multiplier = std::llround(fraction * 2147483648.0);
  if (multiplier == 2147483648ll) {
    multiplier /= 2;
    ++exponent;
  }
  int shift = 31 - exponent;
  if (shift < 0) {  // real in [2^31 - rounding, 2^31): the multiplier alone cannot hold it
    multiplier <<= -shift;
    shift = 0;
  }
  if (shift > int(kMaxShift)) {
    multiplier >>= shift - int(kMaxShift);
    shift = kMaxShift;
  }
  if (multiplier > INT32_MAX)
    throw std::invalid_argument(fmt::format("requantisation multiplier {} must be in (0, 2^31)", real));
  return {int32_t(multiplier), unsigned(shift)};
}

int8_t requantise(int32_t acc, const Requant& q) {
  int64_t v = int64_t(acc) * q.multiplier;
  if (q.shift > 0) v = (v + (int64_t(1) << (q.shift - 1))) >> q.shift;
  return int8_t(std::clamp<int64_t>(v, -128, 127));
}

std::vector<int8_t> requantise(const std::vector<int32_t>& acc, int tokens, const std::vector<Requant>& q) {
  const size_t out = q.size();
  std::vector<int8_t> y(acc.size());
  for (size_t t = 0; t < size_t(tokens); ++t)
    for (size_t o = 0; o < out; ++o) y[t * out + o] = requantise(acc[t * out + o], q[o]);
  return y;
}

std::vector<uint8_t> encode_requant_table(const std::vector<Requant>& q) {
  std::vector<uint8_t> table(q.size() * 8, 0);
  for (size_t o = 0; o < q.size(); ++o) {
    const uint32_t m = uint32_t(q[o].multiplier);
    for (int b = 0; b < 4; ++b) table[o * 8 + b] = uint8_t(m >> (8 * b));
    table[o * 8 + 4] = uint8_t(q[o].shift);
  }
  return table;
}

std::vector<Requant> output_requant(const int8_t* w, const int8_t* x, int tokens, int in, int out) {
  std::vector<double> mean_sq(in, 0.0);
  for (int t = 0; t < tokens; ++t)
    for (int j = 0; j < in; ++j) mean_sq[j] += double(x[size_t(t) * in + j]) * x[size_t(t) * in + j] / tokens;
  std::vector<Requant> q(out);
  parallel_for(size_t(out), 64, [&](size_t lo, size_t hi) {
    for (size_t o = lo; o < hi; ++o) {
      double var = 0;
      const int8_t* row = w + o * in;
      for (int j = 0; j < in; ++j) var += double(row[j]) * row[j] * mean_sq[j];
      // A channel that can only be 0 gets the identity.
      q[o] = var > 0 ? requant_for_scale(127.0 / (kSigmas * std::sqrt(var))) : Requant{1, 0};
    }
  });
  return q;
}

}  // namespace flexcim::fw
