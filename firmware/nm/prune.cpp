#include "nm/prune.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "parallel.h"

namespace flexcim::nm {
namespace {

// Geometry shared by pruning and planning: rows x inputs cut into groups of m inputs.
struct Shape {
  int out, in, m;
  int groups() const { return (in + m - 1) / m; }
  size_t at(int row, int input) const { return static_cast<size_t>(row) * in + input; }
  int group_begin(int g) const { return g * m; }
  int group_end(int g) const { return std::min(in, (g + 1) * m); }
};

Shape checked_shape(const char* where, int out, int in, Pattern p) {
  p.validate(where);
  if (out < 1 || in < 1)
    throw std::invalid_argument(fmt::format("{}: matrix shape {}x{} (out x in) must be at least 1x1", where, out, in));
  return {out, in, p.m};
}

void check_pairs(const char* where, Pattern p, int col_block) {
  if (p.m % 2 != 0)
    throw std::invalid_argument(fmt::format(
        "{}: pattern {} has odd M; FlexCiM groups inputs in pairs, so M must be even", where, p.str()));
  if (col_block < 1)
    throw std::invalid_argument(fmt::format("{}: col_block {} must be >= 1", where, col_block));
}

// Rows (or row blocks) per thread worth starting one for.
constexpr size_t kGrain = 64;

void check_scores(const float* scores, const Shape& s) {
  if (scores == nullptr) throw std::invalid_argument("prune_mask: scores is null");
  fw::parallel_for(size_t(s.out), kGrain, [&](size_t lo, size_t hi) {
    for (int o = int(lo); o < int(hi); ++o)
      for (int i = 0; i < s.in; ++i) {
        const float v = scores[s.at(o, i)];
        if (!(v >= 0) || !std::isfinite(v))
          throw std::invalid_argument(fmt::format(
              "prune_mask: score[{}][{}] = {} but scores must be finite and >= 0", o, i, v));
      }
  });
}

void prune_unconstrained(const float* scores, const Shape& s, int n, std::vector<uint8_t>& mask) {
  fw::parallel_for(size_t(s.out), kGrain, [&](size_t lo, size_t hi) {
    for (int o = int(lo); o < int(hi); ++o)
      for (int g = 0; g < s.groups(); ++g) {
        const int begin = s.group_begin(g), end = s.group_end(g);
        // n rounds of "take the best not yet kept": groups are small (m <= 64), and
        // scanning upwards with a strict > makes the lower input index win ties.
        for (int k = 0; k < std::min(n, end - begin); ++k) {
          int pick = -1;
          for (int i = begin; i < end; ++i)
            if (!mask[s.at(o, i)] && (pick < 0 || scores[s.at(o, i)] > scores[s.at(o, pick)])) pick = i;
          mask[s.at(o, pick)] = 1;
        }
      }
  });
}

// One (row block, group) of the hardware-aware pruner: exact knapsack over pairs, each
// taking 0, 1 or 2 of the n slots (never more than its real, non-padding elements).
void prune_block_group(const float* scores, const Shape& s, int n, int row_lo, int row_hi, int g,
                       std::vector<uint8_t>& mask) {
  const int base = s.group_begin(g), end = s.group_end(g), pairs = s.m / 2;
  const auto real = [&](int k) { return std::clamp(end - (base + 2 * k), 0, 2); };
  // value[k][c]: block score of pair k holding c slots. Fixed-size tables (m, n <= 64):
  // this runs once per (row block, group), hundreds of thousands of times per layer.
  std::array<std::array<double, 3>, kMaxGroupSize / 2> value{};
  for (int o = row_lo; o < row_hi; ++o) {
    const float* row = scores + s.at(o, 0);
    for (int k = 0; k < pairs; ++k) {
      const int first = base + 2 * k;
      const double a = real(k) >= 1 ? row[first] : 0;
      const double b = real(k) >= 2 ? row[first + 1] : 0;
      value[k][1] += std::max(a, b);
      value[k][2] += a + b;
    }
  }
  // best[k][slots]: best score of pairs k.. with at most `slots` slots.
  std::array<std::array<double, kMaxGroupSize + 1>, kMaxGroupSize / 2 + 1> best;
  std::fill(best[pairs].begin(), best[pairs].begin() + n + 1, 0.0);
  for (int k = pairs - 1; k >= 0; --k)
    for (int slots = 0; slots <= n; ++slots) {
      double b = best[k + 1][slots];
      for (int c = 1; c <= std::min(real(k), slots); ++c) b = std::max(b, value[k][c] + best[k + 1][slots - c]);
      best[k][slots] = b;
    }
  int slots = n;
  for (int k = 0; k < pairs; ++k) {
    int take = 0;  // most slots on the lowest pair among the optimal choices
    for (int c = std::min(real(k), slots); c >= 1; --c)
      if (value[k][c] + best[k + 1][slots - c] == best[k][slots]) {
        take = c;
        break;
      }
    slots -= take;
    const int first = base + 2 * k;
    for (int o = row_lo; o < row_hi && take > 0; ++o) {
      if (take == 2) {
        mask[s.at(o, first)] = mask[s.at(o, first + 1)] = 1;
      } else {
        const bool second = real(k) == 2 && scores[s.at(o, first + 1)] > scores[s.at(o, first)];
        mask[s.at(o, first + second)] = 1;
      }
    }
  }
}

}  // namespace

std::vector<uint8_t> prune_mask(const float* scores, int out, int in, Pattern p, PruneMode mode,
                                int col_block) {
  const Shape s = checked_shape("prune_mask", out, in, p);
  check_scores(scores, s);
  if (p.dense()) return std::vector<uint8_t>(static_cast<size_t>(out) * in, 1);
  std::vector<uint8_t> mask(static_cast<size_t>(out) * in, 0);
  if (mode == PruneMode::Unconstrained) {
    prune_unconstrained(scores, s, p.n, mask);
    return mask;
  }
  check_pairs("prune_mask", p, col_block);
  const int blocks = (out + col_block - 1) / col_block;
  fw::parallel_for(size_t(blocks), 1, [&](size_t b_lo, size_t b_hi) {
    for (int lo = int(b_lo) * col_block; lo < std::min(out, int(b_hi) * col_block); lo += col_block)
      for (int g = 0; g < s.groups(); ++g) prune_block_group(scores, s, p.n, lo, std::min(out, lo + col_block), g, mask);
  });
  return mask;
}

double score_sum(const float* scores, size_t n) {
  // The lanes of kept_score with every weight kept: adding +0.0 for a pruned
  // weight changes no sum of scores >= 0, so both give identical bits.
  std::array<double, 8> part{};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t k = 0; k < 8; ++k) part[k] += double(scores[i + k]);
  double sum = 0;
  for (; i < n; ++i) sum += double(scores[i]);
  for (double p : part) sum += p;
  return sum;
}

