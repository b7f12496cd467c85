#include "sequencer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "flexcim_regs.h"

namespace flexcim {

using namespace sc_core;

namespace {
struct PatternBit {
  uint32_t n, m, mask;
};
constexpr PatternBit kPatternBits[] = {
    {1, 2, FLEXCIM_ACC_CAP_PATTERNS_P1_2_MASK}, {1, 4, FLEXCIM_ACC_CAP_PATTERNS_P1_4_MASK},
    {2, 4, FLEXCIM_ACC_CAP_PATTERNS_P2_4_MASK}, {1, 8, FLEXCIM_ACC_CAP_PATTERNS_P1_8_MASK},
    {2, 8, FLEXCIM_ACC_CAP_PATTERNS_P2_8_MASK}, {4, 8, FLEXCIM_ACC_CAP_PATTERNS_P4_8_MASK},
};
constexpr uint32_t kMaxDimension = 65535;

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

bool RequantRecord::decode(const uint8_t* b, RequantRecord& r) {
  r.multiplier = int32_t(uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24);
  r.shift = b[4];
  return r.shift <= kMaxShift && b[5] == 0 && b[6] == 0 && b[7] == 0;
}

int8_t RequantRecord::apply(int32_t acc) const {
  // |acc * multiplier| < 2^62 and the rounding term is at most 2^61: no overflow.
  int64_t v = int64_t(acc) * multiplier;
  if (shift > 0) v = (v + (int64_t(1) << (shift - 1))) >> shift;
  return int8_t(std::clamp<int64_t>(v, -128, 127));
}

// Everything the run loop needs, derived once from the descriptor and the buffers.
struct Sequencer::Plan {
  RowMapping mapping;
  uint64_t tile_inputs = 0;     // inputs covered by one tile (R rows x inputs per row)
  uint64_t in_tiles = 0, out_tiles = 0;
  uint64_t padded_in = 0;       // activation row stride in the buffer
  uint64_t chunk_tokens = 0;    // tokens per pass over the weights
  uint64_t record_bytes = 0;    // one tile record
  uint64_t wave_bytes = 0;      // K tile records
  uint64_t weight_slots = 0;    // waves the weight buffer holds at once
};

Sequencer::Sequencer(sc_module_name name, const Params& params, Dma& dma, SramBuffer& wbuf, SramBuffer& abuf,
                     SramBuffer& obuf, std::vector<MacroModel*> macros, sc_time clock, EnergyCounts& energy)
    : sc_module(name), state("state"), p_(params), dma_(dma), wbuf_(wbuf), abuf_(abuf), obuf_(obuf),
      macros_(std::move(macros)), clock_(clock), energy_(energy),
      qrecords_(macros_.size() * params.geometry.cols * RequantRecord::kBytes), y8_(macros_.size() * params.geometry.cols) {}

bool Sequencer::pattern_supported(uint32_t n, uint32_t m) const {
  if (n == m) return n >= 1 && (p_.patterns & FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK);
  for (const PatternBit& b : kPatternBits)
    if (b.n == n && b.m == m) return p_.patterns & b.mask;
  return false;
}

uint64_t Sequencer::weight_stream_bytes(uint32_t in_features, uint32_t out_features, RowMapping mapping,
                                        bool dense) const {
  const MacroGeometry& g = p_.geometry;
  const uint64_t tile_inputs = uint64_t(g.rows) * mapping.inputs_per_row(g.submacros);
  return ceil_div(out_features, g.cols) * ceil_div(in_features, tile_inputs) * g.record_bytes(dense);
}

JobOutcome Sequencer::check(const Job& job, Plan& plan) const {
  const MacroGeometry& g = p_.geometry;
  auto fail = [](uint32_t error, uint32_t info) { return JobOutcome{error, info, 0}; };

  if (job.tokens == 0 || job.tokens > kMaxDimension) return fail(FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_TOKENS_OFFSET);
  if (job.in_features == 0 || job.in_features > kMaxDimension)
    return fail(FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET);
  if (job.out_features == 0 || job.out_features > kMaxDimension)
    return fail(FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET);
  if (!pattern_supported(job.n, job.m)) return fail(FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET);
  // Dense records only hold dense layers; a dense DCiM has no selects or metadata to read.
  if (job.dense_tiles ? job.n != job.m : p_.kind == MacroKind::DenseDcim)
    return fail(FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_FLAGS_OFFSET);
  // Dense runs as P:P: every sub-macro of a row takes one input of a group of P.
  plan.mapping = job.n == job.m ? RowMapping{g.submacros, g.submacros} : RowMapping{job.n, job.m};

  auto in_dram = [&](uint32_t addr, uint64_t bytes) {
    return addr % 4 == 0 && addr >= p_.dram_base && addr - p_.dram_base <= p_.dram_size &&
           bytes <= p_.dram_size - (addr - p_.dram_base);
  };
  const uint64_t expected_w = weight_stream_bytes(job.in_features, job.out_features, plan.mapping, job.dense_tiles);
  if (job.w_bytes != expected_w) return fail(FLEXCIM_ERR_WEIGHT_SIZE, FLEXCIM_ACC_JOB_W_BYTES_OFFSET);
  if (!in_dram(job.w_addr, job.w_bytes)) return fail(FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_W_ADDR_OFFSET);
  if (!in_dram(job.x_addr, uint64_t(job.tokens) * job.in_features))
    return fail(FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_X_ADDR_OFFSET);
  if (!in_dram(job.y_addr, uint64_t(job.tokens) * job.out_features * (job.out_int8 ? 1 : 4)))
    return fail(FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Y_ADDR_OFFSET);
  if (job.out_int8 && !in_dram(job.q_addr, uint64_t(job.out_features) * RequantRecord::kBytes))
    return fail(FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Q_ADDR_OFFSET);

  const uint64_t K = macros_.size();
  plan.tile_inputs = uint64_t(g.rows) * plan.mapping.inputs_per_row(g.submacros);
  plan.in_tiles = ceil_div(job.in_features, plan.tile_inputs);
  plan.out_tiles = ceil_div(job.out_features, g.cols);
  plan.padded_in = plan.in_tiles * plan.tile_inputs;
  plan.chunk_tokens = std::min<uint64_t>({job.tokens, abuf_.size_bytes() / plan.padded_in,
                                          obuf_.size_bytes() / (K * g.cols * 4)});
  plan.record_bytes = g.record_bytes(job.dense_tiles);
  plan.wave_bytes = K * plan.record_bytes;
  plan.weight_slots = wbuf_.size_bytes() / plan.wave_bytes;
  // ERR_INFO: the bytes one token (or one wave) would need.
  if (plan.chunk_tokens == 0) return fail(FLEXCIM_ERR_BUFFER, uint32_t(plan.padded_in));
  if (plan.weight_slots == 0) return fail(FLEXCIM_ERR_BUFFER, uint32_t(plan.wave_bytes));
  return {};
}

JobOutcome Sequencer::execute(const Job& job) {
  const sc_time start = sc_time_stamp();
  state.write(Check);
  Plan plan;
  JobOutcome outcome = check(job, plan);
  if (outcome.error == FLEXCIM_ERR_NONE) outcome = run(job, plan);
  if (outcome.error != FLEXCIM_ERR_NONE) dma_.flush();
  state.write(outcome.error == FLEXCIM_ERR_NONE ? Done : Failed);
  // A job that ends between clock edges occupies the accelerator up to the next edge.
  outcome.cycles = uint64_t(std::ceil((sc_time_stamp() - start) / clock_));
  return outcome;
}

JobOutcome Sequencer::run(const Job& job, const Plan& plan) {
  const MacroGeometry& g = p_.geometry;
  const uint64_t K = macros_.size(), C = g.cols, record = plan.record_bytes;
  const uint64_t groups = ceil_div(plan.out_tiles, K);
  const uint64_t row_stride = K * C;  // int32 accumulators per token in the output buffer
  const uint64_t chunks = ceil_div(job.tokens, plan.chunk_tokens);
  const uint64_t waves_per_chunk = groups * plan.in_tiles;
  const uint64_t total_waves = chunks * waves_per_chunk;

  auto macros_in_group = [&](uint64_t group) { return std::min<uint64_t>(K, plan.out_tiles - group * K); };
  // Wave w streams tile (out tile, in tile) records into weight-buffer slot w % slots.
  std::vector<Dma::Ticket> wave_ticket(plan.weight_slots);
  auto prefetch = [&](uint64_t w) {
    const uint64_t group = (w % waves_per_chunk) / plan.in_tiles, kt = w % plan.in_tiles;
    uint8_t* slot = wbuf_.at((w % plan.weight_slots) * plan.wave_bytes, plan.wave_bytes);
    for (uint64_t k = 0; k < macros_in_group(group); ++k) {
      const uint64_t ot = group * K + k;
      wave_ticket[w % plan.weight_slots] =
          dma_.read(job.w_addr + (ot * plan.in_tiles + kt) * record, slot + k * record, record);
      wbuf_.count_write(record);
    }
  };
  auto bus_error = [&] { return JobOutcome{FLEXCIM_ERR_BUS, uint32_t(dma_.error_address()), 0}; };

  for (uint64_t w = 0; w < std::min(total_waves, plan.weight_slots); ++w) prefetch(w);
  if (!p_.timing_only) std::memset(abuf_.at(0, abuf_.size_bytes()), 0, abuf_.size_bytes());  // padding inputs read as zero

  uint64_t wave = 0;
  Dma::Ticket last_store = 0;
  for (uint64_t t0 = 0; t0 < job.tokens; t0 += plan.chunk_tokens) {
    const uint64_t tokens = std::min<uint64_t>(plan.chunk_tokens, job.tokens - t0);
    state.write(LoadActivations);
    Dma::Ticket x_ticket = 0;
    for (uint64_t t = 0; t < tokens; ++t)
      x_ticket = dma_.read(job.x_addr + (t0 + t) * job.in_features, abuf_.at(t * plan.padded_in, job.in_features),
                           job.in_features);
    abuf_.count_write(tokens * job.in_features);
    if (!dma_.wait(x_ticket)) return bus_error();

    for (uint64_t group = 0; group < groups; ++group) {
      const uint64_t active = macros_in_group(group);
      const uint64_t first_col = group * K * C;
      const uint64_t cols = std::min<uint64_t>(active * C, job.out_features - first_col);
      int32_t* acc = reinterpret_cast<int32_t*>(obuf_.at(0, tokens * row_stride * 4));
      if (!p_.timing_only) std::fill(acc, acc + tokens * row_stride, 0);
      // The group's requantisation records arrive while its waves compute.
      Dma::Ticket q_ticket = 0;
      if (job.out_int8)
        q_ticket = dma_.read(job.q_addr + first_col * RequantRecord::kBytes, qrecords_.data(),
                             cols * RequantRecord::kBytes);
      for (uint64_t kt = 0; kt < plan.in_tiles; ++kt, ++wave) {
        state.write(Compute);
        if (!dma_.wait(wave_ticket[wave % plan.weight_slots])) return bus_error();
        const uint8_t* slot = wbuf_.at((wave % plan.weight_slots) * plan.wave_bytes, plan.wave_bytes);

        // Buffer ports bound the macros: K records share the weight port; one
        // activation read is broadcast to all macros; each macro read-modify-writes C sums.
        const uint64_t row_inputs = plan.mapping.inputs_per_row(g.submacros);
        const uint64_t write_cycles = std::max<uint64_t>(C, wbuf_.port_cycles(active * record));
        const uint64_t interval = std::max<uint64_t>(
            {1, abuf_.port_cycles(g.rows * row_inputs), obuf_.port_cycles(active * C * 4 * 2)});
        sc_event_and_list all_done;
        for (uint64_t k = 0; k < active; ++k) {
          const uint64_t ot = group * K + k;
          MacroModel::Tile tile;
          tile.record = slot + k * record;
          tile.dense_record = job.dense_tiles;
          tile.mapping = plan.mapping;
          tile.x = reinterpret_cast<const int8_t*>(abuf_.at(kt * plan.tile_inputs, 1));
          tile.x_stride = plan.padded_in;
          tile.y = acc + k * C;
          tile.y_stride = row_stride;
          tile.tokens = unsigned(tokens);
          tile.valid_cols = unsigned(std::min<uint64_t>(C, job.out_features - ot * C));
          tile.write_cycles = write_cycles;
          tile.issue_interval = interval;
          tile.record_offset = (ot * plan.in_tiles + kt) * record;
          tile.timing_only = p_.timing_only;
          macros_[k]->start(tile);
          all_done &= macros_[k]->done();
        }
        wait(all_done);
        wbuf_.count_read(active * record);
        abuf_.count_read(tokens * g.rows * row_inputs);
        obuf_.count_read(tokens * active * C * 4);
        obuf_.count_write(tokens * active * C * 4);
        energy_.add(Action::TileControl, active);
        for (uint64_t k = 0; k < active; ++k)
          if (macros_[k]->metadata_error())
            return JobOutcome{FLEXCIM_ERR_METADATA, uint32_t(macros_[k]->metadata_error_offset()), 0};
        if (wave + plan.weight_slots < total_waves) prefetch(wave + plan.weight_slots);
      }

      state.write(StoreOutputs);
      obuf_.count_read(tokens * cols * 4);
      if (job.out_int8) {
        if (!dma_.wait(q_ticket)) return bus_error();
        const JobOutcome stored = store_int8(job, acc, row_stride, t0, tokens, first_col, cols, last_store);
        if (stored.error != FLEXCIM_ERR_NONE) return stored;
        continue;
      }
      for (uint64_t t = 0; t < tokens; ++t)
        last_store = dma_.write(job.y_addr + ((t0 + t) * job.out_features + first_col) * 4,
                                reinterpret_cast<const uint8_t*>(acc + t * row_stride), cols * 4);
    }
  }
  if (last_store && !dma_.wait(last_store)) return bus_error();
  return {};
}

// The requantiser sits between the output buffer and the DMA, one output per
// output-port lane and cycle: it keeps pace with the port, and the DRAM write
// it feeds is the bound, so it adds no cycles of its own.
JobOutcome Sequencer::store_int8(const Job& job, const int32_t* acc, uint64_t row_stride, uint64_t t0,
                                 uint64_t tokens, uint64_t first_col, uint64_t cols, Dma::Ticket& last_store) {
  std::vector<RequantRecord> records(p_.timing_only ? 0 : cols);
  for (uint64_t c = 0; c < records.size(); ++c)
    if (!RequantRecord::decode(&qrecords_[c * RequantRecord::kBytes], records[c]))
      return JobOutcome{FLEXCIM_ERR_QUANT, uint32_t((first_col + c) * RequantRecord::kBytes), 0};
  for (uint64_t t = 0; t < tokens; ++t) {
    const int32_t* row = acc + t * row_stride;
    for (uint64_t c = 0; c < records.size(); ++c) y8_[c] = uint8_t(records[c].apply(row[c]));
    last_store = dma_.write(job.y_addr + (t0 + t) * job.out_features + first_col, y8_.data(), cols);
  }
  energy_.add(Action::Requant, tokens * cols);
  return {};
}

}  // namespace flexcim
