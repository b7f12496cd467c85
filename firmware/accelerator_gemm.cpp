#include "accelerator_gemm.h"

#include <fmt/format.h>

namespace flexcim::fw {

namespace {
// Activations and outputs of the current call live in a scratch area at the
// top of DRAM; packed layers fill it from the bottom.
constexpr uint64_t kScratchBytes = 1u << 20;
}

AcceleratorGemm::AcceleratorGemm(Hal& hal, const BoardInfo& board, WaitMode wait, double poll_interval_ns)
    : hal_(hal), board_(board), driver_(hal, board.accelerator_base, wait, poll_interval_ns),
      next_free_(board.dram_base) {
  caps_ = driver_.probe();
}

uint64_t AcceleratorGemm::allocate(uint64_t bytes) {
  const uint64_t addr = next_free_;
  next_free_ = (next_free_ + bytes + 63) / 64 * 64;
  if (next_free_ > board_.dram_base + board_.dram_size - kScratchBytes)
    throw DeviceError(fmt::format("the packed model does not fit the {} bytes of DRAM", board_.dram_size));
  return addr;
}

const AcceleratorGemm::Placement& AcceleratorGemm::place(const llm::QuantLayer& layer) {
  auto it = placed_.find(&layer);
  if (it != placed_.end()) return it->second;

  Placement p;
  PackedLayer packed;
  try {
    packed = pack_for_hardware(caps_, layer.weights.data(), layer.keep, layer.out, layer.in, layer.pattern);
  } catch (const nm::NotExecutable& e) {
    throw nm::NotExecutable(fmt::format("{}: {} (prune hardware-aware to run on FlexCiM)", layer.name, e.what()));
  }
  const std::vector<uint8_t>& stream = packed.stream;
  p.executed = packed.executed;
  p.dense_tiles = packed.format == TileFormat::Dense;
  p.w_bytes = stream.size();
  p.w_addr = allocate(stream.size());
  hal_.load(p.w_addr, stream.data(), stream.size());
  return placed_.emplace(&layer, p).first->second;
}

void AcceleratorGemm::run(const llm::QuantLayer& layer, const int8_t* x, int tokens, int32_t* y) {
  const Placement& p = place(layer);
  const uint64_t x_bytes = uint64_t(tokens) * layer.in, y_bytes = uint64_t(tokens) * layer.out * 4;
  const uint64_t x_addr = board_.dram_base + board_.dram_size - kScratchBytes;
  const uint64_t y_addr = x_addr + (x_bytes + 63) / 64 * 64;
  if (y_addr + y_bytes > board_.dram_base + board_.dram_size)
    throw DeviceError(fmt::format("{}: {} tokens do not fit the {}-byte scratch area", layer.name, tokens, kScratchBytes));
  hal_.load(x_addr, x, x_bytes);

  LayerJob job;
  job.tokens = uint32_t(tokens);
  job.in_features = uint32_t(layer.in);
  job.out_features = uint32_t(layer.out);
  job.pattern = p.executed;
  job.w_addr = p.w_addr;
  job.w_bytes = p.w_bytes;
  job.x_addr = x_addr;
  job.y_addr = y_addr;
  job.dense_tiles = p.dense_tiles;
  const JobStatus status = driver_.run(job);
  if (!status.ok())
    throw DeviceError(fmt::format("{}: accelerator error '{}' (ERR_INFO {:#x})", layer.name,
                                  FlexcimDriver::error_name(status.error), status.error_info));
  ++jobs_;
  cycles_ += status.cycles;
  hal_.dump(y_addr, y, y_bytes);
  const std::vector<int32_t> golden = reference_gemm(x, layer.weights.data(), tokens, layer.in, layer.out);
  outputs_checked_ += golden.size();
  for (size_t i = 0; i < golden.size(); ++i) mismatches_ += y[i] != golden[i];
}

}  // namespace flexcim::fw
