// The accelerator's register interface as firmware sees it: through the host
// CPU's TLM socket and the router. Capability values, bus access rules, the
// interrupt, and every job error code reaching STATUS, ERR_INFO and
// IRQ_STATUS, with a valid job working after each. One platform per TEST.
#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flexcim_driver.h"
#include "flexcim_regs.h"
#include "nm/prune.h"
#include "platform.h"
#include "requant.h"
#include "runtime.h"
#include "scenario_loader.h"
#include "weight_packer.h"

namespace flexcim {
namespace {

using nm::Pattern;
using test::TempDir;

constexpr uint32_t kIrqAll = FLEXCIM_ACC_IRQ_STATUS_DONE_MASK | FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK;
constexpr uint32_t kStatusDone = FLEXCIM_ACC_STATUS_DONE_MASK;

// A scenario needs a workload to be valid; these tests program jobs themselves.
constexpr const char* kWorkload = "workload:\n  layers: [{name: unused, in: 64, out: 32}]\n";

uint32_t error_status(uint32_t code) {
  return FLEXCIM_ACC_STATUS_ERROR_MASK | (code << FLEXCIM_ACC_STATUS_ERR_CODE_SHIFT);
}

// A layer placed in DRAM: packed weights, activations, and the outputs it must give.
struct LayerImage {
  fw::LayerJob job;
  std::vector<uint8_t> stream;
  std::vector<int8_t> x;
  std::vector<int32_t> expected;
};

LayerImage make_layer(const fw::BoardInfo& board, const fw::MacroShape& shape, int tokens, int in, int out,
                      Pattern p, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> w(size_t(out) * in);
  std::vector<float> scores(w.size());
  for (size_t k = 0; k < w.size(); ++k) {
    w[k] = int8_t(byte(rng));
    scores[k] = float(std::abs(int(w[k])));
  }
  const std::vector<uint8_t> mask =
      p.dense() ? std::vector<uint8_t>(w.size(), 1)
                : nm::prune_mask(scores.data(), out, in, p, nm::PruneMode::HwAware, int(shape.cols));
  LayerImage l;
  l.stream = fw::pack_weights(w.data(), mask, out, in, p, shape, fw::tile_format(p));
  for (size_t k = 0; k < w.size(); ++k)
    if (!mask[k]) w[k] = 0;
  l.x.resize(size_t(tokens) * in);
  for (int8_t& v : l.x) v = int8_t(byte(rng));
  l.expected = fw::reference_gemm(l.x.data(), w.data(), tokens, in, out);
  l.job.tokens = tokens;
  l.job.in_features = in;
  l.job.out_features = out;
  l.job.pattern = p.dense() ? Pattern{int(shape.submacros), int(shape.submacros)} : p;
  l.job.dense_tiles = fw::tile_format(p) == fw::TileFormat::Dense;
  l.job.w_addr = board.dram_base;
  l.job.w_bytes = l.stream.size();
  l.job.x_addr = board.dram_base + 0x100000;
  l.job.y_addr = board.dram_base + 0x200000;
  return l;
}

fw::MacroShape shape_of(const Scenario& s) {
  const MacroGeometry& g = s.platform.accelerator.geometry;
  return {g.submacros, g.rows, g.cols};
}

// Register access relative to the accelerator base, plus the job sequences the tests share.
class Device {
 public:
  Device(fw::Hal& hal, uint64_t base) : hal_(hal), base_(base) {}

  uint32_t read(uint32_t offset) { return hal_.read32(base_ + offset); }
  void write(uint32_t offset, uint32_t value) { hal_.write32(base_ + offset, value); }

  void load(const LayerImage& l) {
    hal_.load(l.job.w_addr, l.stream.data(), l.stream.size());
    hal_.load(l.job.x_addr, l.x.data(), l.x.size());
  }
  // Descriptor only; raw values, so tests can program what the driver never would.
  void program(const fw::LayerJob& j) {
    write(FLEXCIM_ACC_JOB_TOKENS_OFFSET, j.tokens);
    write(FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, j.in_features);
    write(FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET, j.out_features);
    write(FLEXCIM_ACC_JOB_PATTERN_OFFSET, uint32_t(j.pattern.n) << FLEXCIM_ACC_JOB_PATTERN_N_SHIFT |
                                              uint32_t(j.pattern.m) << FLEXCIM_ACC_JOB_PATTERN_M_SHIFT);
    write(FLEXCIM_ACC_JOB_W_ADDR_OFFSET, uint32_t(j.w_addr));
    write(FLEXCIM_ACC_JOB_W_BYTES_OFFSET, uint32_t(j.w_bytes));
    write(FLEXCIM_ACC_JOB_X_ADDR_OFFSET, uint32_t(j.x_addr));
    write(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, uint32_t(j.y_addr));
    write(FLEXCIM_ACC_JOB_FLAGS_OFFSET, (j.dense_tiles ? FLEXCIM_ACC_JOB_FLAGS_DENSE_TILES_MASK : 0u) |
                                            (j.out_int8 ? FLEXCIM_ACC_JOB_FLAGS_OUT_INT8_MASK : 0u));
    write(FLEXCIM_ACC_JOB_Q_ADDR_OFFSET, uint32_t(j.q_addr));
  }

