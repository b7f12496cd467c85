// A pipelined binary adder tree: N signed W-bit inputs, one register per level
// (clog2(N) levels; a tree of one input is a wire). Level l adds pairs of
// level l-1 with one more bit, so the sum is exact. Column adder trees, the
// dense baseline's column trees and the merge trees are all this module.
module flexcim_adder_tree #(
    parameter int N = 32,
    parameter int W = 16,
    localparam int LEVELS = $clog2(N),
    localparam int WO = W + LEVELS
) (
    input  logic          clk,
    input  logic [N*W-1:0] in,     // input k: bits [k*W +: W]
    output logic [WO-1:0]  sum     // registered unless N == 1
);
  localparam int LEAVES = 1 << LEVELS;

  for (genvar l = 0; l <= LEVELS; l++) begin : g_level
    // Level l: LEAVES >> l nodes of W + l bits.
    logic [(LEAVES >> l)*(W + l)-1:0] node;
    if (l == 0) begin : g_leaves
      // Inputs past N (a tree that is not a power of two) are zero.
      assign node = {{((LEAVES - N)*W){1'b0}}, in};
    end else begin : g_adders
      for (genvar k = 0; k < (LEAVES >> l); k++) begin : g_node
        always_ff @(posedge clk)
          node[k*(W+l) +: W+l] <= (W+l)'($signed(g_level[l-1].node[2*k*(W+l-1) +: W+l-1])) +
                                  (W+l)'($signed(g_level[l-1].node[(2*k+1)*(W+l-1) +: W+l-1]));
      end
    end
  end
  assign sum = g_level[LEVELS].node;
endmodule
