#include "weight_packer.h"

#include <climits>
#include <stdexcept>

#include <fmt/format.h>

#include "parallel.h"

namespace flexcim::fw {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Byte offsets inside one tile record.
struct RecordLayout {
  uint64_t select, weight, meta;
  explicit RecordLayout(const MacroShape& s)
      : select(0), weight(uint64_t(s.rows) * s.submacros), meta(weight + uint64_t(s.rows) * s.submacros * s.cols) {}
};
}  // namespace

TileFormat tile_format(nm::Pattern p) { return p.dense() ? TileFormat::Dense : TileFormat::Sparse; }

uint64_t MacroShape::record_bytes(TileFormat format) const {
  const uint64_t cells = uint64_t(rows) * submacros * cols;
  if (format == TileFormat::Dense) return (cells + 3) / 4 * 4;
  return (uint64_t(rows) * submacros + cells + (cells + 7) / 8 + 3) / 4 * 4;
}

nm::Pattern MacroShape::row_pattern(nm::Pattern p) const {
  if (p.dense()) return {int(submacros), int(submacros)};
  if (p.m % 2 || p.m > 8 || int(submacros) % p.n)
    throw std::invalid_argument(fmt::format("pattern {} cannot be mapped onto {} sub-macros (needs even M <= 8 and N "
                                            "dividing the sub-macro count)",
                                            p.str(), submacros));
  return p;
}

unsigned MacroShape::inputs_per_tile(nm::Pattern p) const {
  const nm::Pattern r = row_pattern(p);
  return rows * submacros * r.m / r.n;
}

uint64_t MacroShape::stream_bytes(int out, int in, nm::Pattern p, TileFormat format) const {
  return ceil_div(out, cols) * ceil_div(in, inputs_per_tile(p)) * record_bytes(format);
}

namespace {

void check_format(nm::Pattern p, TileFormat format) {
  if (format == TileFormat::Dense && !p.dense())
    throw std::invalid_argument(fmt::format("dense tile records hold dense layers only, not {}", p.str()));
}

// Dense record: cell (r, j, c) of tile (ot, kt) holds W[ot*C + c][kt*R*P + r*P + j].
std::vector<uint8_t> pack_dense(const int8_t* weights, const std::vector<uint8_t>& mask, int out, int in,
                                const MacroShape& s) {
  const unsigned P = s.submacros, R = s.rows, C = s.cols;
  const uint64_t tile_inputs = uint64_t(R) * P, record = s.record_bytes(TileFormat::Dense);
  const uint64_t in_tiles = ceil_div(in, tile_inputs), out_tiles = ceil_div(out, C);
  std::vector<uint8_t> stream(out_tiles * in_tiles * record, 0);
  parallel_for(out_tiles, 4, [&](uint64_t ot_lo, uint64_t ot_hi) {
    for (uint64_t ot = ot_lo; ot < ot_hi; ++ot)
      for (uint64_t kt = 0; kt < in_tiles; ++kt) {
        uint8_t* rec = &stream[(ot * in_tiles + kt) * record];
        // Channel by channel: each reads its row of W in order.
        for (unsigned c = 0; c < C && ot * C + c < uint64_t(out); ++c) {
          const uint64_t row = (ot * C + c) * in;
          const uint64_t cols = std::min<uint64_t>(tile_inputs, uint64_t(in) - kt * tile_inputs);
          for (uint64_t rj = 0; rj < cols; ++rj) {
            const uint64_t k = row + kt * tile_inputs + rj;
            if (mask[k]) rec[rj * C + c] = uint8_t(weights[k]);
          }
        }
      }
  });
  return stream;
}

std::vector<int32_t> unpack_dense(const std::vector<uint8_t>& stream, int out, int in, const MacroShape& s) {
  const unsigned P = s.submacros, R = s.rows, C = s.cols;
  const uint64_t tile_inputs = uint64_t(R) * P, record = s.record_bytes(TileFormat::Dense);
  const uint64_t in_tiles = ceil_div(in, tile_inputs), out_tiles = ceil_div(out, C);
  std::vector<int32_t> w(uint64_t(out) * in, 0);
  for (uint64_t ot = 0; ot < out_tiles; ++ot)
    for (uint64_t kt = 0; kt < in_tiles; ++kt) {
      const uint8_t* rec = &stream[(ot * in_tiles + kt) * record];
      for (uint64_t rj = 0; rj < tile_inputs; ++rj)
        for (unsigned c = 0; c < C; ++c) {
          const int8_t v = int8_t(rec[rj * C + c]);
          const uint64_t o = ot * C + c, col = kt * tile_inputs + rj;
          if (v == 0) continue;
          if (o >= uint64_t(out) || col >= uint64_t(in))
            throw std::invalid_argument(
                fmt::format("weight stream holds a weight for output {} / input {} of a {}x{} layer", o, col, out, in));
          w[o * in + col] = v;
        }
    }
  return w;
}

}  // namespace

