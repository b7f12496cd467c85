#include "runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

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
  for (size_t i = 0; i < w.size(); ++i) s[i] = float(std::abs(int(w[i]))) * norm[i % in];
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

uint64_t RunReport::outputs_checked() const {
  uint64_t n = 0;
  for (const LayerReport& l : layers) n += l.outputs_checked;
  return n;
}

std::vector<int32_t> reference_gemm(const int8_t* x, const int8_t* w, int tokens, int in, int out) {
  std::vector<int32_t> y(size_t(tokens) * out);
  for (int t = 0; t < tokens; ++t)
    for (int o = 0; o < out; ++o) {
      const int8_t* xr = x + size_t(t) * in;
      const int8_t* wr = w + size_t(o) * in;
      int32_t acc = 0;
      for (int j = 0; j < in; ++j) acc += int32_t(xr[j]) * int32_t(wr[j]);
      y[size_t(t) * out + o] = acc;
    }
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

PackedLayer pack_for_hardware(const Capabilities& caps, const int8_t* weights, const std::vector<uint8_t>& mask,
                              int out, int in, nm::Pattern requested) {
  std::vector<nm::Pattern> candidates;
  if (requested.dense() || caps.supports(requested)) {
    candidates.push_back(requested);
  } else {
    const double density = double(requested.n) / requested.m;
    for (const nm::Pattern& p : caps.patterns())  // sparsest first, dense last
      if (p.dense() || double(p.n) / p.m >= density) candidates.push_back(p);
  }
  const MacroShape shape{caps.submacros, caps.rows, caps.cols};
  for (size_t c = 0;; ++c) {
    try {
      const TileFormat format = tile_format(candidates[c]);
      return {pack_weights(weights, mask, out, in, candidates[c], shape, format), candidates[c], format};
    } catch (const nm::NotExecutable&) {
      if (c + 1 == candidates.size()) throw;
    }
  }
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

RunReport Runtime::run(const Workload& workload) {
  RunReport report;
  report.caps = driver_.probe();
  // Calibration statistics once per layer: the selection and the pruning (Wanda
  // scores, in every mode) both use them.
  std::vector<std::vector<float>> mean_sq;
  for (size_t i = 0; i < workload.layers.size(); ++i)
    mean_sq.push_back(calibration_mean_sq(workload.layers[i], workload.seed, i, workload.synthetic,
                                          workload.calibration_tokens));
  if (workload.sparsity) report.sparsity = select(report.caps, workload, mean_sq);
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    LayerSpec layer = workload.layers[i];
    const LayerTensors tensors = synthesize(layer, workload.seed, i, workload.synthetic);
    if (report.sparsity)
      for (const BlockSelection& b : report.sparsity->blocks)
        if (b.block == layer.block) layer.pattern = b.pattern;
    const std::vector<float> scores = wanda_scores(tensors.weights, mean_sq[i]);
    report.layers.push_back(run_layer(report.caps, workload, layer, tensors, scores));
  }
  return report;
}

LayerReport Runtime::run_layer(const Capabilities& caps, const Workload& workload, const LayerSpec& layer,
                               const LayerTensors& tensors, const std::vector<float>& scores) {
  const int in = layer.in_features, out = layer.out_features, tokens = layer.tokens;

  LayerReport r;
  r.name = layer.name;
  r.block = layer.block;
  r.in_features = in;
  r.out_features = out;
  r.tokens = tokens;
  r.requested = layer.pattern;
  r.pruned_to = workload.prune_to == PruneTarget::Supported ? supported_pattern(caps, layer.pattern) : layer.pattern;

  std::vector<int8_t> w = tensors.weights;
  std::vector<uint8_t> mask(w.size(), 1);
  r.score_total = nm::kept_score(scores.data(), mask);
  r.score_kept = r.score_kept_unconstrained = r.score_total;
  if (!r.pruned_to.dense()) {
    mask = nm::prune_mask(scores.data(), out, in, r.pruned_to, workload.prune_mode, int(caps.cols));
    r.score_kept = nm::kept_score(scores.data(), mask);
    for (size_t k = 0; k < w.size(); ++k)
      if (!mask[k]) w[k] = 0;
  }
  if (!r.requested.dense()) {
    const std::vector<uint8_t> free_mask =
        nm::prune_mask(scores.data(), out, in, r.requested, nm::PruneMode::Unconstrained, int(caps.cols));
    r.score_kept_unconstrained = nm::kept_score(scores.data(), free_mask);
  }
  for (uint8_t k : mask) r.kept_weights += k;

  const PackedLayer packed = pack_for_hardware(caps, w.data(), mask, out, in, r.pruned_to);
  const std::vector<uint8_t>& stream = packed.stream;
  r.executed = packed.executed;
  r.weight_stream_bytes = stream.size();

  // int8 outputs: the per-channel records the accelerator requantises with.
  r.out_int8 = workload.outputs == OutputFormat::Int8;
  std::vector<Requant> requant;
  if (r.out_int8) requant = output_requant(w.data(), tensors.activations.data(), tokens, in, out);
  const std::vector<uint8_t> q_table = encode_requant_table(requant);
  const uint64_t y_bytes = uint64_t(tokens) * out * (r.out_int8 ? 1 : 4);

  // DRAM layout: weights, activations, outputs, requantisation table, each 64-byte aligned.
  const uint64_t w_addr = board_.dram_base;
  const uint64_t x_addr = align_up(w_addr + stream.size(), 64);
  const uint64_t y_addr = align_up(x_addr + uint64_t(tokens) * in, 64);
  const uint64_t q_addr = align_up(y_addr + y_bytes, 64);
  const uint64_t end = q_addr + q_table.size();
  if (end - board_.dram_base > board_.dram_size)
    throw DeviceError(fmt::format("layer {} needs {} bytes of DRAM (weights {}, activations {}, outputs {}, "
                                  "requantisation table {}); the platform has {}",
                                  layer.name, end - board_.dram_base, stream.size(), uint64_t(tokens) * in, y_bytes,
                                  q_table.size(), board_.dram_size));
  hal_.load(w_addr, stream.data(), stream.size());
  hal_.load(x_addr, tensors.activations.data(), tensors.activations.size());
  if (r.out_int8) hal_.load(q_addr, q_table.data(), q_table.size());

  LayerJob job;
  job.tokens = uint32_t(tokens);
  job.in_features = uint32_t(in);
  job.out_features = uint32_t(out);
  job.pattern = r.executed;
  job.w_addr = w_addr;
  job.w_bytes = stream.size();
  job.x_addr = x_addr;
  job.y_addr = y_addr;
  job.dense_tiles = packed.format == TileFormat::Dense;
  job.out_int8 = r.out_int8;
  job.q_addr = r.out_int8 ? q_addr : 0;
  r.status = driver_.run(job);
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

}  // namespace flexcim::fw
