#include "dramsys_config.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include <DRAMSys/config/DRAMSysConfiguration.h>
#include <DRAMSys/configuration/memspec/MemSpecDDR3.h>
#include <DRAMSys/configuration/memspec/MemSpecDDR4.h>
#include <DRAMSys/configuration/memspec/MemSpecGDDR5.h>
#include <DRAMSys/configuration/memspec/MemSpecGDDR5X.h>
#include <DRAMSys/configuration/memspec/MemSpecGDDR6.h>
#include <DRAMSys/configuration/memspec/MemSpecHBM2.h>
#include <DRAMSys/configuration/memspec/MemSpecLPDDR4.h>
#include <DRAMSys/configuration/memspec/MemSpecSTTMRAM.h>
#include <DRAMSys/configuration/memspec/MemSpecWideIO.h>
#include <DRAMSys/configuration/memspec/MemSpecWideIO2.h>
#include <DRAMSys/controller/McConfig.h>
#include <DRAMSys/simulation/AddressDecoder.h>
#include <DRAMSys/simulation/SimConfig.h>

namespace flexcim {

namespace {

using DRAMSys::Config::MemoryType;

// While DRAMSys objects are built: its configuration printout (std::cout) is
// kept out of the platform's output, and its reports become exceptions, so a
// bad file is one error line instead of an abort.
class DramSysGuard {
 public:
  DramSysGuard() : old_cout_(std::cout.rdbuf(captured_.rdbuf())) {
    old_handler_ = sc_core::sc_report_handler::get_handler();
    sc_core::sc_report_handler::set_handler(&throw_report);
  }
  ~DramSysGuard() {
    std::cout.rdbuf(old_cout_);
    sc_core::sc_report_handler::set_handler(old_handler_);
  }

