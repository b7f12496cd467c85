// The firmware's weight packer against its reference decoder and the stream
// format of docs/weight-format.md (no SystemC).
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "nm/pattern.h"
#include "nm/prune.h"
#include "weight_packer.h"

namespace flexcim::fw {
namespace {

using nm::Pattern;

const Pattern kSparse[] = {{1, 2}, {1, 4}, {2, 4}, {1, 8}, {2, 8}, {4, 8}};

struct Layer {
  int out, in;
  std::vector<int8_t> weights;  // unpruned
  std::vector<uint8_t> mask;
};

Layer random_layer(int out, int in, Pattern p, const MacroShape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> w(-128, 127);
  std::uniform_real_distribution<float> s(0.0f, 1.0f);
  Layer l{out, in, std::vector<int8_t>(size_t(out) * in), {}};
  std::vector<float> scores(l.weights.size());
  for (size_t k = 0; k < l.weights.size(); ++k) {
    l.weights[k] = int8_t(w(rng));
    scores[k] = s(rng);
  }
  l.mask = p.dense() ? std::vector<uint8_t>(l.weights.size(), 1)
                     : nm::prune_mask(scores.data(), out, in, p, nm::PruneMode::HwAware, int(shape.cols));
  return l;
}

std::vector<int8_t> pruned(const Layer& l) {
  std::vector<int8_t> w = l.weights;
  for (size_t k = 0; k < w.size(); ++k)
    if (!l.mask[k]) w[k] = 0;
  return w;
}

// Patterns a geometry can hold: dense, and N:M with N dividing P.
std::vector<Pattern> patterns_for(const MacroShape& shape) {
  std::vector<Pattern> out{{1, 1}};
  for (Pattern p : kSparse)
    if (shape.submacros % p.n == 0) out.push_back(p);
  return out;
}

// Every pattern in the format the firmware uses, and dense also as sparse (P:P) records.
void expect_round_trip(const MacroShape& shape, int out, int in, uint32_t seed) {
  for (Pattern p : patterns_for(shape)) {
    std::vector<TileFormat> formats{tile_format(p)};
    if (p.dense()) formats.push_back(TileFormat::Sparse);
    for (TileFormat format : formats) {
      SCOPED_TRACE(testing::Message() << "pattern " << p.str() << (format == TileFormat::Dense ? " dense" : " sparse")
                                      << " records, " << out << "x" << in << " on P=" << shape.submacros
                                      << " R=" << shape.rows << " C=" << shape.cols);
      const Layer l = random_layer(out, in, p, shape, seed);
      const std::vector<uint8_t> stream = pack_weights(l.weights.data(), l.mask, out, in, p, shape, format);
      EXPECT_EQ(stream.size(), shape.stream_bytes(out, in, p, format));
      EXPECT_EQ(unpack_weights(stream, out, in, p, shape, format), pruned(l));
    }
  }
}

TEST(WeightPacker, RoundTripDefaultGeometry) {
  const MacroShape shape{4, 32, 32};
  expect_round_trip(shape, 32, 128, 1);   // exactly one dense tile
  expect_round_trip(shape, 33, 130, 2);   // one column and a few inputs past the tile edge
  expect_round_trip(shape, 64, 172, 3);   // stories260K's hidden width, not a multiple of 8
  expect_round_trip(shape, 200, 1000, 4);
}

TEST(WeightPacker, RoundTripOtherGeometries) {
  expect_round_trip({4, 8, 8}, 33, 130, 5);
  expect_round_trip({2, 8, 8}, 17, 100, 6);    // N must divide P = 2: no 4:8
  expect_round_trip({8, 4, 4}, 9, 70, 7);      // dense runs as 8:8
  expect_round_trip({4, 3, 5}, 11, 61, 8);     // odd rows and columns
}

TEST(WeightPacker, StreamSizeFollowsTheFormat) {
  const MacroShape shape{4, 32, 32};
  const TileFormat sparse = TileFormat::Sparse, dense = TileFormat::Dense;
  // docs/weight-format.md: 128 select + 4096 weight + 512 metadata bytes; dense records only the weights.
  EXPECT_EQ(shape.record_bytes(sparse), 4736u);
  EXPECT_EQ(shape.record_bytes(dense), 4096u);
  EXPECT_EQ((MacroShape{4, 3, 5}.record_bytes(sparse)), 80u);  // 12 + 60 + 8 bytes
  EXPECT_EQ((MacroShape{4, 3, 5}.record_bytes(dense)), 60u);
  EXPECT_EQ((MacroShape{2, 3, 3}.record_bytes(sparse)), 28u);  // 6 + 18 + 3 bytes, padded to 4
  EXPECT_EQ((MacroShape{2, 3, 3}.record_bytes(dense)), 20u);   // 18 bytes, padded to 4
  // Inputs per tile: R * P * M / N, dense as P:P.
  EXPECT_EQ(shape.inputs_per_tile({1, 1}), 128u);
  EXPECT_EQ(shape.inputs_per_tile({2, 4}), 256u);
  EXPECT_EQ(shape.inputs_per_tile({1, 8}), 1024u);
  EXPECT_EQ(shape.stream_bytes(33, 130, {1, 1}, sparse), 2u * 2u * 4736u);
  EXPECT_EQ(shape.stream_bytes(33, 130, {1, 1}, dense), 2u * 2u * 4096u);
  EXPECT_EQ(shape.stream_bytes(33, 130, {1, 8}, sparse), 2u * 1u * 4736u);
  EXPECT_EQ(shape.stream_bytes(4096, 11008, {2, 4}, sparse), 128u * 43u * 4736u);
  // The firmware's choice: dense records for dense layers only.
  EXPECT_EQ(tile_format({4, 4}), dense);
  EXPECT_EQ(tile_format({1, 1}), dense);
  EXPECT_EQ(tile_format({2, 4}), sparse);
}

// docs/weight-format.md, dense record: cell (r, j, c) of tile (ot, kt) is byte
// (r*P + j)*C + c and holds W[ot*C + c][kt*R*P + r*P + j]; nothing else is in
// the record, so a dense layer streams no select or metadata bytes.
TEST(WeightPacker, DenseRecordsHoldOnlyTheWeightsInCellOrder) {
  const MacroShape shape{4, 3, 5};  // R*P = 12 inputs and C = 5 outputs per tile
  const int out = 7, in = 30;       // 2 x 3 tiles, both edges partial
  std::vector<int8_t> w(size_t(out) * in);
  for (size_t k = 0; k < w.size(); ++k) {
    const int v = int(k % 251) - 125;  // nonzero, and different for neighbouring cells
    w[k] = int8_t(v == 0 ? 1 : v);
  }
  const std::vector<uint8_t> mask(w.size(), 1);
  const std::vector<uint8_t> stream = pack_weights(w.data(), mask, out, in, {1, 1}, shape, TileFormat::Dense);
  const uint64_t record = shape.record_bytes(TileFormat::Dense);
  ASSERT_EQ(record, uint64_t(shape.rows) * shape.submacros * shape.cols);  // 60: no padding needed
  ASSERT_EQ(stream.size(), 2 * 3 * record);
  for (uint64_t ot = 0; ot < 2; ++ot)
    for (uint64_t kt = 0; kt < 3; ++kt)
      for (unsigned r = 0; r < shape.rows; ++r)
        for (unsigned j = 0; j < shape.submacros; ++j)
          for (unsigned c = 0; c < shape.cols; ++c) {
            const uint64_t o = ot * shape.cols + c, i = kt * 12 + r * shape.submacros + j;
            const int8_t expected = o < uint64_t(out) && i < uint64_t(in) ? w[o * in + i] : 0;
            EXPECT_EQ(int8_t(stream[(ot * 3 + kt) * record + (r * shape.submacros + j) * shape.cols + c]), expected)
                << "tile (" << ot << ", " << kt << ") cell (" << r << ", " << j << ", " << c << ")";
          }
  // The same layer in sparse records carries select and metadata bytes as well.
  const std::vector<uint8_t> sparse = pack_weights(w.data(), mask, out, in, {1, 1}, shape, TileFormat::Sparse);
  EXPECT_EQ(sparse.size() - stream.size(), 2u * 3u * (12u + 8u));
}

TEST(WeightPacker, DenseRecordsAreRefusedForSparsePatterns) {
  const MacroShape shape{4, 8, 8};
  const Layer l = random_layer(16, 64, {2, 4}, shape, 17);
  EXPECT_THROW(pack_weights(l.weights.data(), l.mask, 16, 64, {2, 4}, shape, TileFormat::Dense),
               std::invalid_argument);
  const std::vector<uint8_t> stream(shape.stream_bytes(16, 64, {2, 4}, TileFormat::Sparse), 0);
  EXPECT_THROW(unpack_weights(stream, 16, 64, {2, 4}, shape, TileFormat::Dense), std::invalid_argument);
}

TEST(WeightPacker, SelectBytesRouteStraightThroughToExistingPairs) {
  const MacroShape shape{4, 8, 8};
  for (Pattern p : patterns_for(shape)) {
    SCOPED_TRACE(p.str());
    const Layer l = random_layer(16, 200, p, shape, 9);
    const std::vector<uint8_t> stream = pack_weights(l.weights.data(), l.mask, 16, 200, p, shape, TileFormat::Sparse);
    const Pattern row = shape.row_pattern(p);
    for (size_t rec = 0; rec < stream.size(); rec += shape.record_bytes(TileFormat::Sparse))
      for (unsigned rj = 0; rj < shape.rows * shape.submacros; ++rj) {
        const uint8_t select = stream[rec + rj];
        EXPECT_EQ(select >> 2, rj % shape.submacros) << "record at " << rec << ", select " << rj;
        EXPECT_LT(select & 3u, unsigned(row.m / 2)) << "record at " << rec << ", select " << rj;
      }
  }
}

TEST(WeightPacker, UnconstrainedMaskBreakingSharedSelectsIsRefused) {
  const MacroShape shape{4, 8, 8};
  const int out = 8, in = 16;
  const std::vector<int8_t> w(size_t(out) * in, 1);
  // 1:4: one kept weight per group of 4 is fine per row, but rows 0 and 1 of the
  // same column block keep different pairs of group 0: two pair slots, N = 1.
  std::vector<uint8_t> mask(w.size(), 0);
  for (int o = 0; o < out; ++o)
    for (int g = 0; g < in / 4; ++g) mask[size_t(o) * in + g * 4] = 1;
  mask[size_t(1) * in + 0] = 0;
  mask[size_t(1) * in + 2] = 1;
  EXPECT_THROW(pack_weights(w.data(), mask, out, in, {1, 4}, shape, TileFormat::Sparse), nm::NotExecutable);

  // The same two rows in different column blocks (C = 8) may differ.
  std::vector<uint8_t> split(size_t(16) * in, 0);
  const std::vector<int8_t> w16(split.size(), 1);
  for (int o = 0; o < 16; ++o)
    for (int g = 0; g < in / 4; ++g) split[size_t(o) * in + g * 4 + (o < 8 ? 0 : 2)] = 1;
  EXPECT_NO_THROW(pack_weights(w16.data(), split, 16, in, {1, 4}, shape, TileFormat::Sparse));

  // What FLOW's reference pruner produces on random scores is generally refused
  // too; only 1:2 (a group is one pair) always fits.
  std::mt19937 rng(10);
  std::uniform_real_distribution<float> s(0.0f, 1.0f);
  std::vector<float> scores(size_t(64) * 256);
  for (float& v : scores) v = s(rng);
  const std::vector<int8_t> w64(scores.size(), 3);
  for (Pattern p : kSparse) {
    SCOPED_TRACE(p.str());
    const std::vector<uint8_t> free_mask =
        nm::prune_mask(scores.data(), 64, 256, p, nm::PruneMode::Unconstrained, int(shape.cols));
    if (p == Pattern{1, 2})
      EXPECT_NO_THROW(pack_weights(w64.data(), free_mask, 64, 256, p, shape, TileFormat::Sparse));
    else
      EXPECT_THROW(pack_weights(w64.data(), free_mask, 64, 256, p, shape, TileFormat::Sparse), nm::NotExecutable);
  }
}

TEST(WeightPacker, PatternsWithoutAMappingAreInvalidArguments) {
  const std::vector<int8_t> w(64, 1);
  const std::vector<uint8_t> mask(64, 1);
  const TileFormat sparse = TileFormat::Sparse;
  EXPECT_THROW(pack_weights(w.data(), mask, 8, 8, {4, 8}, MacroShape{2, 8, 8}, sparse), std::invalid_argument);  // N > P
  EXPECT_THROW(pack_weights(w.data(), mask, 8, 8, {3, 8}, MacroShape{4, 8, 8}, sparse), std::invalid_argument);  // N !| P
  EXPECT_THROW(pack_weights(w.data(), mask, 8, 8, {1, 16}, MacroShape{4, 8, 8}, sparse), std::invalid_argument); // M > 8
  EXPECT_THROW(MacroShape{}.stream_bytes(8, 8, {1, 3}, sparse), std::invalid_argument);                           // odd M
}

TEST(WeightPacker, UnpackRefusesAStreamOfTheWrongSize) {
  const MacroShape shape{4, 8, 8};
  const std::vector<uint8_t> stream(shape.stream_bytes(8, 64, {2, 4}, TileFormat::Sparse) - 4, 0);
  EXPECT_THROW(unpack_weights(stream, 8, 64, {2, 4}, shape, TileFormat::Sparse), std::invalid_argument);
  const std::vector<uint8_t> dense(shape.stream_bytes(8, 64, {1, 1}, TileFormat::Dense) + 4, 0);
  EXPECT_THROW(unpack_weights(dense, 8, 64, {1, 1}, shape, TileFormat::Dense), std::invalid_argument);
}

// Found by fuzz/fuzz_weight_decoder: the reference decoder must read a stream as the
// macro does. A select byte naming a pair or bus group that does not exist is refused
// (the macro raises ERR_METADATA) ...
TEST(WeightPacker, UnpackRefusesSelectBytesTheHardwareRefuses) {
  const MacroShape shape{4, 2, 2};  // records: 8 select bytes, 16 weights, 2 metadata bytes
  const TileFormat sparse = TileFormat::Sparse;
  std::vector<uint8_t> stream(shape.stream_bytes(2, 32, {2, 8}, sparse), 0);
  for (unsigned j = 0; j < 8; ++j) stream[j] = uint8_t((j % 4) << 2);
  EXPECT_NO_THROW(unpack_weights(stream, 2, 32, {2, 8}, shape, sparse));
  stream[5] = 4 << 2;  // bus group 4 of 4
  EXPECT_THROW(effective_weights(stream, 2, 32, {2, 8}, shape, sparse), std::invalid_argument);
  stream[5] = 1 << 2 | 2;  // 2:4 has pairs 0 and 1 only
  EXPECT_THROW(effective_weights(stream, 2, 16, {2, 4}, shape, sparse), std::invalid_argument);
}

// ... and cells of one column fed the same input add up past int8, as in the macro;
// as int8 weights that stream has no answer, and says so instead of wrapping.
TEST(WeightPacker, CellsRoutedToTheSameInputAddUpWithoutWrapping) {
  const MacroShape shape{4, 1, 1};  // one row of 4 sub-macros, one column
  const TileFormat sparse = TileFormat::Sparse;
  std::vector<uint8_t> stream(shape.stream_bytes(1, 8, {2, 4}, sparse), 0);
  for (unsigned j = 0; j < 4; ++j) {
    stream[j] = 0;                         // every sub-macro takes bus group 0, pair 0
    stream[4 + j] = uint8_t(int8_t(100));  // weight 100 in each cell, metadata 0: element 0
  }
  const std::vector<int32_t> w = effective_weights(stream, 1, 8, {2, 4}, shape, sparse);
  EXPECT_EQ(w[0], 400);  // int8 arithmetic gave -112
  for (int col = 1; col < 8; ++col) EXPECT_EQ(w[col], 0) << col;
  EXPECT_THROW(unpack_weights(stream, 1, 8, {2, 4}, shape, sparse), std::invalid_argument);
}

}  // namespace
}  // namespace flexcim::fw
