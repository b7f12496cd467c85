#include "sram_buffer.h"

#include <stdexcept>

#include <fmt/format.h>

namespace flexcim {

SramBuffer::SramBuffer(std::string name, uint64_t bytes, uint64_t bytes_per_cycle, Action read, Action write,
                       EnergyCounts& energy)
    : name_(std::move(name)), data_(bytes), bytes_per_cycle_(bytes_per_cycle), read_(read), write_(write),
      energy_(energy) {}

uint8_t* SramBuffer::at(uint64_t offset, uint64_t len) {
  if (offset > data_.size() || len > data_.size() - offset)
    throw std::logic_error(fmt::format("{}: access [{}, {}) outside {} bytes", name_, offset, offset + len,
                                       data_.size()));
  return data_.data() + offset;
}

}  // namespace flexcim
