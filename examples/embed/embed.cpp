// The FlexCiM accelerator in a SystemC top of our own: our CPU (a TLM initiator
// that implements the firmware HAL), our memory (a TLM target), and the
// accelerator from embed.h wired between them. The CPU runs the firmware's
// FlexcimDriver for one 1:4 job and checks Y against the golden GEMM.
//   embed [SCENARIO]   (the accelerator's parameters; default: the installed default.yaml)
#include <cstdio>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "embed.h"
#include "flexcim_driver.h"
#include "flexcim_regs.h"
#include "nm/prune.h"
#include "runtime.h"
#include "weight_packer.h"

using namespace sc_core;

// Our memory: a flat array behind a TLM target, fixed latency, address errors outside.
struct Memory : sc_module {
  tlm_utils::simple_target_socket<Memory> socket{"socket"};
  uint64_t base;
  std::vector<uint8_t> bytes;

  Memory(sc_module_name name, uint64_t base, size_t size) : sc_module(name), base(base), bytes(size) {
    socket.register_b_transport(this, &Memory::b_transport);
  }
  bool in_range(uint64_t a, size_t n) const { return a >= base && a - base + n <= bytes.size(); }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    if (!in_range(t.get_address(), t.get_data_length())) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    uint8_t* m = &bytes[t.get_address() - base];
    if (t.is_read()) std::memcpy(t.get_data_ptr(), m, t.get_data_length());
    else std::memcpy(m, t.get_data_ptr(), t.get_data_length());
    delay += sc_time(20, SC_NS);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Our CPU: registers through its own initiator socket, bulk data through the
// memory's back door, the interrupt as an sc_in. That is all the HAL asks for.
struct Cpu : sc_module, flexcim::fw::Hal {
  tlm_utils::simple_initiator_socket<Cpu> socket{"socket"};
  sc_in<bool> irq{"irq"};
  Memory& memory;
  int result = 1;

  SC_HAS_PROCESS(Cpu);
  Cpu(sc_module_name name, Memory& memory) : sc_module(name), memory(memory) { SC_THREAD(firmware); }

  uint32_t read32(uint64_t a) override { return access(tlm::TLM_READ_COMMAND, a, 0); }
  void write32(uint64_t a, uint32_t v) override { access(tlm::TLM_WRITE_COMMAND, a, v); }
  void load(uint64_t a, const void* d, size_t n) override { std::memcpy(&memory.bytes[a - memory.base], d, n); }
  void dump(uint64_t a, void* d, size_t n) override { std::memcpy(d, &memory.bytes[a - memory.base], n); }
  void wait_for_interrupt() override {
    if (!irq.read()) wait(irq.posedge_event());
  }
  void delay_ns(double ns) override { wait(sc_time(ns, SC_NS)); }

  uint32_t access(tlm::tlm_command cmd, uint64_t address, uint32_t value) {
    tlm::tlm_generic_payload t;
    sc_time delay = SC_ZERO_TIME;
    t.set_command(cmd);
    t.set_address(address);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(t, delay);
    wait(delay);
    if (t.is_response_error()) throw flexcim::fw::BusError(address, t.get_response_string());
    return value;
  }

  void firmware() {
    using namespace flexcim;
    fw::FlexcimDriver driver(*this, 0, fw::WaitMode::Interrupt);  // registers at offset 0 of our socket
    const fw::Capabilities caps = driver.probe();
    const nm::Pattern p{1, 4};
    const fw::MacroShape shape{caps.submacros, caps.rows, caps.cols};
    const int tokens = 8, in = int(shape.inputs_per_tile(p)), out = int(caps.cols);
    std::vector<int8_t> w(size_t(out) * in), x(size_t(tokens) * in);
    for (size_t i = 0; i < w.size(); ++i) w[i] = int8_t(int(i * 7 % 15) - 7);
    for (size_t i = 0; i < x.size(); ++i) x[i] = int8_t(int(i * 5 % 13) - 6);
    std::vector<float> scores(w.begin(), w.end());
    for (float& s : scores) s = s < 0 ? -s : s;
    const std::vector<uint8_t> mask = nm::prune_mask(scores.data(), out, in, p, nm::PruneMode::HwAware, int(caps.cols));
    for (size_t i = 0; i < w.size(); ++i)
      if (!mask[i]) w[i] = 0;
    const std::vector<uint8_t> stream = fw::pack_weights(w.data(), mask, out, in, p, shape, fw::TileFormat::Sparse);

    fw::LayerJob job;
    job.tokens = tokens, job.in_features = in, job.out_features = out, job.pattern = p;
    job.w_addr = memory.base, job.w_bytes = stream.size();
    job.x_addr = memory.base + 0x10000, job.y_addr = memory.base + 0x20000;
    load(job.w_addr, stream.data(), stream.size());
    load(job.x_addr, x.data(), x.size());
    const fw::JobStatus status = driver.run(job);
    if (!status.ok()) {
      std::printf("embed: job failed: %s (ERR_INFO %#x)\n", fw::FlexcimDriver::error_name(status.error),
                  status.error_info);
      return;
    }
    std::vector<int32_t> y(size_t(tokens) * out);
    dump(job.y_addr, y.data(), y.size() * 4);
    const bool match = y == fw::reference_gemm(x.data(), w.data(), tokens, in, out);
    std::printf("embed: %s, 1:4 job %d x %d x %d: %llu cycles, Y %s the golden GEMM\n", caps.arch_name().c_str(), tokens,
                in, out, static_cast<unsigned long long>(status.cycles), match ? "matches" : "DOES NOT MATCH");
    result = match ? 0 : 1;
  }
};

int sc_main(int argc, char* argv[]) {
  flexcim::set_data_dir(FLEXCIM_VP_DATA_DIR);
  const flexcim::Scenario scenario = flexcim::load_scenario(argc > 1 ? argv[1] : flexcim::default_scenario_path());

  Memory memory("memory", 0x80000000, 1 << 20);
  flexcim::Accelerator::Params params = scenario.platform.accelerator;
  params.dram_base = memory.base;  // the window jobs may address
  params.dram_size = memory.bytes.size();
  flexcim::EnergyCounts energy;
  flexcim::Accelerator accelerator("accelerator", params, energy);
  Cpu cpu("cpu", memory);
  sc_signal<bool> irq("irq");

  cpu.socket.bind(accelerator.regs_socket);
  accelerator.dma().socket.bind(memory.socket);
  accelerator.irq.bind(irq);
  cpu.irq.bind(irq);

  sc_start();
  const flexcim::Json stats = flexcim::job_stats(accelerator, flexcim::EnergyTable::load(scenario.platform.energy_table));
  std::printf("embed: %s\n", stats["totals"].dump().c_str());
  return cpu.result;
}
