#include "memory_storage.h"

#include <algorithm>
#include <cstring>

namespace flexcim {

MemoryStorage::MemoryStorage(uint64_t size_bytes)
    : size_bytes_(size_bytes), pages_((size_bytes + kPageBytes - 1) / kPageBytes) {}

uint8_t* MemoryStorage::page(uint64_t index) {
  if (!pages_[index]) pages_[index].reset(new uint8_t[kPageBytes]());
  return pages_[index].get();
}

bool MemoryStorage::check(tlm::tlm_generic_payload& trans) const {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (addr >= size_bytes_ || len > size_bytes_ - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void MemoryStorage::copy(tlm::tlm_generic_payload& trans) {
  uint64_t addr = trans.get_address();
  uint8_t* data = trans.get_data_ptr();
  uint64_t left = trans.get_data_length();
  const bool read = trans.is_read();
  while (left > 0) {
    const uint64_t in_page = addr % kPageBytes;
    const uint64_t n = std::min(left, kPageBytes - in_page);
    uint8_t* p = page(addr / kPageBytes) + in_page;
    read ? std::memcpy(data, p, n) : std::memcpy(p, data, n);
    addr += n;
    data += n;
    left -= n;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace flexcim
