// Fuzz target 1: MMIO. Each input is a firmware program run on the HostCpu HAL,
// through the router, against three small platforms elaborated once (FlexCiM,
// dense DCiM, fixed 1:8): register reads and writes anywhere in the block and
// outside it, descriptors pointing anywhere, START and RESET while busy, random
// weight records and DRAM contents, interrupt acknowledges, waits.
//
// Bounded in simulated time: DRAM is 64 KiB, so no job is large; every wait is
// capped; a job still busy 50 ms after the program ends is a finding (a hang).
// Oracles besides the sanitizers: a well-formed job either matches the host
// reference (the firmware's decoder of the same stream, requantised as the firmware
// would for int8 outputs) bit for bit, or fails with ERR_METADATA at a select byte
// that really is invalid.
// Between inputs the device is reset and DRAM cleared, so an input replays alone.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "flexcim_regs.h"
#include "platform.h"
#include "requant.h"
#include "scenario.h"
#include "systemc_support.h"
#include "weight_packer.h"

namespace flexcim::fuzz {
namespace {

using sc_core::sc_time;
using sc_core::SC_NS;

constexpr uint64_t kDramBytes = 64 * 1024;
constexpr uint32_t kRegisters[] = {
    FLEXCIM_ACC_ID_OFFSET,           FLEXCIM_ACC_VERSION_OFFSET,        FLEXCIM_ACC_CAP_GEOMETRY_OFFSET,
    FLEXCIM_ACC_CAP_PATTERNS_OFFSET, FLEXCIM_ACC_CAP_WBUF_BYTES_OFFSET, FLEXCIM_ACC_CAP_ABUF_BYTES_OFFSET,
    FLEXCIM_ACC_CAP_OBUF_BYTES_OFFSET, FLEXCIM_ACC_CAP_ARCH_OFFSET,     FLEXCIM_ACC_CTRL_OFFSET,
    FLEXCIM_ACC_STATUS_OFFSET,       FLEXCIM_ACC_IRQ_STATUS_OFFSET,     FLEXCIM_ACC_IRQ_ENABLE_OFFSET,
    FLEXCIM_ACC_PERF_CYCLES_LO_OFFSET, FLEXCIM_ACC_PERF_CYCLES_HI_OFFSET, FLEXCIM_ACC_ERR_INFO_OFFSET,
    FLEXCIM_ACC_JOB_TOKENS_OFFSET,   FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET,
    FLEXCIM_ACC_JOB_PATTERN_OFFSET,  FLEXCIM_ACC_JOB_W_ADDR_OFFSET,     FLEXCIM_ACC_JOB_W_BYTES_OFFSET,
    FLEXCIM_ACC_JOB_X_ADDR_OFFSET,   FLEXCIM_ACC_JOB_Y_ADDR_OFFSET,     FLEXCIM_ACC_JOB_FLAGS_OFFSET,
    FLEXCIM_ACC_JOB_Q_ADDR_OFFSET};

struct Board {
  std::unique_ptr<Platform> platform;
  PlatformParams params;
  std::vector<nm::Pattern> patterns;  // what the job op picks from (supported or not)
};

std::vector<Board>& boards() {
  static std::vector<Board> b;
  return b;
}

PlatformParams small_platform(const std::string& architecture) {
  // Defaults, shrunk: two 4x8x8 macros and buffers a few tiles large, so small
  // layers still need chunking, several waves and macro groups.
  const Scenario s = load_scenario(
      default_scenario_path(),
      {"workload.preset=''", "workload.layers=[{name: a, in: 8, out: 8}]", "platform.accelerator.architecture=" + architecture,
       "platform.accelerator.fixed_pattern=1:8", "platform.accelerator.macros=2",
       "platform.accelerator.geometry.rows=8", "platform.accelerator.geometry.cols=8",
       "platform.accelerator.buffers.weight.bytes=1280", "platform.accelerator.buffers.activation.bytes=1024",
       "platform.accelerator.buffers.output.bytes=256", "platform.accelerator.dma.outstanding=4"});
  PlatformParams p = s.platform;
  p.dram.size_bytes = kDramBytes;
  p.accelerator.dram_size = kDramBytes;
  return p;
}

class Program {
 public:
  Program(Board& board, FuzzedDataProvider& in) : b_(board), in_(in), cpu_(board.platform->cpu()) {}

  void run() {
    for (int ops = 0; ops < 64 && in_.remaining_bytes() > 0; ++ops) step();
    settle();
  }

