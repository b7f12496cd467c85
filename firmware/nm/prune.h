#pragma once
// N:M pruning masks and the shared pair-select plan FlexCiM needs to execute them
// (DESIGN.md sections 1.8 and 2).
//
// Layout: scores and masks are [out][in] row-major; rows are output channels, and
// groups are M consecutive input channels. Inside a group, inputs 2k and 2k+1 form
// pair k (the activation pair a FlexCiM cell selects from).
//
// Tail rule: when in % m != 0 the last group is shorter; its missing inputs count as
// zero-score padding that is never kept, so a tail of <= n inputs is kept whole and a
// longer tail keeps n. With an odd tail length the last pair has a single element.

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "nm/pattern.h"

namespace flexcim::nm {

enum class PruneMode {
  Unconstrained,  // per output row and group keep the N highest scores (FLOW reference)
  HwAware,        // FlexCiM-executable: rows of a column block share the group's pair slots
};

// Keep mask [out][in], 1 = kept. scores (>= 0) [out][in].
// Unconstrained: per row and group keep the N highest scores (ties: lower input index).
//   col_block is ignored.
// HwAware: for every block of col_block consecutive rows (the last block may be shorter)
//   and every group choose a multiset of at most N pair slots (a pair fills at most two
//   slots, one per element) maximising the block's kept score, where a pair in one slot
//   gives each row max(score of its 2 elements) and in two slots gives both; then each
//   row keeps, per slot, its best not-yet-kept element of that pair (ties: element 0).
//   The choice is an exact knapsack over pairs; among equal-score choices the one with
//   more slots on lower pair indices wins. Needs even m (unless dense) and col_block >= 1.
// Dense pattern: everything kept. Bad shapes or patterns throw std::invalid_argument.
std::vector<uint8_t> prune_mask(const float* scores, int out, int in, Pattern p, PruneMode mode,
                                int col_block);

// Sum of the kept scores (scores has mask.size() entries).
double kept_score(const float* scores, const std::vector<uint8_t>& mask);
// Sum of all n scores: kept_score with every weight kept, bit for bit, without a mask.
double score_sum(const float* scores, size_t n);

// The shared-select structure: for every (block of col_block rows, group) the N pair slots,
// and per (row, group, slot) which element of the slot's pair that row uses.
struct SlotPlan {
  Pattern pattern;
  int out = 0, in = 0, col_block = 0, blocks = 0, groups = 0;
  std::vector<int8_t> pair;     // [blocks][groups][n]: pair index within the group (0..m/2-1); -1 = slot unused
  std::vector<int8_t> element;  // [out][groups][n]: 0/1 = element of that pair the row uses; -1 = row keeps nothing there (weight 0)
};

class NotExecutable : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Derives the plan from ANY mask (nonzero = kept), or throws NotExecutable whose message
// names the first offending (row block, group) and why: a row keeps more than N in a
// group, or the block needs more than N pair slots (a pair counts twice when some row
// keeps both its elements). Masks from HwAware always pass; Unconstrained masks generally
// do not. Slots are ordered by pair index; a pair used twice gives element 0 in its first
// slot and element 1 in its second to rows keeping both. Dense patterns get m slots
// (every pair twice). Needs even m; bad shapes throw std::invalid_argument.
SlotPlan plan_slots(const std::vector<uint8_t>& mask, int out, int in, Pattern p, int col_block);

}  // namespace flexcim::nm
