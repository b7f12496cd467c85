// The dense-DCiM baseline macro: the same R*P x C cells wired as one plain
// array. Physical row q = r*P + j always multiplies input q of the tile; no
// distribution network, no metadata, no merge tree: each column sums its R*P
// products in one pipelined adder tree.
//
// Pipeline: input register, multiply, clog2(R*P) adder levels, partial-sum
// buffer, output register (LATENCY stages). Ports as flexcim_macro, without the
// select, metadata and record-mode inputs (it reads dense records only); the
// input bus carries one activation per row.
module flexcim_dense_macro #(
    parameter int P = 4,
    parameter int R = 32,
    parameter int C = 32,
    localparam int ROWS = R * P,
    localparam int CW = $clog2(C),
    localparam int SUM_W = 16 + $clog2(ROWS),
    localparam int LATENCY = 1 + 1 + $clog2(ROWS) + 1 + 1
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             wr_en,
    input  logic [CW-1:0]    wr_col,
    input  logic [ROWS*8-1:0] wr_weight,  // cell (q, wr_col): bits [8q +: 8]
    input  logic             in_valid,
    input  logic [ROWS*8-1:0] in_bus,     // row q: bits [8q +: 8]
    output logic             out_valid,
    output logic [C*32-1:0]  out_sum
);
  logic [C-1:0] col_en;
  flexcim_control #(.C(C), .LATENCY(LATENCY)) u_control (
      .clk, .rst, .wr_en, .wr_col, .col_en, .in_valid, .out_valid);

  logic [ROWS*8-1:0] bus;
  flexcim_register #(.W(ROWS*8)) u_input (.clk, .d(in_bus), .q(bus));

  logic [ROWS*16-1:0] products[C];
  for (genvar q = 0; q < ROWS; q++) begin : g_row
    for (genvar c = 0; c < C; c++) begin : g_cell
      flexcim_dense_cell u_cell (
          .clk,
          .wr_en(col_en[c]),
          .wr_weight(wr_weight[8*q +: 8]),
          .act(bus[8*q +: 8]),
          .product(products[c][16*q +: 16]));
    end
  end

  for (genvar c = 0; c < C; c++) begin : g_column
    logic [SUM_W-1:0] column_sum, psum, result;
    flexcim_adder_tree #(.N(ROWS), .W(16)) u_tree (.clk, .in(products[c]), .sum(column_sum));
    flexcim_register #(.W(SUM_W)) u_psum (.clk, .d(column_sum), .q(psum));
    flexcim_register #(.W(SUM_W)) u_output (.clk, .d(psum), .q(result));
    assign out_sum[32*c +: 32] = 32'($signed(result));
  end
endmodule