  struct Completion {
    uint32_t status = 0, err_info = 0, irq_status = 0;
  };
  // Starts the programmed job, waits for the interrupt (both sources enabled),
  // reads the outcome, then acknowledges it.
  Completion start_and_wait() {
    write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, kIrqAll);
    write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    hal_.wait_for_interrupt();
    Completion c{read(FLEXCIM_ACC_STATUS_OFFSET), read(FLEXCIM_ACC_ERR_INFO_OFFSET),
                 read(FLEXCIM_ACC_IRQ_STATUS_OFFSET)};
    write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, kIrqAll);
    return c;
  }

  void expect_error(const fw::LayerJob& job, uint32_t code, uint32_t info, const std::string& what) {
    SCOPED_TRACE(what);
    program(job);
    const Completion c = start_and_wait();
    EXPECT_EQ(c.status, error_status(code)) << "STATUS " << std::hex << c.status;
    EXPECT_EQ(c.err_info, info);
    EXPECT_EQ(c.irq_status, FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
  }

  std::vector<int32_t> outputs(const LayerImage& l) {
    std::vector<int32_t> y(l.expected.size());
    hal_.dump(l.job.y_addr, y.data(), y.size() * 4);
    return y;
  }

  // Runs a good job and checks its outputs: the accelerator recovered.
  void expect_valid_job(const LayerImage& l, const std::string& after) {
    SCOPED_TRACE("valid job after " + after);
    load(l);
    hal_.load(l.job.y_addr, std::vector<uint8_t>(l.expected.size() * 4, 0xA5).data(), l.expected.size() * 4);
    program(l.job);
    const Completion c = start_and_wait();
    EXPECT_EQ(c.status, kStatusDone) << "STATUS " << std::hex << c.status;
    EXPECT_EQ(c.irq_status, FLEXCIM_ACC_IRQ_STATUS_DONE_MASK);
    EXPECT_GT(read(FLEXCIM_ACC_PERF_CYCLES_LO_OFFSET), 0u);
    EXPECT_EQ(outputs(l), l.expected);
  }

 private:
  fw::Hal& hal_;
  uint64_t base_;
};

// Runs `body` as the firmware of a platform built from `yaml`.
template <typename Body>
void with_device(const std::string& yaml, Body body) {
  TempDir dir;
  const Scenario scenario = test::load_scenario(dir, yaml);
  Platform platform("platform", scenario.platform);
  const fw::BoardInfo board = platform.board();
  platform.run([&](fw::Hal& hal) {
    Device dev(hal, board.accelerator_base);
    body(dev, hal, platform, scenario, board);
  });
}

std::string normalised(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return c == '_' ? ' ' : std::tolower(c); });
  return s;
}

// -- Capabilities -------------------------------------------------------------

TEST(PlatformRegisters, IdentificationAndCapabilitiesReflectTheConfiguration) {
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    macros: 3\n    patterns: [2:4, 1:8]\n"
                          "    geometry: {submacros: 4, rows: 16, cols: 8}\n    buffers:\n"
                          "      weight: {bytes: 8192}\n      activation: {bytes: 4096}\n      output: {bytes: 2048}\n") +
                  kWorkload,
              [](Device& dev, fw::Hal& hal, Platform&, const Scenario&, const fw::BoardInfo& board) {
                EXPECT_EQ(dev.read(FLEXCIM_ACC_ID_OFFSET), 0x4643494Du);  // "FCIM"
                EXPECT_EQ(dev.read(FLEXCIM_ACC_VERSION_OFFSET), 0x00010001u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET), 3u | 4u << 8 | 16u << 16 | 8u << 24);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_PATTERNS_OFFSET),
                          uint32_t(FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK | FLEXCIM_ACC_CAP_PATTERNS_P2_4_MASK |
                                   FLEXCIM_ACC_CAP_PATTERNS_P1_8_MASK));
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_WBUF_BYTES_OFFSET), 8192u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_ABUF_BYTES_OFFSET), 4096u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_OBUF_BYTES_OFFSET), 2048u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_ARCH_OFFSET), uint32_t(FLEXCIM_ARCH_FLEXCIM));
                // Nothing has run: idle, no interrupt pending or enabled.
                EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), 0u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), 0u);
                EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_ENABLE_OFFSET), 0u);

                // The driver reads the same through the same bus.
                const fw::Capabilities caps =
                    fw::FlexcimDriver(hal, board.accelerator_base, fw::WaitMode::Interrupt).probe();
                EXPECT_EQ(caps.macros, 3u);
                EXPECT_EQ(caps.submacros, 4u);
                EXPECT_EQ(caps.rows, 16u);
                EXPECT_EQ(caps.cols, 8u);
                EXPECT_EQ(caps.arch_name(), "flexcim");
                EXPECT_EQ(caps.patterns(), (std::vector<Pattern>{{1, 8}, {2, 4}, {4, 4}}));
              });
}

