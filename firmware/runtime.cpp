#include "runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "parallel.h"
#include "requant.h"

namespace flexcim::fw {

namespace {
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Wanda: |W[o][j]| * sqrt(mean x_j^2).
std::vector<float> wanda_scores(const std::vector<int8_t>& w, const std::vector<float>& mean_sq) {
  const size_t in = mean_sq.size();
  std::vector<float> norm(in);
  for (size_t j = 0; j < in; ++j) norm[j] = std::sqrt(mean_sq[j]);
  std::vector<float> s(w.size());
  parallel_for(w.size() / in, 64, [&](size_t lo, size_t hi) {
    for (size_t o = lo; o < hi; ++o)
      for (size_t j = 0; j < in; ++j) s[o * in + j] = float(std::abs(int(w[o * in + j]))) * norm[j];
  });
  return s;
}

// Blocks in order of first appearance.
std::vector<int> workload_blocks(const Workload& wl) {
  std::vector<int> blocks;
  for (const LayerSpec& l : wl.layers)
    if (std::find(blocks.begin(), blocks.end(), l.block) == blocks.end()) blocks.push_back(l.block);
  return blocks;
}
}  // namespace

bool RunReport::golden_match() const {
  for (const LayerReport& l : layers)
    if (!l.golden_match) return false;
  return !layers.empty();
}

bool RunReport::jobs_ok() const {
  for (const LayerReport& l : layers)
    if (!l.status.ok()) return false;
  return true;
}

uint64_t RunReport::outputs_checked() const {
  uint64_t n = 0;
  for (const LayerReport& l : layers) n += l.outputs_checked;
  return n;
}

std::vector<int32_t> reference_gemm(const int8_t* x, const int8_t* w, int tokens, int in, int out) {
  std::vector<int32_t> y(size_t(tokens) * out);
  parallel_for(size_t(out), 64, [&](size_t lo, size_t hi) {
    for (int t = 0; t < tokens; ++t)
      for (size_t o = lo; o < hi; ++o) {
        const int8_t* xr = x + size_t(t) * in;
        const int8_t* wr = w + o * in;
        int32_t acc = 0;
        for (int j = 0; j < in; ++j) acc += int32_t(xr[j]) * int32_t(wr[j]);
        y[size_t(t) * out + o] = acc;
      }
  });
  return y;
}

Runtime::Runtime(Hal& hal, const BoardInfo& board, WaitMode wait, double poll_interval_ns)
    : hal_(hal), board_(board), driver_(hal, board.accelerator_base, wait, poll_interval_ns) {}

nm::Pattern supported_pattern(const Capabilities& caps, nm::Pattern requested) {
  if (requested.dense() || caps.supports(requested)) return requested;
  const double density = double(requested.n) / requested.m;
  for (const nm::Pattern& p : caps.patterns())  // sparsest first, dense last
    if (p.dense() || double(p.n) / p.m >= density) return p;
  return {int(caps.submacros), int(caps.submacros)};
}

namespace {
// The first candidate `attempt` accepts (it throws nm::NotExecutable otherwise):
// the requested pattern if supported, else the supported ones at least as dense,
// sparsest first, dense last.
template <typename Attempt>
auto first_executable(const Capabilities& caps, nm::Pattern requested, Attempt attempt) {
  std::vector<nm::Pattern> candidates;
  if (requested.dense() || caps.supports(requested)) {
    candidates.push_back(requested);
  } else {
    const double density = double(requested.n) / requested.m;
    for (const nm::Pattern& p : caps.patterns())  // sparsest first, dense last
      if (p.dense() || double(p.n) / p.m >= density) candidates.push_back(p);
  }
  for (size_t c = 0;; ++c) {
    try {
      return attempt(candidates[c]);
    } catch (const nm::NotExecutable&) {
      if (c + 1 == candidates.size()) throw;
    }
  }
}
}  // namespace

PackedLayer pack_for_hardware(const Capabilities& caps, const int8_t* weights, const std::vector<uint8_t>& mask,
                              int out, int in, nm::Pattern requested) {
  const MacroShape shape{caps.submacros, caps.rows, caps.cols};
  return first_executable(caps, requested, [&](nm::Pattern p) {
    const TileFormat format = tile_format(p);
    return PackedLayer{pack_weights(weights, mask, out, in, p, shape, format), p, format};
  });
}

nm::Pattern executable_pattern(const Capabilities& caps, const std::vector<uint8_t>& mask, int out, int in,
                               nm::Pattern requested) {
  const MacroShape shape{caps.submacros, caps.rows, caps.cols};
  return first_executable(caps, requested, [&](nm::Pattern p) {
    if (!p.dense()) nm::plan_slots(mask, out, in, shape.row_pattern(p), int(caps.cols));  // what pack_weights checks
    return p;
  });
}

uint64_t nm_kept_weights(int out, int in, nm::Pattern p) {
  if (p.dense()) return uint64_t(out) * in;
  const uint64_t full = uint64_t(in / p.m), tail = uint64_t(in % p.m);
  return uint64_t(out) * (full * p.n + std::min<uint64_t>(tail, p.n));
}

SparsityReport Runtime::select(const Capabilities& caps, const Workload& wl,
                               const std::vector<std::vector<float>>& mean_sq) const {
  const SparsitySpec& spec = *wl.sparsity;
  flow::PolicyOptions options = spec.options;
  if (spec.hw_candidates) options.candidates = caps.patterns();
  const std::vector<int> blocks = workload_blocks(wl);

  // Metrics of each block's flat Wanda scores, its linears concatenated in workload order.
  auto metrics_at = [&](double h) {
    std::vector<flow::BlockMetrics> metrics;
    for (int block : blocks) {
      std::vector<float> flat;
      for (size_t i = 0; i < wl.layers.size(); ++i) {
        if (wl.layers[i].block != block) continue;
        const LayerTensors t = synthesize(wl.layers[i], wl.seed, i, wl.synthetic);
        const std::vector<float> s = wanda_scores(t.weights, mean_sq[i]);
        flat.insert(flat.end(), s.begin(), s.end());
      }
      metrics.push_back(flow::block_metrics(flat, h));
    }
    return metrics;
  };
  std::vector<flow::BlockMetrics> metrics;
  const double h = spec.policy.kind == flow::PolicyKind::Owl ? options.owl_h : options.flow_h;
  const flow::Selection sel = flow::select_patterns(spec.policy, options, int(blocks.size()), [&](double at) {
    metrics = metrics_at(at);
    return metrics;
  });
  if (metrics.empty()) metrics = metrics_at(h);  // dense and uniform need none; report them anyway

  SparsityReport r;
  r.policy = spec.policy.str();
  r.h = h;
  r.target = options.sparsity;
  r.candidates = options.candidates;
  r.dense_blocks = flow::dense_blocks(options, int(blocks.size()));
  for (size_t b = 0; b < blocks.size(); ++b) r.blocks.push_back({blocks[b], metrics[b], sel.patterns[b]});
  r.objective = sel.objective;
  r.sparsity_free = sel.sparsity_free;
  r.sparsity_all = sel.sparsity_all;
  return r;
}

namespace {
// Does the layer's cost depend on its mask? Only when the hardware may run it
// with another pattern than the one it is pruned to: an N:M it does not
// advertise, or a mask not made for its shared selects.
bool needs_mask(const Capabilities& caps, const Workload& wl, nm::Pattern pruned_to) {
  return !pruned_to.dense() && (wl.prune_mode != nm::PruneMode::HwAware || !caps.supports(pruned_to));
}
}  // namespace

RunReport Runtime::run(const Workload& workload) {
  RunReport report;
  run(workload, report);
  return report;
}

void Runtime::run(const Workload& workload, RunReport& report) {
  report.caps = driver_.probe();
  report.timing_only = workload.timing_only;
  // Calibration statistics once per layer, where something needs them: the
  // selection and the pruning (Wanda scores, in every mode).
  std::vector<std::vector<float>> mean_sq(workload.layers.size());
  auto statistics = [&](size_t i) -> const std::vector<float>& {
    if (mean_sq[i].empty())
      mean_sq[i] = calibration_mean_sq(workload.layers[i], workload.seed, i, workload.synthetic,
                                       workload.calibration_tokens);
    return mean_sq[i];
  };
  if (workload.sparsity) {
    for (size_t i = 0; i < workload.layers.size(); ++i) statistics(i);
    report.sparsity = select(report.caps, workload, mean_sq);
  }
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    LayerSpec layer = workload.layers[i];
    if (report.sparsity)
      for (const BlockSelection& b : report.sparsity->blocks)
        if (b.block == layer.block) layer.pattern = b.pattern;
    if (workload.timing_only && !needs_mask(report.caps, workload, pruned_pattern(report.caps, workload, layer))) {
      report.layers.push_back(run_layer_timing(report.caps, workload, layer, nullptr));
      continue;
    }
    const LayerTensors tensors = synthesize(layer, workload.seed, i, workload.synthetic);
    const std::vector<float> scores = wanda_scores(tensors.weights, statistics(i));
    report.layers.push_back(workload.timing_only ? run_layer_timing(report.caps, workload, layer, &scores)
                                                 : run_layer(report.caps, workload, layer, tensors, scores));
  }
}

