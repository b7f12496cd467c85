// The contents of main memory, whatever times its accesses: allocated page by
// page on first touch (a 2 GiB map costs nothing until used), with the checks
// every DRAM target applies to a TLM payload before it touches the data.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <tlm>

namespace flexcim {

class MemoryStorage {
 public:
  explicit MemoryStorage(uint64_t size_bytes);

  uint64_t size_bytes() const { return size_bytes_; }

  // True if the payload may be served (no byte enables, no streaming, inside the
  // memory, a read or a write); otherwise sets the TLM error response and returns false.
  bool check(tlm::tlm_generic_payload& trans) const;
  // Reads or writes the payload's data and sets TLM_OK_RESPONSE. check() first.
  void copy(tlm::tlm_generic_payload& trans);

 private:
  static constexpr uint64_t kPageBytes = 1u << 20;
  uint8_t* page(uint64_t index);

  uint64_t size_bytes_;
  std::vector<std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace flexcim
