// FlexCiM's record mode: a dense record's beats (wr_dense) latch no metadata and
// put the macro in dense mode until the next tile is written; a sparse record's
// beats write the metadata bits with the weights.
module flexcim_mode #(
    parameter int C = 32
) (
    input  logic         clk,
    input  logic         rst,       // synchronous: sparse mode
    input  logic         wr_en,
    input  logic         wr_dense,
    input  logic [C-1:0] col_en,
    output logic [C-1:0] meta_en,   // metadata write enable of each column
    output logic         dense      // dense mode
);
  assign meta_en = wr_dense ? '0 : col_en;
  always_ff @(posedge clk)
    if (rst) dense <= 1'b0;
    else if (wr_en) dense <= wr_dense;
endmodule