 private:
  uint64_t acc() const { return b_.params.accelerator_base; }
  uint64_t dram() const { return b_.params.dram_base; }

  // Bus errors are the answer to bad addresses, not a finding.
  uint32_t read(uint64_t address) {
    try {
      return cpu_.read32(address);
    } catch (const fw::BusError&) {
      return 0;
    }
  }
  void write(uint64_t address, uint32_t value) {
    try {
      cpu_.write32(address, value);
    } catch (const fw::BusError&) {
    }
  }
  uint64_t any_address() {
    switch (in_.ConsumeIntegralInRange(0, 3)) {
      case 0: return acc() + in_.ConsumeIntegralInRange<uint32_t>(0, FLEXCIM_ACC_SIZE + 16);
      case 1: return dram() + in_.ConsumeIntegralInRange<uint64_t>(0, kDramBytes + 16);
      case 2: return in_.ConsumeIntegral<uint32_t>();
      default: return in_.ConsumeIntegral<uint64_t>();
    }
  }
  uint32_t any_register() {
    return in_.ConsumeBool() ? in_.PickValueInArray(kRegisters) : in_.ConsumeIntegralInRange<uint32_t>(0, 0x200);
  }
  uint32_t any_value() {
    switch (in_.ConsumeIntegralInRange(0, 3)) {
      case 0: return in_.ConsumeIntegralInRange<uint32_t>(0, 16);
      case 1: return uint32_t(dram() + in_.ConsumeIntegralInRange<uint64_t>(0, kDramBytes + 64));
      case 2: return in_.ConsumeIntegralInRange<uint32_t>(0, 70000);
      default: return in_.ConsumeIntegral<uint32_t>();
    }
  }

  void step() {
    switch (in_.ConsumeIntegralInRange(0, 11)) {
      case 0: write(acc() + any_register(), any_value()); break;
      case 1: read(acc() + any_register()); break;
      case 2: write(any_address(), in_.ConsumeIntegral<uint32_t>()); break;
      case 3: read(any_address()); break;
      case 4: {  // DRAM contents from the input, anywhere (the debug loader's range checks)
        const std::vector<uint8_t> bytes = in_.ConsumeBytes<uint8_t>(in_.ConsumeIntegralInRange(1, 256));
        try {
          cpu_.load(in_.ConsumeBool() ? dram() + in_.ConsumeIntegralInRange<uint64_t>(0, kDramBytes) : any_address(),
                    bytes.data(), bytes.size());
        } catch (const fw::BusError&) {
        }
        break;
      }
      case 5: write(acc() + FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK); break;
      case 6: write(acc() + FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_RESET_MASK); break;
      case 7: write(acc() + FLEXCIM_ACC_CTRL_OFFSET, in_.ConsumeIntegral<uint32_t>()); break;
      case 8: cpu_.delay_ns(in_.ConsumeIntegralInRange(1, 20000)); break;
      case 9: write(acc() + FLEXCIM_ACC_IRQ_ENABLE_OFFSET, in_.ConsumeIntegralInRange<uint32_t>(0, 3)); break;
      case 10: write(acc() + FLEXCIM_ACC_IRQ_STATUS_OFFSET, in_.ConsumeIntegralInRange<uint32_t>(0, 3)); break;
      default: job(); break;
    }
  }

  bool busy() { return read(acc() + FLEXCIM_ACC_STATUS_OFFSET) & FLEXCIM_ACC_STATUS_BUSY_MASK; }

  // Polls until the accelerator is idle; false if it is still busy after `limit_ns`.
  bool wait_idle(double limit_ns) {
    for (double t = 0; t < limit_ns; t += 1000) {
      if (!busy()) return true;
      cpu_.delay_ns(1000);
    }
    return !busy();
  }

