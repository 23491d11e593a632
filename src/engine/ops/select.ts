// Choosing values: where(cond, a, b) (torch.where, with broadcasting of all three) and clamp(x, min, max)
// (torch.clamp with number bounds), each its forward launch plus its backward rule.

import clampWgsl from '../../shaders/clamp.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import whereWgsl from '../../shaders/where.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { DTypeError, EngineError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { tensor } from './creation.ts';
import { sumTo } from './reduce-kernels.ts';

const whereKernel = defineKernel('where', whereWgsl, ['read', 'read', 'read', 'write'], {
  n: 'u32', rank: 'u32', shape: 'array<vec4<u32>, 2>', c_strides: 'array<vec4<u32>, 2>', a_strides: 'array<vec4<u32>, 2>', b_strides: 'array<vec4<u32>, 2>',
});
const clampKernel = defineKernel('clamp', floatBitsWgsl + clampWgsl, ['read', 'read', 'write'], { n: 'u32', lo: 'f32', hi: 'f32' });

function whereRaw(cond: Tensor, a: Tensor, b: Tensor, shape: readonly number[]): Tensor {
  const out = emptyTensor(shape, a.dtype, 'where');
  if (out.size === 0) return out;
  const strides = (t: Tensor): number[] => broadcastStrides(t.shape, shape);
  launch(whereKernel, [cond, a, b, out], {
    params: { n: out.size, rank: shape.length, shape, c_strides: strides(cond), a_strides: strides(a), b_strides: strides(b) },
    constants: { COND_INT: cond.dtype === 'int32' ? 1 : 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: 'where',
  });
  return out;
}

/** `g` where the condition picks this side, 0 elsewhere, summed back to the operand's shape. */
function pickGradient(cond: Tensor, g: Tensor, takeA: boolean, shape: readonly number[]): Tensor {
  const zero = tensor([0], []);
  const picked = takeA ? whereRaw(cond, g, zero, g.shape) : whereRaw(cond, zero, g, g.shape);
  zero.dispose();
  if (sameShape(picked.shape, shape)) return picked;
  const out = sumTo(picked, shape);
  picked.dispose();
  return out;
}

/**
 * torch.where: a where `cond` is nonzero, else b, with broadcasting of all three. `cond` is int32 (what the
 * comparisons return: there is no bool dtype) or float32 (nonzero = true). a and b are tensors of one dtype
 * (float32 or int32) or numbers (taking the other side's dtype, float32 if both are numbers). The gradient
 * goes to a where cond is true and to b elsewhere.
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const op = 'where';
  checkOperand(op, cond, 'condition');
  if (typeof a !== 'number') checkOperand(op, a, 'first operand');
  if (typeof b !== 'number') checkOperand(op, b, 'second operand');
  if (typeof a === 'number' && typeof b === 'number') {
    const ta = tensor([a], []);
    const tb = tensor([b], []);
    const out = where(cond, ta, tb);
    ta.dispose();
    tb.dispose();
    return out;
  }
  const dtype = (typeof a === 'number' ? (b as Tensor) : a).dtype;
  for (const v of [a, b]) {
    if (typeof v === 'number') {
      if (typeof (v as unknown) !== 'number') throw new TypeError(`${op}: operands must be Tensors or numbers`);
      if (dtype === 'int32' && !Number.isInteger(v)) throw new DTypeError(`${op}: the number ${v} cannot go beside an int32 tensor`);
    }
  }
  if (typeof a !== 'number' && typeof b !== 'number' && a.dtype !== b.dtype) {
    throw new DTypeError(`${op}: operands must have one dtype, got ${a.describe()} and ${b.describe()}`);
  }
  const shapeA = typeof a === 'number' ? [] : a.shape;
  const shapeB = typeof b === 'number' ? [] : b.shape;
  const shape = broadcastShapes(op, broadcastShapes(op, cond.shape, shapeA), shapeB);
  if (shape.length > 8) throw new ShapeError(`${op}: at most 8 dims are supported, got ${fmtShape(shape)}`);
  const ta = typeof a === 'number' ? tensor([a], [], { dtype }) : a;
  const tb = typeof b === 'number' ? tensor([b], [], { dtype }) : b;
  const out = whereRaw(cond, ta, tb, shape);
  if (ta !== a) ta.dispose();
  if (tb !== b) tb.dispose();
  if (dtype !== 'float32') return out;
  return attach(op, [typeof a === 'number' ? null : a, typeof b === 'number' ? null : b], out, [cond], (g, [c], needs) => [
    needs[0] ? pickGradient(c!, g, true, shapeA) : null,
    needs[1] ? pickGradient(c!, g, false, shapeB) : null,
  ]);
}

function clampBound(op: string, name: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number (or null for no bound), got ${String(v)}`);
  return v;
}

/**
 * torch.clamp(x, min, max) with number bounds (either may be null or omitted): min(max(x, min), max) on
 * float32; NaN stays NaN and min > max gives max everywhere, as in PyTorch. The gradient passes where
 * min ≤ x ≤ max (inclusive at both ends, PyTorch's rule) and is 0 elsewhere.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const op = 'clamp';
  checkOperand(op, x);
  checkFloat(op, x);
  const lo = clampBound(op, 'min', min);
  const hi = clampBound(op, 'max', max);
  if (lo === null && hi === null) throw new EngineError(`${op}: at least one of min and max must be given`);
  const params = { n: x.size, lo: lo ?? -Infinity, hi: hi ?? Infinity };
  const out = emptyTensor(x.shape, 'float32', op);
  if (x.size > 0) {
    launch(clampKernel, [x, x, out], { params, constants: { BACKWARD: 0 }, workgroups: grid(Math.ceil(x.size / 256)), label: 'clamp' });
  }
  return attach(op, [x], out, [x], (g, [x0]) => {
    const dx = emptyTensor(x0!.shape);
    if (dx.size > 0) {
      launch(clampKernel, [x0!, g, dx], { params, constants: { BACKWARD: 1 }, workgroups: grid(Math.ceil(dx.size / 256)), label: 'clamp.backward' });
    }
    return [dx];
  });
}
