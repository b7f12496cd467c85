// The distribution network of one row (DESIGN.md section 2): P level-1 muxes,
// mux i picks one of the 4 activation pairs of bus group i; P level-2 muxes,
// mux j picks which level-1 output feeds sub-macro j. The select registers are
// written with a sparse tile (wr_select) and shared by all C columns of a
// sub-macro. Dense mode fixes the selects instead: level-1 mux i takes pair i/2,
// level-2 mux j bus group j, so sub-macro j sees inputs 2(j/2), 2(j/2)+1 of the
// row. One pipeline register after each mux level.
module flexcim_distribution #(
    parameter int P = 4,
    localparam int SW = $clog2(P)   // level-2 select bits
) (
    input  logic              clk,
    input  logic              wr_select,
    input  logic [P*2-1:0]    wr_pair,     // level-1 mux i: bits [2i +: 2]
    input  logic [P*SW-1:0]   wr_source,   // level-2 mux j: bits [SW*j +: SW]
    input  logic              dense,       // dense mode
    input  logic [P*64-1:0]   bus,         // bus group i, pair k: bits [(4i+k)*16 +: 16]
    output logic [P*16-1:0]   pairs        // sub-macro j: bits [16j +: 16]
);
  logic [P*2-1:0] pair_sel;
  logic [P*SW-1:0] source_sel;
  always_ff @(posedge clk)
    if (wr_select) begin
      pair_sel   <= wr_pair;
      source_sel <= wr_source;
    end

  logic [P*16-1:0] level1;
  for (genvar i = 0; i < P; i++) begin : g_level1
    logic [1:0] pair;
    assign pair = dense ? 2'(i / 2) : pair_sel[2*i +: 2];
    always_ff @(posedge clk) level1[16*i +: 16] <= bus[(4*i + 32'(pair))*16 +: 16];
  end
  for (genvar j = 0; j < P; j++) begin : g_level2
    logic [SW-1:0] source;
    assign source = dense ? SW'(j) : source_sel[SW*j +: SW];
    always_ff @(posedge clk) pairs[16*j +: 16] <= level1[16*32'(source) +: 16];
  end
endmodule
