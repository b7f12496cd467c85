// Control of one macro: the weight-write port's column decode and the valid
// bit that travels with each token through the LATENCY pipeline stages.
module flexcim_control #(
    parameter int C = 32,
    parameter int LATENCY = 13,
    localparam int CW = $clog2(C)
) (
    input  logic          clk,
    input  logic          rst,        // synchronous: empties the pipeline
    input  logic          wr_en,
    input  logic [CW-1:0] wr_col,
    output logic [C-1:0]  col_en,     // write enable of each column
    input  logic          in_valid,
    output logic          out_valid
);
  for (genvar c = 0; c < C; c++) begin : g_col
    assign col_en[c] = wr_en && wr_col == CW'(c);
  end

  logic [LATENCY-1:0] valid;
  always_ff @(posedge clk)
    if (rst) valid <= '0;
    else valid <= {valid[LATENCY-2:0], in_valid};
  assign out_valid = valid[LATENCY-1];
endmodule