TEST(PlatformRegisters, DenseDcimAdvertisesOnlyDense) {
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    architecture: dense-dcim\n    macros: 2\n"
                          "    geometry: {submacros: 8, rows: 4, cols: 16}\n") + kWorkload,
              [](Device& dev, fw::Hal&, Platform&, const Scenario&, const fw::BoardInfo&) {
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_ARCH_OFFSET), uint32_t(FLEXCIM_ARCH_DENSE_DCIM));
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_PATTERNS_OFFSET), uint32_t(FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK));
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET), 2u | 8u << 8 | 4u << 16 | 16u << 24);
              });
}

TEST(PlatformRegisters, FixedNmAdvertisesItsOnePattern) {
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    architecture: fixed-nm\n"
                          "    fixed_pattern: \"1:4\"\n") + kWorkload,
              [](Device& dev, fw::Hal&, Platform&, const Scenario&, const fw::BoardInfo&) {
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_ARCH_OFFSET), uint32_t(FLEXCIM_ARCH_FIXED_NM));
                EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_PATTERNS_OFFSET),
                          uint32_t(FLEXCIM_ACC_CAP_PATTERNS_DENSE_MASK | FLEXCIM_ACC_CAP_PATTERNS_P1_4_MASK));
              });
}

// -- Bus access rules ---------------------------------------------------------

TEST(PlatformRegisters, BusRefusesWrongAccessesWithBusErrors) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&, const Scenario&,
                                                          const fw::BoardInfo& board) {
    const uint64_t acc = board.accelerator_base;
    auto expect_bus_error = [&](auto access, uint64_t address, const std::string& kind) {
      SCOPED_TRACE(testing::Message() << std::hex << "address 0x" << address);
      try {
        access(address);
        ADD_FAILURE() << "no bus error";
      } catch (const fw::BusError& e) {
        EXPECT_EQ(e.address(), address);
        EXPECT_NE(normalised(e.what()).find(kind), std::string::npos) << e.what();
      }
    };
    auto read = [&](uint64_t a) { hal.read32(a); };
    auto write = [&](uint64_t a) { hal.write32(a, 0x12345678); };

    // Access rules of the register map.
    expect_bus_error(write, acc + FLEXCIM_ACC_ID_OFFSET, "command error");          // RO
    expect_bus_error(write, acc + FLEXCIM_ACC_STATUS_OFFSET, "command error");      // RO
    expect_bus_error(read, acc + FLEXCIM_ACC_CTRL_OFFSET, "command error");         // WO
    expect_bus_error(read, acc + FLEXCIM_ACC_ID_OFFSET + 2, "command error");       // misaligned
    EXPECT_EQ(dev.read(FLEXCIM_ACC_ID_OFFSET), 0x4643494Du) << "a refused write changed ID";
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), 0u) << "a refused write changed STATUS";

    // No register there, inside the accelerator's window.
    expect_bus_error(read, acc + 0x03C, "address error");
    expect_bus_error(write, acc + 0x800, "address error");
    expect_bus_error(read, acc + 0xFFC, "address error");
    // Outside every range of the memory map.
    expect_bus_error(read, 0x10000000, "address error");
    expect_bus_error(write, acc + 0x1000, "address error");
    expect_bus_error(read, board.dram_base + board.dram_size, "address error");
    expect_bus_error(read, board.dram_base + board.dram_size - 2, "address error");  // straddles the end

    // DRAM is on the same bus; bulk loads past its end are refused too.
    hal.write32(board.dram_base + 0x40, 0xCAFEF00D);
    EXPECT_EQ(hal.read32(board.dram_base + 0x40), 0xCAFEF00Du);
    const std::vector<uint8_t> block(64, 1);
    EXPECT_THROW(hal.load(board.dram_base + board.dram_size - 32, block.data(), block.size()), fw::BusError);

    // Reserved bits read 0 and ignore writes; RW registers read back.
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, 0xFFFFFFFF);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_ENABLE_OFFSET), kIrqAll);
    dev.write(FLEXCIM_ACC_JOB_PATTERN_OFFSET, 0xFFFFFFFF);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_JOB_PATTERN_OFFSET), 0xFFFFu);
    dev.write(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, 0x87654320);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_JOB_Y_ADDR_OFFSET), 0x87654320u);
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, 0);
  });
}