nm::Pattern pruned_pattern(const Capabilities& caps, const Workload& workload, const LayerSpec& layer) {
  return workload.prune_to == PruneTarget::Supported ? supported_pattern(caps, layer.pattern) : layer.pattern;
}

namespace {
LayerReport layer_report(const Capabilities& caps, const Workload& workload, const LayerSpec& layer) {
  LayerReport r;
  r.name = layer.name;
  r.block = layer.block;
  r.in_features = layer.in_features;
  r.out_features = layer.out_features;
  r.tokens = layer.tokens;
  r.requested = layer.pattern;
  r.pruned_to = pruned_pattern(caps, workload, layer);
  r.out_int8 = workload.outputs == OutputFormat::Int8;
  return r;
}

// The layer's mask for its pruned_to pattern, with the score figures and kept weights.
std::vector<uint8_t> prune(const Capabilities& caps, const Workload& workload, const std::vector<float>& scores,
                           LayerReport& r) {
  const int in = r.in_features, out = r.out_features;
  std::vector<uint8_t> mask;
  r.score_total = nm::score_sum(scores.data(), scores.size());
  r.score_kept = r.score_kept_unconstrained = r.score_total;
  if (r.pruned_to.dense()) {
    mask.assign(scores.size(), 1);
  } else {
    mask = nm::prune_mask(scores.data(), out, in, r.pruned_to, workload.prune_mode, int(caps.cols));
    r.score_kept = nm::kept_score(scores.data(), mask);
  }
  if (!r.requested.dense()) {
    const std::vector<uint8_t> free_mask =
        nm::prune_mask(scores.data(), out, in, r.requested, nm::PruneMode::Unconstrained, int(caps.cols));
    r.score_kept_unconstrained = nm::kept_score(scores.data(), free_mask);
  }
  for (uint8_t k : mask) r.kept_weights += k;
  return mask;
}
}  // namespace

