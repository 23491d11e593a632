// binary_ops.wgsl: the two-operand elementwise ops, f(x, y) for one element, which the engine prepends to both
// binary kernels (binary.wgsl: any broadcast, one or four outputs per thread; binary_vec4.wgsl: vec4 loads and
// stores). The op is the override constant OP, so each op compiles to its own specialized pipeline.
// Each op is declared once, here: `const OP_<NAME>` below, which the engine reads by name (OP_RELU_GRAD is
// binaryRaw('reluGrad'), src/engine/ops/elementwise-kernels.ts), and its case in apply(). The *_GRAD ops are
// fused backward rules of unary ops (one kernel instead of two or three). maximum/minimum propagate NaN as
// torch.maximum does (float_bits.wgsl, prepended by the engine). mulOrZero is x·y with
// 0 wherever x is 0, even for y = ±inf or NaN: crossEntropy weights log-probabilities with it, so a -inf
// logit of a class whose weight is 0 leaves the loss finite (PyTorch picks the target's log-probability).
// addRelu is relu(x + y) in one pass, a residual block's sum and ReLU (ResNet's BasicBlock).

override OP: u32 = 0u;

const OP_ADD: u32 = 0u;
const OP_SUB: u32 = 1u;
const OP_MUL: u32 = 2u;
const OP_DIV: u32 = 3u;
const OP_POW: u32 = 4u;
const OP_MAXIMUM: u32 = 5u;
const OP_MINIMUM: u32 = 6u;
const OP_EQ: u32 = 7u;
const OP_MUL_OR_ZERO: u32 = 8u;
const OP_RELU_GRAD: u32 = 9u;
const OP_RELU6_GRAD: u32 = 10u;
const OP_SIGMOID_GRAD: u32 = 11u;
const OP_TANH_GRAD: u32 = 12u;
const OP_ABS_GRAD: u32 = 13u;
const OP_GELU_GRAD: u32 = 14u;
const OP_ADD_RELU: u32 = 15u;

// erf_(v) comes from erf.wgsl and pow_(x, e) from pow.wgsl, which the engine prepends to this kernel.

fn apply(x: f32, y: f32) -> f32 {
  switch OP {
    case OP_ADD: { return x + y; }
    case OP_SUB: { return x - y; }
    case OP_MUL: { return x * y; }
    case OP_DIV: { return x / y; }
    case OP_POW: { return pow_(x, y); }
    case OP_MAXIMUM: { return max_nan_(x, y); }
    case OP_MINIMUM: { return min_nan_(x, y); }
    case OP_EQ: { return select(0.0, 1.0, x == y); }                      // as 0/1
    case OP_MUL_OR_ZERO: { return select(x * y, 0.0, x == 0.0); }
    // Fused backward rules: x is the incoming gradient g, y what the forward saved.
    case OP_RELU_GRAD: { return select(0.0, x, y > 0.0); }                // g · [input > 0]
    case OP_RELU6_GRAD: { return select(0.0, x, y > 0.0 && y < 6.0); }    // g · [0 < input < 6] (PyTorch's hardtanh rule)
    case OP_SIGMOID_GRAD: { return x * y * (1.0 - y); }                   // g · y(1 − y), y the output
    case OP_TANH_GRAD: { return x * (1.0 - y * y); }                      // g · (1 − y²), y the output
    case OP_ABS_GRAD: { return x * sign(y); }                             // g · sign(input)
    case OP_ADD_RELU: { let s = x + y; return select(select(s, 0.0, s < 0.0), s, is_nan_(s)); } // relu(x + y), NaN kept (on its bits)
    case OP_GELU_GRAD, default: {                                         // g · (Φ(v) + v φ(v)), y the input
      return x * (0.5 * (1.0 + erf_(y * 0.70710678118654752)) + y * 0.39894228040143268 * exp(-0.5 * y * y));
    }
  }
}