// -- Interrupts -----------------------------------------------------------------

TEST(PlatformRegisters, IrqStatusIsWriteOneToClear) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const LayerImage l = make_layer(board, shape_of(scenario), 2, 64, 32, {1, 1}, 1);
    dev.load(l);
    dev.program(l.job);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    while (dev.read(FLEXCIM_ACC_STATUS_OFFSET) & FLEXCIM_ACC_STATUS_BUSY_MASK) hal.delay_ns(50);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), kStatusDone);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_DONE_MASK);
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, 0);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_DONE_MASK) << "writing 0 cleared";
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_DONE_MASK) << "another bit cleared DONE";
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_DONE_MASK);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), kStatusDone) << "acknowledging must not clear STATUS";
    EXPECT_EQ(dev.outputs(l), l.expected);
  });
}

TEST(PlatformRegisters, InterruptLineIsStatusAndEnable) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform& platform,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    // The line settles within a register access; sample it a little later.
    auto line = [&] {
      hal.delay_ns(5);
      return platform.cpu().irq.read();
    };
    const LayerImage l = make_layer(board, shape_of(scenario), 2, 64, 32, {1, 1}, 2);
    dev.load(l);
    dev.program(l.job);

    // Disabled: the job completes, status is pending, the line stays low.
    EXPECT_FALSE(line());
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    while (dev.read(FLEXCIM_ACC_STATUS_OFFSET) & FLEXCIM_ACC_STATUS_BUSY_MASK) hal.delay_ns(50);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_DONE_MASK);
    EXPECT_FALSE(line()) << "line high with interrupts disabled";

    // Enabling a pending source raises it; enabling only the other source does not.
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_ERROR_MASK);
    EXPECT_FALSE(line()) << "ERROR enabled, only DONE pending";
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_DONE_MASK);
    EXPECT_TRUE(line());
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, 0);
    EXPECT_FALSE(line()) << "disabling did not lower the line";
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_DONE_MASK);
    EXPECT_TRUE(line());
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_DONE_MASK);
    EXPECT_FALSE(line()) << "acknowledging did not lower the line";

    // Enabled: the line rises when the job ends, not before.
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    EXPECT_FALSE(line()) << "line high while the job runs";
    hal.wait_for_interrupt();
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), kStatusDone);
    EXPECT_TRUE(line());

    // An error raises it through the ERROR source.
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, kIrqAll);
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, FLEXCIM_ACC_IRQ_ENABLE_ERROR_MASK);
    EXPECT_FALSE(line());
    dev.write(FLEXCIM_ACC_JOB_TOKENS_OFFSET, 0);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    hal.wait_for_interrupt();
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
    EXPECT_FALSE(line());
  });
}

TEST(PlatformRegisters, SoftResetClearsStatusInterruptsAndDescriptor) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform& platform,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const LayerImage l = make_layer(board, shape_of(scenario), 1, 64, 32, {1, 1}, 3);
    const uint32_t geometry = dev.read(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET);
    dev.load(l);
    dev.program(l.job);
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, kIrqAll);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    hal.wait_for_interrupt();
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_RESET_MASK);
    hal.delay_ns(5);
    EXPECT_FALSE(platform.cpu().irq.read());
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_ENABLE_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_JOB_TOKENS_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_JOB_W_BYTES_OFFSET), 0u);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_CAP_GEOMETRY_OFFSET), geometry) << "reset lost a configured capability";
    dev.expect_valid_job(l, "soft reset");
  });
}

// STATUS.BUSY means "a job is running" (register map), and CTRL.RESET aborts
// nothing: a reset during a job must not make the running job look idle, or
// firmware that polls BUSY reads results before they are written.
TEST(PlatformRegisters, SoftResetDuringAJobKeepsStatusBusy) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const LayerImage l = make_layer(board, shape_of(scenario), 4, 300, 70, {1, 1}, 16);
    dev.load(l);
    dev.program(l.job);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_RESET_MASK);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), uint32_t(FLEXCIM_ACC_STATUS_BUSY_MASK))
        << "the job still runs after the reset";
    while (dev.read(FLEXCIM_ACC_STATUS_OFFSET) & FLEXCIM_ACC_STATUS_BUSY_MASK) hal.delay_ns(50);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), kStatusDone);
    EXPECT_EQ(dev.outputs(l), l.expected);
  });
}