std::vector<uint8_t> pack_weights(const int8_t* weights, const std::vector<uint8_t>& mask, int out, int in,
                                  nm::Pattern p, const MacroShape& s, TileFormat format) {
  check_format(p, format);
  if (format == TileFormat::Dense) return pack_dense(weights, mask, out, in, s);
  const nm::Pattern rp = s.row_pattern(p);
  const nm::SlotPlan plan = nm::plan_slots(p.dense() ? std::vector<uint8_t>(mask.size(), 1) : mask, out, in, rp,
                                           int(s.cols));
  const unsigned P = s.submacros, R = s.rows, C = s.cols, n = rp.n, m = rp.m;
  const unsigned groups_per_row = P / n;
  const uint64_t tile_inputs = s.inputs_per_tile(p);
  const uint64_t in_tiles = ceil_div(in, tile_inputs), out_tiles = ceil_div(out, C);
  const uint64_t record = s.record_bytes(TileFormat::Sparse);
  const RecordLayout layout(s);

  std::vector<uint8_t> stream(out_tiles * in_tiles * record, 0);
  parallel_for(out_tiles, 4, [&](uint64_t ot_lo, uint64_t ot_hi) {
    for (uint64_t ot = ot_lo; ot < ot_hi; ++ot) {
      for (uint64_t kt = 0; kt < in_tiles; ++kt) {
        uint8_t* rec = &stream[(ot * in_tiles + kt) * record];
        for (unsigned r = 0; r < R; ++r) {
          for (unsigned gl = 0; gl < groups_per_row; ++gl) {
            const uint64_t g = (kt * tile_inputs + uint64_t(r) * P * m / n) / m + gl;  // global group
            for (unsigned slot = 0; slot < n; ++slot) {
              // Sub-macro j takes bus group j (level 2 straight through), which carries group j / n.
              const unsigned j = gl * n + slot;
              const int pair = g < uint64_t(plan.groups) ? plan.pair[(ot * plan.groups + g) * n + slot] : -1;
              rec[layout.select + r * P + j] = uint8_t((pair < 0 ? 0 : pair) | (j << 2));
              if (pair < 0) continue;
              for (unsigned c = 0; c < C; ++c) {
                const uint64_t o = ot * C + c;
                if (o >= uint64_t(out)) break;
                const int e = plan.element[(o * plan.groups + g) * n + slot];
                if (e < 0) continue;
                const uint64_t col = g * m + 2 * pair + e;
                const uint64_t cell = (uint64_t(r) * P + j) * C + c;
                rec[layout.weight + cell] = uint8_t(weights[o * in + col]);
                rec[layout.meta + cell / 8] |= uint8_t(e << (cell % 8));
              }
            }
          }
        }
      }
    }
  });
  return stream;
}

std::vector<int32_t> effective_weights(const std::vector<uint8_t>& stream, int out, int in, nm::Pattern p,
                                       const MacroShape& s, TileFormat format) {
  check_format(p, format);
  if (stream.size() != s.stream_bytes(out, in, p, format))
    throw std::invalid_argument(fmt::format("weight stream has {} bytes, the layer needs {}", stream.size(),
                                            s.stream_bytes(out, in, p, format)));
  if (format == TileFormat::Dense) return unpack_dense(stream, out, in, s);
  const nm::Pattern rp = s.row_pattern(p);
  const unsigned P = s.submacros, R = s.rows, C = s.cols, n = rp.n, m = rp.m;
  const uint64_t tile_inputs = s.inputs_per_tile(p), row_inputs = uint64_t(P) * m / n;
  const uint64_t in_tiles = ceil_div(in, tile_inputs), out_tiles = ceil_div(out, C);
  const uint64_t record = s.record_bytes(TileFormat::Sparse);
  const RecordLayout layout(s);
  std::vector<int32_t> w(uint64_t(out) * in, 0);
  for (uint64_t ot = 0; ot < out_tiles; ++ot)
    for (uint64_t kt = 0; kt < in_tiles; ++kt) {
      const uint8_t* rec = &stream[(ot * in_tiles + kt) * record];
      for (unsigned rj = 0; rj < R * P; ++rj)
        if ((rec[layout.select + rj] & 3u) >= m / 2 || (rec[layout.select + rj] >> 2) >= P)
          throw std::invalid_argument(fmt::format("select byte {} of the weight stream names a pair or bus group "
                                                  "that does not exist for {}",
                                                  (ot * in_tiles + kt) * record + layout.select + rj, p.str()));
      for (unsigned r = 0; r < R; ++r)
        for (unsigned j = 0; j < P; ++j) {
          // Follow the hardware's routing: level 2 picks bus group i, level 1 picks its pair.
          const unsigned i = rec[layout.select + r * P + j] >> 2;
          const unsigned pair = rec[layout.select + r * P + i] & 3u;
          for (unsigned c = 0; c < C; ++c) {
            const uint64_t cell = (uint64_t(r) * P + j) * C + c, o = ot * C + c;
            const int8_t v = int8_t(rec[layout.weight + cell]);
            if (v == 0 || o >= uint64_t(out)) continue;
            const unsigned e = (rec[layout.meta + cell / 8] >> (cell % 8)) & 1u;
            const uint64_t col = kt * tile_inputs + r * row_inputs + (i / n) * m + 2 * pair + e;
            if (col >= uint64_t(in))
              throw std::invalid_argument(fmt::format("weight stream routes a weight to input {} of {}", col, in));
            w[o * in + col] += v;
          }
        }
    }
  return w;
}

std::vector<int8_t> unpack_weights(const std::vector<uint8_t>& stream, int out, int in, nm::Pattern p,
                                   const MacroShape& s, TileFormat format) {
  const std::vector<int32_t> wide = effective_weights(stream, out, in, p, s, format);
  std::vector<int8_t> w(wide.size());
  for (size_t k = 0; k < wide.size(); ++k) {
    if (wide[k] < INT8_MIN || wide[k] > INT8_MAX)
      throw std::invalid_argument(fmt::format("the weight stream adds cells up to an effective weight of {} for "
                                              "output {} / input {}, beyond int8",
                                              wide[k], k / in, k % in));
    w[k] = int8_t(wide[k]);
  }
  return w;
}

}  // namespace flexcim::fw
