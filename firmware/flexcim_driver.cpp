#include "flexcim_driver.h"

#include <fmt/format.h>

#include "flexcim_regs.h"

namespace flexcim::fw {

namespace {
struct PatternBit {
  int n, m;
  uint32_t mask;
};
// Densest last, so a fallback search can walk towards dense.
constexpr PatternBit kPatternBits[] = {
    {1, 8, FLEXCIM_ACC_CAP_PATTERNS_P1_8_MASK}, {1, 4, FLEXCIM_ACC_CAP_PATTERNS_P1_4_MASK},
    {2, 8, FLEXCIM_ACC_CAP_PATTERNS_P2_8_MASK}, {1, 2, FLEXCIM_ACC_CAP_PATTERNS_P1_2_MASK},
    {2, 4, FLEXCIM_ACC_CAP_PATTERNS_P2_4_MASK}, {4, 8, FLEXCIM_ACC_CAP_PATTERNS_P4_8_MASK},
};
uint32_t field(uint32_t reg, uint32_t mask, unsigned shift) { return (reg & mask) >> shift; }
}  // namespace

uint32_t pattern_bit(nm::Pattern p) {
  for (const PatternBit& b : kPatternBits)
    if (b.n == p.n && b.m == p.m) return b.mask;
  return 0;
}

bool Capabilities::supports(nm::Pattern p) const {
  if (p.dense()) return pattern_bits & FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK;
  return pattern_bits & pattern_bit(p);
}

std::vector<nm::Pattern> Capabilities::patterns() const {
  std::vector<nm::Pattern> out;
  for (const PatternBit& b : kPatternBits)
    if (pattern_bits & b.mask) out.push_back({b.n, b.m});
  if (pattern_bits & FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK) out.push_back({int(submacros), int(submacros)});
  return out;
}

std::string Capabilities::arch_name() const {
  switch (arch) {
    case FLEXCIM_ARCH_FLEXCIM: return "flexcim";
    case FLEXCIM_ARCH_DENSE_DCIM: return "dense-dcim";
    case FLEXCIM_ARCH_FIXED_NM: return "fixed-nm";
  }
  return fmt::format("unknown({})", arch);
}

FlexcimDriver::FlexcimDriver(Hal& hal, uint64_t base, WaitMode wait, double poll_interval_ns)
    : hal_(hal), base_(base), wait_(wait), poll_interval_ns_(poll_interval_ns) {}

const char* FlexcimDriver::error_name(uint32_t code) {
  switch (code) {
    case FLEXCIM_ERR_NONE: return "none";
    case FLEXCIM_ERR_SHAPE: return "shape";
    case FLEXCIM_ERR_PATTERN: return "pattern";
    case FLEXCIM_ERR_ADDRESS: return "address";
    case FLEXCIM_ERR_WEIGHT_SIZE: return "weight size";
    case FLEXCIM_ERR_METADATA: return "metadata";
    case FLEXCIM_ERR_BUSY: return "busy";
    case FLEXCIM_ERR_BUFFER: return "buffer";
    case FLEXCIM_ERR_BUS: return "bus";
    case FLEXCIM_ERR_QUANT: return "quant";
  }
  return "unknown";
}

Capabilities FlexcimDriver::probe() {
  const uint32_t id = read(FLEXCIM_ACC_ID_OFFSET);
  if (id != FLEXCIM_ACC_ID_RESET)
    throw DeviceError(fmt::format("no FlexCiM at {:#x}: ID reads {:#010x}, expected {:#010x}", base_, id,
                                  FLEXCIM_ACC_ID_RESET));
  const uint32_t version = read(FLEXCIM_ACC_VERSION_OFFSET);
  const uint32_t major = field(version, FLEXCIM_ACC_VERSION_MAJOR_MASK, FLEXCIM_ACC_VERSION_MAJOR_SHIFT);
  const uint32_t expected = field(FLEXCIM_ACC_VERSION_RESET, FLEXCIM_ACC_VERSION_MAJOR_MASK,
                                  FLEXCIM_ACC_VERSION_MAJOR_SHIFT);
  if (major != expected)
    throw DeviceError(fmt::format("FlexCiM register map version {} is not supported (driver: {})", major, expected));

  Capabilities caps;
  const uint32_t geo = read(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET);
  caps.macros = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_MACROS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_MACROS_SHIFT);
  caps.submacros = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_SUBMACROS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_SUBMACROS_SHIFT);
  caps.rows = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_ROWS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_ROWS_SHIFT);
  caps.cols = field(geo, FLEXCIM_ACC_CAP_GEOMETRY_COLS_MASK, FLEXCIM_ACC_CAP_GEOMETRY_COLS_SHIFT);
  caps.pattern_bits = read(FLEXCIM_ACC_CAP_PATTERNS_OFFSET);
  caps.wbuf_bytes = read(FLEXCIM_ACC_CAP_WBUF_BYTES_OFFSET);
  caps.abuf_bytes = read(FLEXCIM_ACC_CAP_ABUF_BYTES_OFFSET);
  caps.obuf_bytes = read(FLEXCIM_ACC_CAP_OBUF_BYTES_OFFSET);
  caps.arch = field(read(FLEXCIM_ACC_CAP_ARCH_OFFSET), FLEXCIM_ACC_CAP_ARCH_ARCH_MASK, FLEXCIM_ACC_CAP_ARCH_ARCH_SHIFT);

  if (wait_ == WaitMode::Interrupt)
    write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_DONE_MASK | FLEXCIM_ACC_IRQ_ENABLE_ERROR_MASK);
  return caps;
}