// -- Job errors -------------------------------------------------------------------

TEST(PlatformRegisters, ShapeErrors) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario,
                                                          const fw::BoardInfo& board) {
    const LayerImage good = make_layer(board, shape_of(scenario), 3, 130, 33, {2, 4}, 4);
    fw::LayerJob j = good.job;
    j.tokens = 0;
    dev.expect_error(j, FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_TOKENS_OFFSET, "tokens 0");
    dev.expect_valid_job(good, "tokens 0");
    j = good.job;
    j.in_features = 0;
    dev.expect_error(j, FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_IN_FEATURES_OFFSET, "in_features 0");
    dev.expect_valid_job(good, "in_features 0");
    j = good.job;
    j.out_features = 65536;
    dev.expect_error(j, FLEXCIM_ERR_SHAPE, FLEXCIM_ACC_JOB_OUT_FEATURES_OFFSET, "out_features 65536");
    dev.expect_valid_job(good, "out_features 65536");
  });
}

TEST(PlatformRegisters, PatternErrors) {
  // 1:8 is a hardware pattern, but this instance does not advertise it.
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    patterns: [1:2, 2:4, 2:8]\n") + kWorkload,
              [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario, const fw::BoardInfo& board) {
                const LayerImage good = make_layer(board, shape_of(scenario), 2, 200, 40, {2, 8}, 5);
                fw::LayerJob j = good.job;
                j.pattern = {3, 8};
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET, "3:8");
                dev.expect_valid_job(good, "3:8");
                j.pattern = {8, 4};
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET, "8:4");
                dev.expect_valid_job(good, "8:4");
                j.pattern = {1, 8};
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET, "1:8 not advertised");
                dev.expect_valid_job(good, "1:8 not advertised");
                j.pattern = {0, 0};  // the reset value of JOB_PATTERN is not a pattern
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET, "0:0");
                dev.expect_valid_job(good, "0:0");
                // Dense records hold dense layers only.
                j = good.job;
                j.dense_tiles = true;
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_FLAGS_OFFSET, "dense records for 2:8");
                dev.expect_valid_job(good, "dense records for 2:8");
              });
}

// A dense layer may come as dense records (DENSE_TILES) or, on FlexCiM, as
// sparse P:P records through the selects; the size must match the format.
TEST(PlatformRegisters, DenseTilesFlagSelectsTheRecordFormat) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario,
                                                          const fw::BoardInfo& board) {
    const fw::MacroShape shape = shape_of(scenario);
    const LayerImage dense = make_layer(board, shape, 2, 300, 40, {1, 1}, 20);
    ASSERT_TRUE(dense.job.dense_tiles);
    ASSERT_EQ(dense.stream.size(), 2u * 3u * shape.record_bytes(fw::TileFormat::Dense));
    dev.expect_valid_job(dense, "nothing (dense records)");

    LayerImage sparse = dense;
    std::vector<int8_t> w = fw::unpack_weights(dense.stream, 40, 300, {1, 1}, shape, fw::TileFormat::Dense);
    sparse.stream = fw::pack_weights(w.data(), std::vector<uint8_t>(w.size(), 1), 40, 300, {1, 1}, shape,
                                     fw::TileFormat::Sparse);
    sparse.job.dense_tiles = false;
    sparse.job.w_bytes = sparse.stream.size();
    dev.expect_valid_job(sparse, "nothing (sparse P:P records)");

    fw::LayerJob j = sparse.job;
    j.dense_tiles = true;  // the sparse stream is longer than dense records need
    dev.load(sparse);
    dev.expect_error(j, FLEXCIM_ERR_WEIGHT_SIZE, FLEXCIM_ACC_JOB_W_BYTES_OFFSET, "sparse stream as dense records");
    dev.expect_valid_job(dense, "sparse stream as dense records");
  });
}

