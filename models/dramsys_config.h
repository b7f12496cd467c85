// A DRAMSys 5.1 memory configuration, read and checked before anything is
// elaborated. The file is DRAMSys's own JSON format (comments allowed): its
// sub-configurations (memspec, addressmapping, mcconfig, simconfig) are written
// inline or name a file of DRAMSys's configs/ directory. The platform owns the
// simulation settings: data stays on the platform side (StoreMode NoStorage),
// no trace database, no progress bar, no protocol checker, power analysis only
// where DRAMPower models the memory type; simconfig entries are replaced.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace DRAMSys {
class AddressDecoder;
class McConfig;
class MemSpec;
struct SimConfig;
}  // namespace DRAMSys

namespace flexcim {

struct DramSysConfig {
  std::string path;              // the JSON file
  std::string memory_id;         // memspec memoryId
  std::string memory_type;       // DDR4, LPDDR4, HBM2, ...
  unsigned channels = 0;
  uint64_t capacity_bytes = 0;
  // Bytes of one DRAM burst (the memspec's longest): the size of every request the
  // platform sends DRAMSys. (Longer requests, which DRAMSys's controller splits into
  // bursts, stall DRAMSys 5.1's HBM2 controller now and then: a request waits for the
  // next refresh to be answered.)
  uint64_t burst_bytes = 0;
  uint64_t channel_interleave_bytes = 0;  // consecutive bytes in one channel
  double tck_ns = 0;
  double peak_bandwidth_gbps = 0;  // all channels, data bus fully busy
  unsigned request_buffer = 0;     // controller request buffer entries (back-pressure)
  bool drampower = false;          // DRAMSys 5.1 connects DRAMPower for this type (DDR3, DDR4, WideIO)

  // DRAMSys's own objects built from the file, shared by the modules that use them.
  std::shared_ptr<const DRAMSys::MemSpec> memspec;
  std::shared_ptr<const DRAMSys::McConfig> mcconfig;
  std::shared_ptr<const DRAMSys::SimConfig> simconfig;
  std::shared_ptr<const DRAMSys::AddressDecoder> decoder;

  // Reads `path`, looking up named sub-configurations below `resource_dir`.
  // Throws std::invalid_argument with one line naming the file and the problem.
  static DramSysConfig load(const std::string& path, const std::string& resource_dir);
};

// DRAMSys's configs/ directory of the DRAMSys sources the platform was built with.
std::string dramsys_resource_dir();

}  // namespace flexcim
