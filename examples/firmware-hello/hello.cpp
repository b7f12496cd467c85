#include "hello.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "flexcim_regs.h"     // the register map the models implement (registers.md)
#include "nm/prune.h"         // hardware-aware 2:4 mask
#include "runtime.h"          // reference_gemm, the golden model
#include "weight_packer.h"    // pruned weights -> tile records (weight-format.md)

namespace {

uint32_t field(uint32_t reg, uint32_t mask, unsigned shift) { return (reg & mask) >> shift; }

// Deterministic int8 data in [-8, 7].
std::vector<int8_t> fill(size_t n, uint32_t seed) {
  std::vector<int8_t> v(n);
  for (int8_t& e : v) {
    seed = seed * 1664525u + 1013904223u;
    e = int8_t(int(seed >> 28) - 8);
  }
  return v;
}

}  // namespace

int hello(flexcim::fw::Hal& hal, const flexcim_firmware_board& board) {
  using namespace flexcim;
  const auto rd = [&](uint32_t offset) { return hal.read32(board.accelerator_base + offset); };
  const auto wr = [&](uint32_t offset, uint32_t value) { hal.write32(board.accelerator_base + offset, value); };

  // 1. Who is there: ID, register map version, geometry and patterns.
  const uint32_t id = rd(FLEXCIM_ACC_ID_OFFSET), version = rd(FLEXCIM_ACC_VERSION_OFFSET);
  if (id != FLEXCIM_ACC_ID_RESET) {
    std::printf("hello: ID reads %#010x, expected %#010x\n", id, FLEXCIM_ACC_ID_RESET);
    return 1;
  }
  const uint32_t geo = rd(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET), patterns = rd(FLEXCIM_ACC_CAP_PATTERNS_OFFSET);
  fw::MacroShape shape;
  shape.submacros = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_SUBMACROS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_SUBMACROS_SHIFT);
  shape.rows = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_ROWS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_ROWS_SHIFT);
  shape.cols = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_COLS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_COLS_SHIFT);
  std::printf("hello: FlexCiM %#010x, register map %u.%u, %u macros of %u x %u x %u cells, CAP_PATTERNS %#04x\n", id,
              field(version, FLEXCIM_ACC_VERSION_MAJOR_MASK, FLEXCIM_ACC_VERSION_MAJOR_SHIFT),
              field(version, FLEXCIM_ACC_VERSION_MINOR_MASK, FLEXCIM_ACC_VERSION_MINOR_SHIFT),
              field(geo, FLEXCIM_ACC_CAP_GEOMETRY_MACROS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_MACROS_SHIFT), shape.submacros,
              shape.rows, shape.cols, patterns);
  if (!(patterns & FLEXCIM_ACC_CAP_PATTERNS_P2_4_MASK)) {
    std::printf("hello: this accelerator does not run 2:4\n");
    return 3;
  }

  // 2. A 2:4 layer: two tiles deep, two column blocks wide, 4 tokens.
  const nm::Pattern p{2, 4};
  const int tokens = 4, in = 2 * int(shape.inputs_per_tile(p)), out = 2 * int(shape.cols);
  std::vector<int8_t> w = fill(size_t(out) * in, 1), x = fill(size_t(tokens) * in, 2);
  std::vector<float> scores(w.size());
  for (size_t i = 0; i < w.size(); ++i) scores[i] = float(std::abs(w[i]));
  const std::vector<uint8_t> mask = nm::prune_mask(scores.data(), out, in, p, nm::PruneMode::HwAware, int(shape.cols));
  for (size_t i = 0; i < w.size(); ++i)
    if (!mask[i]) w[i] = 0;
  const std::vector<uint8_t> stream = fw::pack_weights(w.data(), mask, out, in, p, shape, fw::TileFormat::Sparse);

  // 3. Place W, X in DRAM (64-byte aligned), Y after them.
  const uint64_t w_addr = board.dram_base, x_addr = w_addr + (stream.size() + 63) / 64 * 64,
                 y_addr = x_addr + (x.size() + 63) / 64 * 64;
  hal.load(w_addr, stream.data(), stream.size());
  hal.load(x_addr, x.data(), x.size());

  // 4. The job descriptor, then START.
  if (board.wait_for_interrupt)
    wr(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_DONE_MASK | FLEXCIM_ACC_IRQ_ENABLE_ERROR_MASK);
  wr(FLEXCIM_ACC_JOB_TOKENS_OFFSET, uint32_t(tokens));
  wr(FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, uint32_t(in));
  wr(FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET, uint32_t(out));
  wr(FLEXCIM_ACC_JOB_PATTERN_OFFSET, (2u << FLEXCIM_ACC_JOB_PATTERN_N_SHIFT) | (4u << FLEXCIM_ACC_JOB_PATTERN_M_SHIFT));
  wr(FLEXCIM_ACC_JOB_W_ADDR_OFFSET, uint32_t(w_addr));
  wr(FLEXCIM_ACC_JOB_W_BYTES_OFFSET, uint32_t(stream.size()));
  wr(FLEXCIM_ACC_JOB_X_ADDR_OFFSET, uint32_t(x_addr));
  wr(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, uint32_t(y_addr));
  wr(FLEXCIM_ACC_JOB_FLAGS_OFFSET, 0);  // sparse tile records, int32 outputs
  wr(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);

  // 5. Wait: the interrupt, or poll STATUS until DONE or ERROR with BUSY clear.
  uint32_t status = 0;
  if (board.wait_for_interrupt) {
    hal.wait_for_interrupt();
    status = rd(FLEXCIM_ACC_STATUS_OFFSET);
  } else {
    const uint32_t finished = FLEXCIM_ACC_STATUS_DONE_MASK | FLEXCIM_ACC_STATUS_ERROR_MASK;
    while (!((status = rd(FLEXCIM_ACC_STATUS_OFFSET)) & finished) || (status & FLEXCIM_ACC_STATUS_BUSY_MASK))
      hal.delay_ns(board.poll_interval_ns);
  }
  wr(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_DONE_MASK | FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);  // W1C
  const uint64_t cycles =
      uint64_t(rd(FLEXCIM_ACC_PERF_CYCLES_HI_OFFSET)) << 32 | rd(FLEXCIM_ACC_PERF_CYCLES_LO_OFFSET);
  if (status & FLEXCIM_ACC_STATUS_ERROR_MASK) {
    std::printf("hello: job failed: ERR_CODE %u, ERR_INFO %#x\n",
                field(status, FLEXCIM_ACC_STATUS_ERR_CODE_MASK, FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT),
                rd(FLEXCIM_ACC_ERR_INFO_OFFSET));
    return 1;
  }

  // 6. Read Y back and compare every element with the golden GEMM on the pruned weights.
  std::vector<int32_t> y(size_t(tokens) * out);
  hal.dump(y_addr, y.data(), y.size() * sizeof(int32_t));
  const std::vector<int32_t> golden = fw::reference_gemm(x.data(), w.data(), tokens, in, out);
  size_t mismatches = 0;
  for (size_t i = 0; i < y.size(); ++i) mismatches += y[i] != golden[i];
  std::printf("hello: 2:4 GEMM %d tokens x %d in x %d out in %llu cycles: %zu of %zu outputs match the golden GEMM\n",
              tokens, in, out, static_cast<unsigned long long>(cycles), y.size() - mismatches, y.size());
  return mismatches == 0 ? 0 : 1;
}