TEST(PlatformRegisters, PatternErrorOnDenseDcim) {
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    architecture: dense-dcim\n") + kWorkload,
              [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario, const fw::BoardInfo& board) {
                const fw::MacroShape shape = shape_of(scenario);
                const LayerImage sparse = make_layer(board, shape, 2, 200, 40, {2, 4}, 6);
                dev.load(sparse);
                dev.expect_error(sparse.job, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_PATTERN_OFFSET, "2:4");
                const LayerImage dense = make_layer(board, shape, 2, 200, 40, {1, 1}, 6);
                dev.expect_valid_job(dense, "2:4");
                // It has no selects or metadata: only dense records.
                fw::LayerJob j = dense.job;
                j.dense_tiles = false;
                dev.expect_error(j, FLEXCIM_ERR_PATTERN, FLEXCIM_ACC_JOB_FLAGS_OFFSET, "sparse records");
                dev.expect_valid_job(dense, "sparse records");
              });
}

TEST(PlatformRegisters, AddressErrors) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario,
                                                          const fw::BoardInfo& board) {
    const LayerImage good = make_layer(board, shape_of(scenario), 3, 130, 33, {1, 4}, 7);
    fw::LayerJob j = good.job;
    j.w_addr += 2;
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_W_ADDR_OFFSET, "unaligned weights");
    dev.expect_valid_job(good, "unaligned weights");
    j = good.job;
    j.x_addr = board.dram_base + board.dram_size - 64;  // 3 x 130 bytes do not fit
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_X_ADDR_OFFSET, "activations past DRAM");
    dev.expect_valid_job(good, "activations past DRAM");
    j = good.job;
    j.y_addr = 0x1000;
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, "outputs below DRAM");
    dev.expect_valid_job(good, "outputs below DRAM");

    // Outputs ending exactly at the end of DRAM are fine; 4 bytes further are not.
    LayerImage at_end = good;
    at_end.job.y_addr = board.dram_base + board.dram_size - at_end.expected.size() * 4;
    dev.expect_valid_job(at_end, "nothing (outputs end at the end of DRAM)");
    j = at_end.job;
    j.y_addr += 4;
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, "outputs 4 bytes past DRAM");
    dev.expect_valid_job(good, "outputs 4 bytes past DRAM");
  });
}

TEST(PlatformRegisters, WeightSizeErrors) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario,
                                                          const fw::BoardInfo& board) {
    const LayerImage good = make_layer(board, shape_of(scenario), 2, 300, 40, {2, 4}, 8);
    fw::LayerJob j = good.job;
    j.w_bytes -= 4;
    dev.expect_error(j, FLEXCIM_ERR_WEIGHT_SIZE, FLEXCIM_ACC_JOB_W_BYTES_OFFSET, "4 bytes short");
    dev.expect_valid_job(good, "4 bytes short");
    j = good.job;
    j.pattern = {1, 8};  // needs fewer tiles than the 2:4 stream holds
    dev.expect_error(j, FLEXCIM_ERR_WEIGHT_SIZE, FLEXCIM_ACC_JOB_W_BYTES_OFFSET, "stream of another pattern");
    dev.expect_valid_job(good, "stream of another pattern");
  });
}

TEST(PlatformRegisters, MetadataErrorNamesTheBadSelectByte) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario,
                                                          const fw::BoardInfo& board) {
    const fw::MacroShape shape = shape_of(scenario);
    const LayerImage good = make_layer(board, shape, 2, 512, 32, {2, 4}, 9);  // 2 tile records
    ASSERT_EQ(good.stream.size(), 2 * shape.record_bytes(fw::TileFormat::Sparse));

    // 2:4 has pairs 0 and 1 only: pair 3 in (record 1, row 5, sub-macro 2).
    LayerImage bad = good;
    const uint64_t pair_byte = shape.record_bytes(fw::TileFormat::Sparse) + 5 * shape.submacros + 2;
    bad.stream[pair_byte] = uint8_t((bad.stream[pair_byte] & ~3u) | 3u);
    dev.load(bad);
    dev.expect_error(bad.job, FLEXCIM_ERR_METADATA, uint32_t(pair_byte), "pair 3 of a 2:4 group");
    dev.expect_valid_job(good, "pair 3 of a 2:4 group");

    // Level 2 names bus group 4 of P = 4 in (record 0, row 1, sub-macro 3).
    bad = good;
    const uint64_t source_byte = 1 * shape.submacros + 3;
    bad.stream[source_byte] = uint8_t((bad.stream[source_byte] & 3u) | 4u << 2);
    dev.load(bad);
    dev.expect_error(bad.job, FLEXCIM_ERR_METADATA, uint32_t(source_byte), "bus group 4 of 4");
    dev.expect_valid_job(good, "bus group 4 of 4");
  });
}

// -- int8 outputs ------------------------------------------------------------------

// A layer with int8 outputs: records in DRAM at q_addr, the golden int8 outputs.
struct Int8Layer {
  LayerImage image;
  std::vector<fw::Requant> requant;
  std::vector<int8_t> expected;
};