double kept_score(const float* scores, const std::vector<uint8_t>& mask) {
  // Eight independent partial sums let the compiler vectorise the loop.
  std::array<double, 8> part{};
  const size_t n = mask.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t k = 0; k < 8; ++k) part[k] += mask[i + k] ? double(scores[i + k]) : 0.0;
  double sum = 0;
  for (; i < n; ++i) sum += mask[i] ? double(scores[i]) : 0.0;
  for (double p : part) sum += p;
  return sum;
}

SlotPlan plan_slots(const std::vector<uint8_t>& mask, int out, int in, Pattern p, int col_block) {
  const Shape s = checked_shape("plan_slots", out, in, p);
  check_pairs("plan_slots", p, col_block);
  if (mask.size() != static_cast<size_t>(out) * in)
    throw std::invalid_argument(fmt::format("plan_slots: mask has {} entries, expected out x in = {}x{} = {}",
                                            mask.size(), out, in, static_cast<size_t>(out) * in));
  const int n = p.n, pairs = p.m / 2;
  SlotPlan plan;
  plan.pattern = p;
  plan.out = out;
  plan.in = in;
  plan.col_block = col_block;
  plan.blocks = (out + col_block - 1) / col_block;
  plan.groups = s.groups();
  plan.pair.assign(static_cast<size_t>(plan.blocks) * plan.groups * n, -1);
  plan.element.assign(static_cast<size_t>(out) * plan.groups * n, -1);

  const auto kept = [&](int o, int input) { return input < in && mask[s.at(o, input)] != 0; };
  fw::parallel_for(size_t(plan.blocks), 1, [&](size_t b_lo, size_t b_hi) {
    std::vector<int> need(pairs);
    for (int b = int(b_lo); b < int(b_hi); ++b) {
      const int lo = b * col_block, hi = std::min(out, lo + col_block);
      for (int g = 0; g < plan.groups; ++g) {
        const int base = s.group_begin(g);
        const auto where = [&] {
          return fmt::format("pattern {} not executable at row block {} (rows {}-{}), group {} (inputs {}-{})",
                             p.str(), b, lo, hi - 1, g, base, s.group_end(g) - 1);
        };
        std::fill(need.begin(), need.end(), 0);
        for (int o = lo; o < hi; ++o) {
          int row_kept = 0;
          for (int k = 0; k < pairs; ++k) {
            const int c = kept(o, base + 2 * k) + kept(o, base + 2 * k + 1);
            row_kept += c;
            need[k] = std::max(need[k], c);
          }
          if (row_kept > n)
            throw NotExecutable(fmt::format("{}: row {} keeps {} weights, more than N = {}", where(), o, row_kept, n));
        }
        const int slots = std::accumulate(need.begin(), need.end(), 0);
        if (slots > n)
          throw NotExecutable(fmt::format(
              "{}: the rows together use {} pair slots (a pair counts twice when a row keeps both elements), more than N = {}",
              where(), slots, n));
        // Slots in pair order; rows use a pair's kept elements in order across its slots.
        int slot = 0;
        for (int k = 0; k < pairs; ++k) {
          for (int c = 0; c < need[k]; ++c)
            plan.pair[(static_cast<size_t>(b) * plan.groups + g) * n + slot + c] = static_cast<int8_t>(k);
          for (int o = lo; o < hi; ++o) {
            int8_t* row_slots = &plan.element[(static_cast<size_t>(o) * plan.groups + g) * n + slot];
            int used = 0;
            for (int e = 0; e < 2; ++e)
              if (kept(o, base + 2 * k + e)) row_slots[used++] = static_cast<int8_t>(e);
          }
          slot += need[k];
        }
      }
    }
  });
  return plan;
}

}  // namespace flexcim::nm
