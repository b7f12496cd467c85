// The FlexCiM accelerator in your own SystemC top level (examples/embed):
// register block, sequencer, DMA, buffers and macros as one sc_module with
//
//   accelerator.regs_socket   TLM-2.0 target: 32-bit register accesses at the
//                             offsets of flexcim_regs.h (size FLEXCIM_ACC_SIZE);
//                             bad accesses get TLM error responses
//   accelerator.dma().socket  TLM-2.0 initiator (blocking transport, burst-sized
//                             reads and writes at the job's absolute addresses)
//   accelerator.irq           sc_out<bool>: IRQ_STATUS & IRQ_ENABLE != 0
//
// Parameters come from a scenario like everything else:
//
//   flexcim::Scenario scenario = flexcim::load_scenario("my.yaml");
//   flexcim::Accelerator::Params params = scenario.platform.accelerator;
//   params.dram_base = ...; params.dram_size = ...;   // the window jobs may address (else ERR_ADDRESS)
//   flexcim::EnergyCounts energy;                     // actions counted by the accelerator's parts
//   flexcim::Accelerator acc("acc", params, energy);
//   cpu.socket.bind(acc.regs_socket); acc.dma().socket.bind(memory.socket); acc.irq.bind(irq);
//   ... sc_start() ...
//   flexcim::Json stats = flexcim::job_stats(acc, flexcim::EnergyTable::load(scenario.platform.energy_table));
//
// DRAM energy and latency are your memory's: the platform's Dram model counts
// DRAM bytes, so job_stats reports them as 0 unless your memory counts them into `energy`.
#pragma once
#include "accelerator.h"
#include "energy.h"
#include "job_stats.h"
#include "scenario.h"
