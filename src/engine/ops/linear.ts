// linear(x, W[out,in], b) = x · Wᵀ + b (torch.nn.functional.linear), built on matmul's bmm with the bias
// (and optionally a relu/gelu) fused into the matmul kernels' epilogue.
//   dx = g · W      dW = gᵀ · x      db = Σ_rows g

import { attach, needsGrad } from '../autograd.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { sizeOf } from '../shape.ts';
import { Tensor, checkFloat, checkOperand, rawView } from '../tensor.ts';
import { gelu } from './elementwise.ts';
import { binaryRaw } from './elementwise-kernels.ts';
import { ACT_CODE, bmm, type Activation } from './matmul.ts';
import { sum } from './reduce.ts';

/**
 * torch.nn.functional.linear: `x · weightᵀ + bias` over the last dim of x. x is [..., in] (or [in]),
 * weight [out, in], bias [out] or omitted; the result is [..., out]. The bias add runs in the matmul's
 * epilogue. Gradients: dx = g·W, dW = gᵀ·x, db = Σ g over all leading dims, each only when needed.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearAct(x, weight, bias ?? null, 'none');
}

/**
 * `act(linear(x, weight, bias))` with the activation fused into the kernel's epilogue. With autograd
 * recording, relu stays fused (its backward needs only the output); gelu's backward needs the
 * pre-activation, so it then runs as linear + gelu.
 */
export function linearAct(x: Tensor, weight: Tensor, bias: Tensor | null, activation: Activation): Tensor {
  checkOperand('linear', x, 'input');
  checkOperand('linear', weight, 'weight');
  if (bias) checkOperand('linear', bias, 'bias');
  checkFloat('linear', x, weight, ...(bias ? [bias] : []));
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.rank === 0 || x.shape[x.rank - 1] !== inF) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} does not end in ${inF} features (weight ${fmtShape(weight.shape)})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} does not match weight ${fmtShape(weight.shape)} (expected [${outF}])`);
  }
  if (!(activation in ACT_CODE)) throw new Error(`linear: unknown activation ${String(activation)}`);

  const recording = needsGrad([x, weight, bias]);
  if (recording && activation === 'gelu') {
    const pre = linearAct(x, weight, bias, 'none');
    const y = gelu(pre);
    pre.dispose();
    return y;
  }

  const M = sizeOf(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), outF];
  const x3 = rawView(x, [1, M, inF], false);
  const w3 = rawView(weight, [1, outF, inF], false);
  const y3 = bmm(x3, w3, false, true, { bias, biasAlong: 'n', activation, label: 'linear' });
  x3.dispose();
  w3.dispose();
  const out = rawView(y3, outShape);
  y3.dispose();

  const saved = activation === 'relu' ? [x, weight, out] : [x, weight];
  return attach('linear', [x, weight, bias], out, saved, (g, [x0, w0, y0], needs) => {
    // relu: g · 1[y > 0] (y > 0 exactly where the pre-activation is).
    const gm = y0 ? binaryRaw('reluGrad', g, y0, g.shape) : g;
    const g3 = rawView(gm, [1, M, outF], false);
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const w = rawView(w0!, [1, outF, inF], false);
      const d = bmm(g3, w, false, false, { label: 'linear.grad_input' });
      w.dispose();
      gx = rawView(d, x0!.shape);
      d.dispose();
    }
    if (needs[1]) {
      const xv = rawView(x0!, [1, M, inF], false);
      const d = bmm(g3, xv, true, false, { label: 'linear.grad_weight' });
      xv.dispose();
      gw = rawView(d, [outF, inF]);
      d.dispose();
    }
    if (needs[2]) {
      const g2 = rawView(gm, [M, outF], false);
      gb = sum(g2, 0);
      g2.dispose();
    }
    g3.dispose();
    if (gm !== g) gm.dispose();
    return [gx, gw, gb];
  });
}