  // A descriptor that fits DRAM, with weight records whose select bytes are valid
  // unless the input says otherwise, dense or sparse records, int32 or requantised
  // int8 outputs; run to completion and checked.
  void job() {
    const MacroGeometry& g = b_.params.accelerator.geometry;
    const fw::MacroShape shape{g.submacros, g.rows, g.cols};
    const nm::Pattern p = b_.patterns[in_.ConsumeIntegralInRange<size_t>(0, b_.patterns.size() - 1)];
    const bool supported = p.dense() || (b_.params.accelerator.patterns & fw::pattern_bit(p));
    const bool dense_dcim = b_.params.accelerator.kind == MacroKind::DenseDcim;
    // Dense layers may also run as sparse P:P records on FlexCiM; dense-dcim reads dense ones only.
    const fw::TileFormat format = p.dense() && (dense_dcim || in_.ConsumeBool()) ? fw::TileFormat::Dense
                                                                                 : fw::TileFormat::Sparse;
    const bool out_int8 = in_.ConsumeBool();
    const uint32_t tokens = in_.ConsumeIntegralInRange(1, 6);
    const uint32_t in = in_.ConsumeIntegralInRange(1, 300), out = in_.ConsumeIntegralInRange(1, 40);
    const nm::Pattern sized = supported ? p : nm::Pattern{1, 1};  // an unsupported one has no stream size
    const uint64_t w_bytes = shape.stream_bytes(int(out), int(in), sized, format);
    const uint64_t x_off = (w_bytes + 63) / 64 * 64, q_off = (x_off + uint64_t(tokens) * in + 63) / 64 * 64;
    const uint64_t y_off = (q_off + uint64_t(out) * 8 + 63) / 64 * 64;
    if (y_off + uint64_t(tokens) * out * 4 > kDramBytes) return;
    if (!wait_idle(50e6)) finding("accelerator busy for 50 ms of simulated time");

    std::mt19937 rng(in_.ConsumeIntegral<uint32_t>());
    const nm::Pattern row = shape.row_pattern(sized);
    std::vector<uint8_t> stream(w_bytes);
    for (uint8_t& byte : stream) byte = uint8_t(rng());
    const uint64_t record = shape.record_bytes(format), selects = uint64_t(g.rows) * g.submacros;
    if (format == fw::TileFormat::Sparse)
      for (uint64_t r = 0; r < w_bytes; r += record)
        for (uint64_t j = 0; j < selects; ++j)  // sub-macro j takes bus group j, a pair that exists
          stream[r + j] = uint8_t((j % g.submacros) << 2 | rng() % (row.m / 2));
    const bool corrupt = in_.ConsumeIntegralInRange(0, 7) == 0;
    if (corrupt) stream[in_.ConsumeIntegralInRange<uint64_t>(0, w_bytes - 1)] = in_.ConsumeIntegral<uint8_t>();
    std::vector<int8_t> x(uint64_t(tokens) * in);
    for (int8_t& v : x) v = int8_t(rng());
    std::vector<fw::Requant> requant(out);
    for (fw::Requant& q : requant) q = {int32_t(rng()), unsigned(rng() % 63)};
    const std::vector<uint8_t> table = fw::encode_requant_table(requant);
    cpu_.load(dram(), stream.data(), stream.size());
    cpu_.load(dram() + x_off, x.data(), x.size());
    cpu_.load(dram() + q_off, table.data(), table.size());

    const uint64_t base = acc();
    write(base + FLEXCIM_ACC_JOB_TOKENS_OFFSET, tokens);
    write(base + FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, in);
    write(base + FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET, out);
    write(base + FLEXCIM_ACC_JOB_PATTERN_OFFSET, uint32_t(p.n) | uint32_t(p.m) << FLEXCIM_ACC_JOB_PATTERN_M_SHIFT);
    write(base + FLEXCIM_ACC_JOB_W_ADDR_OFFSET, uint32_t(dram()));
    write(base + FLEXCIM_ACC_JOB_W_BYTES_OFFSET, uint32_t(w_bytes));
    write(base + FLEXCIM_ACC_JOB_X_ADDR_OFFSET, uint32_t(dram() + x_off));
    write(base + FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, uint32_t(dram() + y_off));
    write(base + FLEXCIM_ACC_JOB_Q_ADDR_OFFSET, uint32_t(dram() + q_off));
    write(base + FLEXCIM_ACC_JOB_FLAGS_OFFSET,
          (format == fw::TileFormat::Dense ? FLEXCIM_ACC_JOB_FLAGS_DENSE_TILES_MASK : 0) |
              (out_int8 ? FLEXCIM_ACC_JOB_FLAGS_OUT_INT8_MASK : 0));
    write(base + FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    if (!wait_idle(50e6)) finding("job busy for 50 ms of simulated time");

    const uint32_t status = read(base + FLEXCIM_ACC_STATUS_OFFSET);
    const uint32_t error = (status & FLEXCIM_ACC_STATUS_ERR_CODE_MASK) >> FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT;
    if (!supported) {
      if (error != FLEXCIM_ERR_PATTERN) finding("unsupported pattern " + p.str() + " not refused");
      return;
    }
    if (error == FLEXCIM_ERR_METADATA) {
      const uint32_t at = read(base + FLEXCIM_ACC_ERR_INFO_OFFSET);
      const uint8_t select = stream.at(at);
      const bool in_selects = format == fw::TileFormat::Sparse && at % record < selects;
      const bool invalid = (select & 3) >= row.m / 2 || (select >> 2) >= int(g.submacros);
      if (!corrupt || !in_selects || !invalid)
        finding("ERR_METADATA at stream byte " + std::to_string(at) + " which is a valid select byte");
      return;
    }
    if (error != FLEXCIM_ERR_NONE) finding("well-formed job failed with error " + std::to_string(error));

    const std::vector<int32_t> expected = reference(stream, x, tokens, in, out, p, format);
    if (out_int8) {
      std::vector<int8_t> y(uint64_t(tokens) * out);
      cpu_.dump(dram() + y_off, y.data(), y.size());
      if (y != fw::requantise(expected, int(tokens), requant))
        finding(std::string("int8 job on ") + b_.platform->basename() + " differs from the host reference");
    } else {
      std::vector<int32_t> y(uint64_t(tokens) * out);
      cpu_.dump(dram() + y_off, y.data(), y.size() * 4);
      if (y != expected)
        finding(std::string("job on ") + b_.platform->basename() + " differs from the host reference (" + p.str() + ")");
    }
  }

  // What the macros must compute: the firmware's decoder of the same stream, fed the
  // padded tile edges the sequencer feeds (zero inputs, discarded outputs).
  std::vector<int32_t> reference(const std::vector<uint8_t>& stream, const std::vector<int8_t>& x, uint32_t tokens,
                                 uint32_t in, uint32_t out, nm::Pattern p, fw::TileFormat format) const {
    const MacroGeometry& g = b_.params.accelerator.geometry;
    const fw::MacroShape shape{g.submacros, g.rows, g.cols};
    const uint64_t tile = shape.inputs_per_tile(p), padded_in = (in + tile - 1) / tile * tile;
    const uint64_t padded_out = (out + g.cols - 1) / g.cols * g.cols;
    std::vector<int8_t> xp(uint64_t(tokens) * padded_in, 0);
    for (uint64_t t = 0; t < tokens; ++t) std::copy_n(&x[t * in], in, &xp[t * padded_in]);
    const std::vector<int32_t> w = fw::effective_weights(stream, int(padded_out), int(padded_in), p, shape, format);
    const std::vector<int32_t> full = gemm(xp, w, tokens, padded_in, padded_out);
    std::vector<int32_t> y(uint64_t(tokens) * out);
    for (uint64_t t = 0; t < tokens; ++t) std::copy_n(&full[t * padded_out], out, &y[t * out]);
    return y;
  }

  // Whatever the program left running ends, then the device is reset and DRAM cleared.
  void settle() {
    if (!wait_idle(50e6)) finding("accelerator busy 50 ms after the program ended");
    write(acc() + FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_RESET_MASK);
    write(acc() + FLEXCIM_ACC_IRQ_STATUS_OFFSET, 3);
    const std::vector<uint8_t> zeros(kDramBytes, 0);
    cpu_.load(dram(), zeros.data(), zeros.size());
  }

  Board& b_;
  FuzzedDataProvider& in_;
  HostCpu& cpu_;
};

}  // namespace
}  // namespace flexcim::fuzz

using namespace flexcim;

static fuzz::InputThread* input_thread;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::prepare_kernel();
  const std::vector<nm::Pattern> all = {{1, 1}, {4, 4}, {1, 2}, {1, 4}, {2, 4}, {1, 8}, {2, 8}, {4, 8}, {3, 4}, {2, 2}};
  for (const char* arch : {"flexcim", "dense-dcim", "fixed-nm"}) {
    fuzz::Board b;
    b.params = fuzz::small_platform(arch);
    b.platform = std::make_unique<Platform>(arch, b.params);
    b.patterns = all;
    fuzz::boards().push_back(std::move(b));
  }
  input_thread = new fuzz::InputThread();
  sc_core::sc_start();  // elaboration; the host CPUs have no program and stop at once
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  fuzz::Board& board = fuzz::boards()[in.ConsumeIntegralInRange<size_t>(0, fuzz::boards().size() - 1)];
  input_thread->run([&] { fuzz::Program(board, in).run(); });
  return 0;
}
