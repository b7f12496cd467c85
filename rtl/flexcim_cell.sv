// One FlexCiM cell: an int8 weight, one metadata bit, and a signed 8x8
// multiplier. The cell receives the activation pair its sub-macro's level-2 mux
// routes to it; the metadata bit picks the element (0: bits 7:0, 1: bits 15:8).
// In dense mode the element is fixed (DENSE_ELEMENT, j % 2 for sub-macro j) and
// the metadata bit is neither written nor read. The product register is the
// pipeline's multiply stage.
module flexcim_cell #(
    parameter bit DENSE_ELEMENT = 0
) (
    input  logic        clk,
    input  logic        wr_en,      // weight-write port: this cell's column is written
    input  logic        meta_en,    // ... with a metadata bit (sparse records)
    input  logic [ 7:0] wr_weight,
    input  logic        wr_meta,
    input  logic        dense,      // dense mode
    input  logic [15:0] pair,       // from the distribution network (registered)
    output logic [15:0] product     // registered, two's complement
);
  logic signed [7:0] weight;
  logic meta;
  always_ff @(posedge clk) if (wr_en) weight <= wr_weight;
  always_ff @(posedge clk) if (meta_en) meta <= wr_meta;

  logic element;
  logic signed [7:0] act;
  assign element = dense ? DENSE_ELEMENT : meta;
  assign act = element ? pair[15:8] : pair[7:0];

  always_ff @(posedge clk) product <= 16'(weight * act);
endmodule
