// Generic payloads with a memory manager, for AT initiators: a payload is taken
// from the pool, acquire()d by every holder, and comes back when the last
// release() drops it (which also frees the extensions targets set on it).
#pragma once
#include <memory>
#include <vector>

#include <tlm>

namespace flexcim {

class PayloadPool : public tlm::tlm_mm_interface {
 public:
  tlm::tlm_generic_payload& take() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
      return *all_.back();
    }
    tlm::tlm_generic_payload* p = free_.back();
    free_.pop_back();
    return *p;
  }
  void free(tlm::tlm_generic_payload* trans) override {
    trans->reset();
    free_.push_back(trans);
  }

 private:
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> all_;
  std::vector<tlm::tlm_generic_payload*> free_;
};

}  // namespace flexcim