LayerReport Runtime::run_layer(const Capabilities& caps, const Workload& workload, const LayerSpec& layer,
                               const LayerTensors& tensors, const std::vector<float>& scores) {
  const int in = layer.in_features, out = layer.out_features, tokens = layer.tokens;
  LayerReport r = layer_report(caps, workload, layer);
  const std::vector<uint8_t> mask = prune(caps, workload, scores, r);
  std::vector<int8_t> w = tensors.weights;
  if (!r.pruned_to.dense())
    for (size_t k = 0; k < w.size(); ++k)
      if (!mask[k]) w[k] = 0;

  const PackedLayer packed = pack_for_hardware(caps, w.data(), mask, out, in, r.pruned_to);
  r.executed = packed.executed;
  r.weight_stream_bytes = packed.stream.size();

  // int8 outputs: the per-channel records the accelerator requantises with.
  std::vector<Requant> requant;
  if (r.out_int8) requant = output_requant(w.data(), tensors.activations.data(), tokens, in, out);
  const std::vector<uint8_t> q_table = encode_requant_table(requant);
  uint64_t y_addr = 0;
  r.status = run_job(layer, r, packed.format, packed.stream.data(), tensors.activations.data(), q_table.data(),
                     q_table.size(), y_addr);
  if (!r.status.ok()) return r;

  const std::vector<int32_t> golden = reference_gemm(tensors.activations.data(), w.data(), tokens, in, out);
  r.outputs_checked = golden.size();
  if (r.out_int8) {
    std::vector<int8_t> y(golden.size());
    hal_.dump(y_addr, y.data(), y.size());
    const std::vector<int8_t> golden8 = requantise(golden, tokens, requant);
    for (size_t k = 0; k < y.size(); ++k) r.mismatches += y[k] != golden8[k];
  } else {
    std::vector<int32_t> y(golden.size());
    hal_.dump(y_addr, y.data(), y.size() * 4);
    for (size_t k = 0; k < y.size(); ++k) r.mismatches += y[k] != golden[k];
  }
  r.golden_match = r.mismatches == 0;
  return r;
}