// Per channel: the firmware's own scale (4 sigma), or one of the corner cases:
// shift 0 (no rounding term, saturates), the largest shift, a negative multiplier.
Int8Layer make_int8_layer(const fw::BoardInfo& board, const fw::MacroShape& shape, int tokens, int in, int out,
                          Pattern p, uint32_t seed) {
  Int8Layer l{make_layer(board, shape, tokens, in, out, p, seed), {}, {}};
  const std::vector<int8_t> w = p.dense() ? fw::unpack_weights(l.image.stream, out, in, p, shape, fw::TileFormat::Dense)
                                          : fw::unpack_weights(l.image.stream, out, in, p, shape, fw::TileFormat::Sparse);
  l.requant = fw::output_requant(w.data(), l.image.x.data(), tokens, in, out);
  for (int o = 0; o < out; o += 7) l.requant[o] = {1, 0};
  for (int o = 1; o < out; o += 7) l.requant[o] = {INT32_MAX, 62};
  for (int o = 2; o < out; o += 7) l.requant[o].multiplier = -l.requant[o].multiplier;
  l.expected = fw::requantise(l.image.expected, tokens, l.requant);
  l.image.job.out_int8 = true;
  l.image.job.q_addr = board.dram_base + 0x300000;
  return l;
}

void load_int8(fw::Hal& hal, const Int8Layer& l) {
  const std::vector<uint8_t> table = fw::encode_requant_table(l.requant);
  hal.load(l.image.job.q_addr, table.data(), table.size());
  hal.load(l.image.job.w_addr, l.image.stream.data(), l.image.stream.size());
  hal.load(l.image.job.x_addr, l.image.x.data(), l.image.x.size());
}

TEST(PlatformRegisters, Int8OutputsAreBitExactAgainstTheGoldenModel) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const fw::MacroShape shape = shape_of(scenario);
    int seed = 30;
    for (Pattern p : {Pattern{1, 1}, Pattern{2, 4}, Pattern{1, 8}, Pattern{4, 8}}) {
      SCOPED_TRACE(p.str());
      // 300 outputs: three macro groups of 128 channels, the last one partial.
      const Int8Layer l = make_int8_layer(board, shape, 3, 700, 300, p, seed++);
      const size_t bytes = l.expected.size();
      load_int8(hal, l);
      const std::vector<uint8_t> canary(bytes + 64, 0xA5);
      hal.load(l.image.job.y_addr, canary.data(), canary.size());
      dev.program(l.image.job);
      const Device::Completion c = dev.start_and_wait();
      ASSERT_EQ(c.status, kStatusDone) << "STATUS " << std::hex << c.status;

      std::vector<int8_t> y(bytes + 64);
      hal.dump(l.image.job.y_addr, y.data(), y.size());
      EXPECT_EQ(std::vector<int8_t>(y.begin(), y.begin() + bytes), l.expected);
      for (size_t k = bytes; k < y.size(); ++k) ASSERT_EQ(uint8_t(y[k]), 0xA5) << "int8 Y overran by " << k - bytes;
      // Not vacuous: the firmware's scales spread outputs over the int8 range.
      size_t inside = 0;
      for (int8_t v : l.expected) inside += v != 0 && v != 127 && v != -128;
      EXPECT_GT(inside, bytes / 2);
    }
  });
}

