// Output requantisation: the accelerator turns each int32 accumulator into int8
// with its output channel's integer multiplier and shift (docs/weight-format.md,
// "Requantisation table"), so the result is bit-exact and the firmware's golden
// model below computes the same bytes.
#pragma once
#include <cstdint>
#include <vector>

namespace flexcim::fw {

struct Requant {
  int32_t multiplier = 0;
  unsigned shift = 0;  // 0..62
};

// The record nearest to y = acc * real_multiplier (> 0): a 31-bit multiplier and a
// shift, or the largest shift (62) with a smaller multiplier for tiny scales.
// Throws std::invalid_argument for a multiplier that is not positive and finite or
// is 2^31 and more.
Requant requant_for_scale(double real_multiplier);

// Golden model: clamp((acc * multiplier + 2^(shift-1)) >> shift, -128, 127), the
// shift arithmetic (towards -inf), no rounding term for shift 0.
int8_t requantise(int32_t acc, const Requant& q);
// acc [tokens][out] with one record per output channel.
std::vector<int8_t> requantise(const std::vector<int32_t>& acc, int tokens, const std::vector<Requant>& q);

// The table JOB_Q_ADDR points at: 8 bytes per channel.
std::vector<uint8_t> encode_requant_table(const std::vector<Requant>& q);

// Output scales for a synthetic layer: +-127 spans 4 standard deviations of each
// channel's accumulator, estimated from the int8 weights and the activations the
// firmware sends (sigma_o^2 = sum_j W[o][j]^2 * mean_t x[t][j]^2).
std::vector<Requant> output_requant(const int8_t* w, const int8_t* x, int tokens, int in, int out);

}  // namespace flexcim::fw
