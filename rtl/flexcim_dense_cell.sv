// One cell of the dense-DCiM baseline: an int8 weight and a signed 8x8
// multiplier hard-wired to its physical row's activation; no metadata bit.
module flexcim_dense_cell (
    input  logic        clk,
    input  logic        wr_en,
    input  logic [ 7:0] wr_weight,
    input  logic [ 7:0] act,        // the row's activation (registered)
    output logic [15:0] product     // registered, two's complement
);
  logic signed [7:0] weight;
  always_ff @(posedge clk) if (wr_en) weight <= wr_weight;

  always_ff @(posedge clk) product <= 16'(weight * $signed(act));
endmodule