TEST(PlatformRegisters, RequantisationErrors) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const fw::MacroShape shape = shape_of(scenario);
    const Int8Layer good = make_int8_layer(board, shape, 2, 200, 40, {2, 4}, 40);
    auto expect_valid = [&](const std::string& after) {
      SCOPED_TRACE("valid int8 job after " + after);
      load_int8(hal, good);
      dev.program(good.image.job);
      EXPECT_EQ(dev.start_and_wait().status, kStatusDone);
      std::vector<int8_t> y(good.expected.size());
      hal.dump(good.image.job.y_addr, y.data(), y.size());
      EXPECT_EQ(y, good.expected);
    };
    expect_valid("nothing");

    fw::LayerJob j = good.image.job;
    j.q_addr += 2;
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Q_ADDR_OFFSET, "unaligned requantisation table");
    expect_valid("unaligned requantisation table");
    j = good.image.job;
    j.q_addr = uint32_t(board.dram_base + board.dram_size - 39 * 8);  // 40 records, room for 39
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Q_ADDR_OFFSET, "table past DRAM");
    expect_valid("table past DRAM");
    // int8 outputs need tokens x out bytes, not four times that.
    j = good.image.job;
    j.y_addr = board.dram_base + board.dram_size - good.expected.size();
    dev.program(j);
    EXPECT_EQ(dev.start_and_wait().status, kStatusDone) << "int8 outputs ending at the end of DRAM";
    j.out_int8 = false;
    dev.expect_error(j, FLEXCIM_ERR_ADDRESS, FLEXCIM_ACC_JOB_Y_ADDR_OFFSET, "the same end as int32 outputs");
    expect_valid("int32 outputs past DRAM");

    // Shift 63 in channel 37's record; then a reserved byte in channel 5's.
    std::vector<uint8_t> table = fw::encode_requant_table(good.requant);
    table[37 * 8 + 4] = 63;
    hal.load(good.image.job.q_addr, table.data(), table.size());
    dev.expect_error(good.image.job, FLEXCIM_ERR_QUANT, 37 * 8, "shift 63");
    expect_valid("shift 63");
    table = fw::encode_requant_table(good.requant);
    table[5 * 8 + 6] = 1;
    hal.load(good.image.job.q_addr, table.data(), table.size());
    dev.expect_error(good.image.job, FLEXCIM_ERR_QUANT, 5 * 8, "reserved byte");
    expect_valid("reserved byte");
  });
}

TEST(PlatformRegisters, BusyErrorLeavesTheRunningJobAlone) {
  with_device(std::string("name: regs\n") + kWorkload, [](Device& dev, fw::Hal& hal, Platform&,
                                                          const Scenario& scenario, const fw::BoardInfo& board) {
    const LayerImage l = make_layer(board, shape_of(scenario), 4, 300, 70, {1, 1}, 10);
    dev.load(l);
    dev.program(l.job);
    dev.write(FLEXCIM_ACC_IRQ_ENABLE_OFFSET, kIrqAll);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    dev.write(FLEXCIM_ACC_CTRL_OFFSET, FLEXCIM_ACC_CTRL_START_MASK);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), FLEXCIM_ACC_STATUS_BUSY_MASK | error_status(FLEXCIM_ERR_BUSY));
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), FLEXCIM_ACC_IRQ_STATUS_ERROR_MASK);
    hal.wait_for_interrupt();  // already pending: the refused start
    while (dev.read(FLEXCIM_ACC_STATUS_OFFSET) & FLEXCIM_ACC_STATUS_BUSY_MASK) hal.delay_ns(50);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_STATUS_OFFSET), kStatusDone);
    EXPECT_EQ(dev.read(FLEXCIM_ACC_IRQ_STATUS_OFFSET), kIrqAll);
    EXPECT_EQ(dev.outputs(l), l.expected) << "the running job was disturbed";
    dev.write(FLEXCIM_ACC_IRQ_STATUS_OFFSET, kIrqAll);
    dev.expect_valid_job(make_layer(board, shape_of(scenario), 2, 100, 20, {1, 8}, 11), "busy");
  });
}

TEST(PlatformRegisters, BufferErrorForARowWiderThanTheActivationBuffer) {
  // 1024 bytes is the smallest activation buffer the scenario allows (R x P x 8);
  // the scenario check refuses wider layers, so the job is programmed directly.
  with_device(std::string("name: regs\nplatform:\n  accelerator:\n    geometry: {submacros: 4, rows: 32, cols: 32}\n"
                          "    buffers:\n      activation: {bytes: 1024}\n") +
                  kWorkload,
              [](Device& dev, fw::Hal&, Platform&, const Scenario& scenario, const fw::BoardInfo& board) {
                const fw::MacroShape shape = shape_of(scenario);
                const LayerImage wide = make_layer(board, shape, 1, 2000, 32, {1, 1}, 12);
                dev.load(wide);
                // Dense tiles hold 128 inputs: one token needs 2000 padded to 2048 bytes.
                dev.expect_error(wide.job, FLEXCIM_ERR_BUFFER, 2048, "2048-byte row");
                dev.expect_valid_job(make_layer(board, shape, 3, 1000, 40, {1, 1}, 13), "2048-byte row");
                // 1:8 tiles hold 1024 inputs, so the same width fits no better: 2048 bytes.
                const LayerImage wide_sparse = make_layer(board, shape, 1, 2000, 32, {1, 8}, 14);
                dev.load(wide_sparse);
                dev.expect_error(wide_sparse.job, FLEXCIM_ERR_BUFFER, 2048, "2048-byte 1:8 row");
                dev.expect_valid_job(make_layer(board, shape, 2, 1024, 16, {1, 8}, 15), "2048-byte 1:8 row");
              });
}

}  // namespace
}  // namespace flexcim