JobStatus FlexcimDriver::run(const LayerJob& job) {
  write(FLEXCIM_ACC_JOB_TOKENS_OFFSET, job.tokens);
  write(FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, job.in_features);
  write(FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET, job.out_features);
  write(FLEXCIM_ACC_JOB_PATTERN_OFFSET,
        (uint32_t(job.pattern.n) << FLEXCIM_ACC_JOB_PATTERN_N_SHIFT) |
            (uint32_t(job.pattern.m) << FLEXCIM_ACC_JOB_PATTERN_M_SHIFT));
  write(FLEXCIM_ACC_JOB_W_ADDR_OFFSET, uint32_t(job.w_addr));
  write(FLEXCIM_ACC_JOB_W_BYTES_OFFSET, uint32_t(job.w_bytes));
  write(FLEXCIM_ACC_JOB_X_ADDR_OFFSET, uint32_t(job.x_addr));
  write(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, uint32_t(job.y_addr));
  write(FLEXCIM_ACC_JOB_FLAGS_OFFSET, (job.dense_tiles ? FLEXCIM_ACC_JOB_FLAGS_DENSE_TILES_MASK : 0u) |
                                          (job.out_int8 ? FLEXCIM_ACC_JOB_FLAGS_OUT_INT8_MASK : 0u));
  write(FLEXCIM_ACC_JOB_Q_ADDR_OFFSET, uint32_t(job.q_addr));
  write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);

  const uint32_t finished = FLEXCIM_ACC_STATUS_DONE_MASK | FLEXCIM_ACC_STATUS_ERROR_MASK;
  uint32_t status = 0;
  if (wait_ == WaitMode::Interrupt) {
    hal_.wait_for_interrupt();
    status = read(FLEXCIM_ACC_STATUS_OFFSET);
  } else {
    while (!((status = read(FLEXCIM_ACC_STATUS_OFFSET)) & finished) ||
           (status & FLEXCIM_ACC_STATUS_BUSY_MASK))
      hal_.delay_ns(poll_interval_ns_);
  }
  write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_DONE_MASK | FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);

  JobStatus s;
  if (status & FLEXCIM_ACC_STATUS_ERROR_MASK) {
    s.error = field(status, FLEXCIM_ACC_STATUS_ERR_CODE_MASK, FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT);
    s.error_info = read(FLEXCIM_ACC_ERR_INFO_OFFSET);
  }
  s.cycles = uint64_t(read(FLEXCIM_ACC_PERF_CYCLES_HI_OFFSET)) << 32 | read(FLEXCIM_ACC_PERF_CYCLES_LO_OFFSET);
  return s;
}

}  // namespace flexcim::fw