 private:
  static void throw_report(const sc_core::sc_report& report, const sc_core::sc_actions&) {
    if (report.get_severity() == sc_core::SC_INFO) return;
    throw std::runtime_error(fmt::format("DRAMSys {}: {}", report.get_msg_type(), report.get_msg()));
  }
  std::ostringstream captured_;
  std::streambuf* old_cout_;
  sc_core::sc_report_handler_proc old_handler_;
};

std::string type_name(MemoryType type) { return nlohmann::json(type).get<std::string>(); }

// The memory types DRAMSys 5.1 is built with (DRAMSys::createMemSpec, which is private).
std::shared_ptr<const DRAMSys::MemSpec> make_memspec(const DRAMSys::Config::MemSpec& spec) {
  switch (spec.memoryType) {
    case MemoryType::DDR3: return std::make_shared<DRAMSys::MemSpecDDR3>(spec);
    case MemoryType::DDR4: return std::make_shared<DRAMSys::MemSpecDDR4>(spec);
    case MemoryType::LPDDR4: return std::make_shared<DRAMSys::MemSpecLPDDR4>(spec);
    case MemoryType::WideIO: return std::make_shared<DRAMSys::MemSpecWideIO>(spec);
    case MemoryType::WideIO2: return std::make_shared<DRAMSys::MemSpecWideIO2>(spec);
    case MemoryType::HBM2: return std::make_shared<DRAMSys::MemSpecHBM2>(spec);
    case MemoryType::GDDR5: return std::make_shared<DRAMSys::MemSpecGDDR5>(spec);
    case MemoryType::GDDR5X: return std::make_shared<DRAMSys::MemSpecGDDR5X>(spec);
    case MemoryType::GDDR6: return std::make_shared<DRAMSys::MemSpecGDDR6>(spec);
    case MemoryType::STTMRAM: return std::make_shared<DRAMSys::MemSpecSTTMRAM>(spec);
    default:
      throw std::invalid_argument(
          "memspec.memoryType is not a memory type of DRAMSys 5.1 (allowed: DDR3, DDR4, LPDDR4, WIDEIO_SDR, "
          "WIDEIO2, GDDR5, GDDR5X, GDDR6, HBM2, STTMRAM)");
  }
}

// Lowest address bit that selects the channel (XOR entries count by their first bit).
std::optional<unsigned> lowest_channel_bit(const DRAMSys::Config::AddressMapping& mapping) {
  if (!mapping.CHANNEL_BIT || mapping.CHANNEL_BIT->empty()) return std::nullopt;
  unsigned lowest = ~0u;
  for (const auto& entry : *mapping.CHANNEL_BIT)
    lowest = std::min(lowest, std::visit(
                                  [](const auto& e) -> unsigned {
                                    if constexpr (std::is_same_v<std::decay_t<decltype(e)>, unsigned>)
                                      return e;
                                    else
                                      return e.at(0);
                                  },
                                  entry));
  return lowest;
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string json_message(const std::exception& e) {
  std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) text = text.substr(text.find(']') + 2);
  return text;
}

}  // namespace

std::string dramsys_resource_dir() { return FLEXCIM_DRAMSYS_RESOURCE_DIR; }

DramSysConfig DramSysConfig::load(const std::string& path, const std::string& resource_dir) {
  auto fail = [&](const std::string& problem) -> std::invalid_argument {
    std::string line = fmt::format("{}: {}", path, problem);
    std::replace(line.begin(), line.end(), '\n', ' ');
    return std::invalid_argument(line);
  };
  if (!std::filesystem::is_regular_file(path)) throw fail("no such file");

  DRAMSys::Config::Configuration config;
  try {
    config = DRAMSys::Config::from_path(path, resource_dir);
  } catch (const std::exception& e) {
    throw fail(json_message(e));
  }

  // The platform's simulation settings (see the header).
  const bool drampower = config.memspec.memoryType == MemoryType::DDR3 ||
                         config.memspec.memoryType == MemoryType::DDR4 ||
                         config.memspec.memoryType == MemoryType::WideIO;
  DRAMSys::Config::SimConfig& sim = config.simconfig;
  sim = DRAMSys::Config::SimConfig{};
  sim.StoreMode = DRAMSys::Config::StoreModeType::NoStorage;
  sim.PowerAnalysis = drampower;
  sim.DatabaseRecording = false;
  sim.SimulationProgressBar = false;
  sim.CheckTLM2Protocol = false;
  sim.EnableWindowing = false;
  sim.AddressOffset = 0;

  DramSysConfig c;
  c.path = path;
  c.drampower = drampower;
  try {
    DramSysGuard guard;
    c.memspec = make_memspec(config.memspec);
    c.mcconfig = std::make_shared<DRAMSys::McConfig>(config.mcconfig, *c.memspec);
    c.simconfig = std::make_shared<DRAMSys::SimConfig>(sim);
    auto decoder = std::make_shared<DRAMSys::AddressDecoder>(config.addressmapping);
    decoder->plausibilityCheck(*c.memspec);
    c.decoder = decoder;
  } catch (const std::out_of_range& e) {
    throw fail(fmt::format("the memspec lacks an entry DRAMSys needs for {} ({})",
                           type_name(config.memspec.memoryType), e.what()));
  } catch (const std::exception& e) {
    throw fail(e.what());
  }

  const DRAMSys::MemSpec& m = *c.memspec;
  c.memory_id = m.memoryId;
  c.memory_type = type_name(m.memoryType);
  c.channels = m.numberOfChannels;
  c.capacity_bytes = std::min(m.getSimMemSizeInBytes(), c.decoder->maxAddress() + 1);  // what is addressable
  c.burst_bytes = m.maxBytesPerBurst;
  c.tck_ns = m.tCK.to_seconds() * 1e9;
  c.request_buffer = c.mcconfig->requestBufferSize;
  // Pseudo channels (HBM) each have their own data bus.
  const unsigned buses = m.pseudoChannelMode() ? m.ranksPerChannel : 1;
  c.peak_bandwidth_gbps = double(c.channels) * buses * m.dataRate * m.dataBusWidth / 8.0 / c.tck_ns;

  if (c.burst_bytes == 0 || (c.burst_bytes & (c.burst_bytes - 1)))
    throw fail(fmt::format("a DRAM burst of {} bytes is not a power of two", c.burst_bytes));
  const std::optional<unsigned> channel_bit = lowest_channel_bit(config.addressmapping);
  c.channel_interleave_bytes = channel_bit ? uint64_t(1) << *channel_bit : c.capacity_bytes;
  if (c.channel_interleave_bytes < c.burst_bytes)
    throw fail(fmt::format("channel bits below the {}-byte DRAM burst would split a burst across channels",
                           c.burst_bytes));
  if (drampower && !config.memspec.mempowerspec)
    throw fail("the memspec has no mempowerspec (IDD values), which DRAMPower needs");
  return c;
}

}  // namespace flexcim
