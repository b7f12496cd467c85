// A W-bit pipeline register (the macro's input register, the partial-sum
// buffer, the output register).
module flexcim_register #(
    parameter int W = 8
) (
    input  logic         clk,
    input  logic [W-1:0] d,
    output logic [W-1:0] q
);
  always_ff @(posedge clk) q <= d;
endmodule