LayerReport Runtime::run_layer_timing(const Capabilities& caps, const Workload& workload, const LayerSpec& layer,
                                      const std::vector<float>* scores) {
  const int in = layer.in_features, out = layer.out_features;
  LayerReport r = layer_report(caps, workload, layer);
  r.checked = false;
  if (scores) {
    r.executed = executable_pattern(caps, prune(caps, workload, *scores, r), out, in, r.pruned_to);
  } else {
    r.scored = false;
    r.kept_weights = nm_kept_weights(out, in, r.pruned_to);
    r.executed = r.pruned_to;
  }
  const TileFormat format = tile_format(r.executed);
  r.weight_stream_bytes = MacroShape{caps.submacros, caps.rows, caps.cols}.stream_bytes(out, in, r.executed, format);
  uint64_t y_addr = 0;
  r.status = run_job(layer, r, format, nullptr, nullptr, nullptr, r.out_int8 ? uint64_t(out) * 8 : 0, y_addr);
  return r;
}

JobStatus Runtime::run_job(const LayerSpec& layer, const LayerReport& r, TileFormat format, const uint8_t* stream,
                           const int8_t* activations, const uint8_t* q_table, uint64_t q_bytes, uint64_t& y_addr) {
  const uint64_t tokens = uint64_t(layer.tokens), in = uint64_t(layer.in_features), out = uint64_t(layer.out_features);
  const uint64_t w_bytes = r.weight_stream_bytes, x_bytes = tokens * in, y_bytes = tokens * out * (r.out_int8 ? 1 : 4);
  // DRAM layout: weights, activations, outputs, requantisation table, each 64-byte aligned.
  const uint64_t w_addr = board_.dram_base;
  const uint64_t x_addr = align_up(w_addr + w_bytes, 64);
  y_addr = align_up(x_addr + x_bytes, 64);
  const uint64_t q_addr = align_up(y_addr + y_bytes, 64);
  const uint64_t end = q_addr + q_bytes;
  if (end - board_.dram_base > board_.dram_size)
    throw DeviceError(fmt::format("layer {} needs {} bytes of DRAM (weights {}, activations {}, outputs {}, "
                                  "requantisation table {}); the platform has {}",
                                  layer.name, end - board_.dram_base, w_bytes, x_bytes, y_bytes, q_bytes,
                                  board_.dram_size));
  if (stream) hal_.load(w_addr, stream, w_bytes);
  if (activations) hal_.load(x_addr, activations, x_bytes);
  if (q_table && r.out_int8) hal_.load(q_addr, q_table, q_bytes);

  LayerJob job;
  job.tokens = uint32_t(tokens);
  job.in_features = uint32_t(in);
  job.out_features = uint32_t(out);
  job.pattern = r.executed;
  job.w_addr = w_addr;
  job.w_bytes = w_bytes;
  job.x_addr = x_addr;
  job.y_addr = y_addr;
  job.dense_tiles = format == TileFormat::Dense;
  job.out_int8 = r.out_int8;
  job.q_addr = r.out_int8 ? q_addr : 0;
  return driver_.run(job);
}

}  // namespace flexcim::fw
