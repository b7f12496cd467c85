// One FlexCiM macro (DESIGN.md section 2; the TLM model is models/macro.h):
// P sub-macros of R x C cells. Per row a two-level distribution network routes
// one activation pair to each sub-macro; each cell multiplies its int8 weight by
// the pair element its metadata bit names; each sub-macro column sums its R
// products in a pipelined adder tree into a partial-sum buffer; the merge tree
// adds the P sub-macro columns of an output channel into the output register.
//
// Pipeline (one register per stage, as MacroPipeline counts them):
//   input register, level-1 mux, level-2 mux, multiply, clog2(R) adder levels,
//   partial-sum buffer, clog2(P) merge levels, output register
// so a token presented with in_valid in cycle t has its sums on out_sum, with
// out_valid, in cycle t + LATENCY. The macro takes a token every cycle; there is
// no back-pressure (the sequencer paces tokens and writes, and writes a tile's
// cells only when the previous tile has drained).
//
// Weight-write port: one column of every (row, sub-macro) cell per beat, so a
// tile takes C beats. A sparse record's beats carry metadata bits and the select
// registers load with the beat that has wr_select set (the first); a dense
// record's beats (wr_dense) carry weights only and put the macro in dense mode,
// where the selects and each cell's element are fixed (docs/weight-format.md).
// Signed int8 weights and activations (the authors' sketch is unsigned; LLM
// inference is not); sums are exact.
module flexcim_macro #(
    parameter int P = 4,   // sub-macros (a power of two)
    parameter int R = 32,  // rows: the reduction dimension
    parameter int C = 32,  // columns: output channels
    localparam int CW = $clog2(C),
    localparam int SW = $clog2(P),
    localparam int ROW_LEVELS = $clog2(R),
    localparam int MERGE_LEVELS = $clog2(P),
    localparam int PSUM_W = 16 + ROW_LEVELS,
    localparam int SUM_W = PSUM_W + MERGE_LEVELS,
    localparam int LATENCY = 1 + 2 + 1 + ROW_LEVELS + 1 + MERGE_LEVELS + 1
) (
    input  logic              clk,
    input  logic              rst,         // synchronous: empties the pipeline
    // weight-write port
    input  logic              wr_en,
    input  logic [CW-1:0]     wr_col,
    input  logic [R*P*8-1:0]  wr_weight,   // cell (r, j, wr_col): bits [(r*P+j)*8 +: 8]
    input  logic [R*P-1:0]    wr_meta,     // cell (r, j, wr_col): bit r*P+j
    input  logic              wr_dense,    // the beat belongs to a dense record
    input  logic              wr_select,   // load the select registers from this beat
    input  logic [R*P*2-1:0]  wr_pair,     // level-1 mux (r, i): bits [(r*P+i)*2 +: 2]
    input  logic [R*P*SW-1:0] wr_source,   // level-2 mux (r, j): bits [(r*P+j)*SW +: SW]
    // token stream
    input  logic              in_valid,
    input  logic [R*P*64-1:0] in_bus,      // row r, bus group i, pair k, element e: byte ((r*P+i)*4+k)*2+e
    output logic              out_valid,
    output logic [C*32-1:0]   out_sum      // column c: bits [32c +: 32], two's complement
);
  logic [C-1:0] col_en, meta_en;
  logic dense;
  flexcim_control #(.C(C), .LATENCY(LATENCY)) u_control (
      .clk, .rst, .wr_en, .wr_col, .col_en, .in_valid, .out_valid);
  flexcim_mode #(.C(C)) u_mode (.clk, .rst, .wr_en, .wr_dense, .col_en, .meta_en, .dense);

  logic [R*P*64-1:0] bus;
  flexcim_register #(.W(R*P*64)) u_input (.clk, .d(in_bus), .q(bus));

  // products[j][c]: the R products of sub-macro j, column c, row r at bits [16r +: 16].
  logic [R*16-1:0] products[P][C];
  for (genvar r = 0; r < R; r++) begin : g_row
    logic [P*16-1:0] pairs;
    flexcim_distribution #(.P(P)) u_distribution (
        .clk, .wr_select,
        .wr_pair(wr_pair[r*P*2 +: P*2]),
        .wr_source(wr_source[r*P*SW +: P*SW]),
        .dense,
        .bus(bus[r*P*64 +: P*64]),
        .pairs);
    for (genvar j = 0; j < P; j++) begin : g_submacro
      for (genvar c = 0; c < C; c++) begin : g_cell
        flexcim_cell #(.DENSE_ELEMENT(1'(j % 2))) u_cell (
            .clk,
            .wr_en(col_en[c]),
            .meta_en(meta_en[c]),
            .wr_weight(wr_weight[(r*P+j)*8 +: 8]),
            .wr_meta(wr_meta[r*P+j]),
            .dense,
            .pair(pairs[16*j +: 16]),
            .product(products[j][c][16*r +: 16]));
      end
    end
  end

  for (genvar c = 0; c < C; c++) begin : g_column
    logic [P*PSUM_W-1:0] column_sums, psums;
    for (genvar j = 0; j < P; j++) begin : g_submacro
      flexcim_adder_tree #(.N(R), .W(16)) u_tree (
          .clk, .in(products[j][c]), .sum(column_sums[j*PSUM_W +: PSUM_W]));
    end
    flexcim_register #(.W(P*PSUM_W)) u_psum (.clk, .d(column_sums), .q(psums));
    logic [SUM_W-1:0] merged, result;
    flexcim_adder_tree #(.N(P), .W(PSUM_W)) u_merge (.clk, .in(psums), .sum(merged));
    flexcim_register #(.W(SUM_W)) u_output (.clk, .d(merged), .q(result));
    assign out_sum[32*c +: 32] = 32'($signed(result));
  end
endmodule
