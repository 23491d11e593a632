// Elementwise ops: unary, binary with PyTorch broadcasting, tensor-with-scalar, casts, and the in-place
// helpers that autograd and optimizers use. Each public op is its forward launch plus its backward rule.

import accumulateWgsl from '../../shaders/accumulate.wgsl?raw';
import castWgsl from '../../shaders/cast.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { attach, type BackwardRule } from '../autograd.ts';
import { DTypeError, EngineError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { copyBuffer } from '../runtime/recorder.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { compareRaw } from './compare.ts';
import { tensor } from './creation.ts';
import { sumTo } from './reduce-kernels.ts';
import { binaryRaw, unaryRaw, type BinaryName, type UnaryName } from './elementwise-kernels.ts';

const accumulateKernel = defineKernel('accumulate', accumulateWgsl, ['read', 'write'], { n: 'u32', alpha: 'f32' });
const castKernel = defineKernel('cast', castWgsl, ['read', 'write'], { n: 'u32' });

// ------------------------------------------------------------------ unary ops

function unaryOp(name: UnaryName, x: Tensor, saveOutput: boolean, rule: (g: Tensor, saved: Tensor) => Tensor): Tensor {
  checkOperand(name, x);
  checkFloat(name, x);
  const y = unaryRaw(name, x);
  return attach(name, [x], y, [saveOutput ? y : x], (g, [s]) => [rule(g, s!)]);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x, false, (g) => unaryRaw('neg', g));
export const exp = (x: Tensor): Tensor => unaryOp('exp', x, true, (g, y) => binaryRaw('mul', g, y, g.shape));
export const log = (x: Tensor): Tensor => unaryOp('log', x, false, (g, x0) => binaryRaw('div', g, x0, g.shape));
export const sqrt = (x: Tensor): Tensor =>
  unaryOp('sqrt', x, true, (g, y) => {
    const twoY = unaryRaw('mulScalar', y, 2);
    const out = binaryRaw('div', g, twoY, g.shape);
    twoY.dispose();
    return out;
  });
// The activations' backward rules are one fused kernel each (binary_ops.wgsl's *_GRAD ops).
export const abs = (x: Tensor): Tensor => unaryOp('abs', x, false, (g, x0) => binaryRaw('absGrad', g, x0, g.shape));
export const relu = (x: Tensor): Tensor => unaryOp('relu', x, false, (g, x0) => binaryRaw('reluGrad', g, x0, g.shape));
/** min(max(x, 0), 6) (MobileNetV2's activation); the gradient is 0 at and beyond both ends, as in PyTorch. */
export const relu6 = (x: Tensor): Tensor => unaryOp('relu6', x, false, (g, x0) => binaryRaw('relu6Grad', g, x0, g.shape));
/** σ' = y (1 − y), from the saved output. */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x, true, (g, y) => binaryRaw('sigmoidGrad', g, y, g.shape));
/** tanh' = 1 − y², from the saved output. */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x, true, (g, y) => binaryRaw('tanhGrad', g, y, g.shape));
/** GELU, exact erf form (PyTorch's default). */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x, false, (g, x0) => binaryRaw('geluGrad', g, x0, g.shape));

/** The unary ops that are also Tensor methods (`x.exp()`): methods.ts installs one per entry. */
export const unaryMethods = { neg, exp, log, sqrt, abs, relu, sigmoid, tanh, gelu };

/** Runs fn on a temporary and disposes it afterwards (unless fn returned it). */
function withTemp(t: Tensor, fn: (t: Tensor) => Tensor): Tensor {
  const out = fn(t);
  if (out !== t) t.dispose();
  return out;
}

// ------------------------------------------------------------------ binary ops

type Operand = Tensor | number;

function checkBinary(op: string, a: Operand, b: Operand): void {
  if (typeof a === 'number' && typeof b === 'number') throw new TypeError(`${op}: at least one operand must be a Tensor`);
  if (typeof a !== 'number') {
    checkOperand(op, a, 'first operand');
    checkFloat(op, a);
  }
  if (typeof b !== 'number') {
    checkOperand(op, b, 'second operand');
    checkFloat(op, b);
  }
}

/** Gradient of a broadcast operand: the output gradient summed back to the operand's shape. */
function reduceTo(g: Tensor, shape: readonly number[]): Tensor {
  return sameShape(g.shape, shape) ? g : sumTo(g, shape);
}

function binaryOp(
  name: BinaryName, a: Tensor, b: Tensor, save: Tensor[], rule: (g: Tensor, saved: Tensor[], needs: boolean[]) => Array<Tensor | null>,
): Tensor {
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = binaryRaw(name, a, b, shape);
  return attach(name, [a, b], out, save, rule);
}

export function add(a: Operand, b: Operand): Tensor {
  checkBinary('add', a, b);
  if (typeof b === 'number') return scalarOp('add', a as Tensor, 'addScalar', b, (g) => g);
  if (typeof a === 'number') return add(b, a);
  return binaryOp('add', a, b, [], (g, _s, needs) => [needs[0] ? reduceTo(g, a.shape) : null, needs[1] ? reduceTo(g, b.shape) : null]);
}

/**
 * relu(a + b) in one kernel (internal: a residual block's sum and ReLU, as ResNet's BasicBlock ends). The
 * backward takes g through the ReLU from the saved output (y > 0 ⇔ a + b > 0, NaN included, as the unfused
 * pair) and then to both operands as add's does.
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  checkBinary('addRelu', a, b);
  const shape = broadcastShapes('addRelu', a.shape, b.shape);
  const out = binaryRaw('addRelu', a, b, shape);
  return attach('addRelu', [a, b], out, [out], (g, [y], needs) => {
    const gs = binaryRaw('reluGrad', g, y!, g.shape);
    const ga = needs[0] ? reduceTo(gs, a.shape) : null;
    const gb = needs[1] ? reduceTo(gs, b.shape) : null;
    if (ga !== gs && gb !== gs) gs.dispose();
    return [ga, gb];
  });
}

export function sub(a: Operand, b: Operand): Tensor {
  checkBinary('sub', a, b);
  if (typeof b === 'number') return scalarOp('sub', a as Tensor, 'addScalar', -b, (g) => g);
  if (typeof a === 'number') return scalarOp('sub', b, 'scalarSub', a, (g) => unaryRaw('neg', g));
  return binaryOp('sub', a, b, [], (g, _s, needs) => [
    needs[0] ? reduceTo(g, a.shape) : null,
    needs[1] ? withTemp(unaryRaw('neg', g), (ng) => reduceTo(ng, b.shape)) : null,
  ]);
}

/** Sums `t` down to `shape` and disposes `t` when a new tensor was made. */
function reduceToOwned(t: Tensor, shape: readonly number[]): Tensor {
  const r = reduceTo(t, shape);
  if (r !== t) t.dispose();
  return r;
}

export function mul(a: Operand, b: Operand): Tensor {
  checkBinary('mul', a, b);
  if (typeof b === 'number') return scalarOp('mul', a as Tensor, 'mulScalar', b, (g) => unaryRaw('mulScalar', g, b));
  if (typeof a === 'number') return mul(b, a);
  return binaryOp('mul', a, b, [a, b], (g, [a0, b0], needs) => [
    needs[0] ? reduceToOwned(binaryRaw('mul', g, b0!, g.shape), a.shape) : null,
    needs[1] ? reduceToOwned(binaryRaw('mul', g, a0!, g.shape), b.shape) : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  checkBinary('div', a, b);
  if (typeof b === 'number') return scalarOp('div', a as Tensor, 'mulScalar', 1 / b, (g) => unaryRaw('mulScalar', g, 1 / b));
  if (typeof a === 'number') {
    // d(s/x)/dx = −s/x²
    return scalarOp('div', b, 'scalarDiv', a, (g, x) =>
      withTemp(binaryRaw('mul', x, x, x.shape), (x2) => withTemp(unaryRaw('scalarDiv', x2, -a), (d) => binaryRaw('mul', g, d, g.shape))),
    );
  }
  return binaryOp('div', a, b, [a, b], (g, [a0, b0], needs) => [
    needs[0] ? reduceToOwned(binaryRaw('div', g, b0!, g.shape), a.shape) : null,
    needs[1]
      ? reduceToOwned(
          // −g·a/b²
          withTemp(binaryRaw('mul', g, a0!, g.shape), (ga) =>
            withTemp(binaryRaw('mul', b0!, b0!, b0!.shape), (b2) => withTemp(binaryRaw('div', ga, b2, g.shape), (q) => unaryRaw('neg', q)))),
          b.shape,
        )
      : null,
  ]);
}

export function pow(a: Operand, b: Operand): Tensor {
  checkBinary('pow', a, b);
  if (typeof b === 'number') {
    // d(x^s)/dx = s·x^(s−1)
    return scalarOp('pow', a as Tensor, 'powScalar', b, (g, x) =>
      withTemp(unaryRaw('powScalar', x, b - 1), (p) => withTemp(unaryRaw('mulScalar', p, b), (d) => binaryRaw('mul', g, d, g.shape))),
    );
  }
  if (typeof a === 'number') {
    // d(s^x)/dx = s^x·ln s
    return scalarOp('pow', b, 'scalarPow', a, (g, x) =>
      withTemp(unaryRaw('scalarPow', x, a), (p) => withTemp(unaryRaw('mulScalar', p, Math.log(a)), (d) => binaryRaw('mul', g, d, g.shape))),
    );
  }
  return binaryOp('pow', a, b, [a, b], (g, [a0, b0], needs) => {
    const shape = g.shape;
    const ga = needs[0]
      ? reduceToOwned(
          withTemp(unaryRaw('addScalar', b0!, -1), (bm1) =>
            withTemp(binaryRaw('pow', a0!, bm1, shape), (p) => withTemp(binaryRaw('mul', p, b0!, shape), (d) => binaryRaw('mul', g, d, shape)))),
          a.shape,
        )
      : null;
    const gb = needs[1]
      ? reduceToOwned(
          withTemp(binaryRaw('pow', a0!, b0!, shape), (p) =>
            withTemp(unaryRaw('log', a0!), (la) => withTemp(binaryRaw('mul', p, la, shape), (d) => binaryRaw('mul', g, d, shape)))),
          b.shape,
        )
      : null;
    return [ga, gb];
  });
}

/**
 * The backward rule of maximum / minimum, PyTorch's: the first operand's weight is ½ at ties, 0 where the
 * other side wins and 1 otherwise (so a NaN operand passes the whole gradient to both sides); the second's is
 * the same with the operands swapped. A number operand is a constant: it gets no gradient.
 */
function extremumRule(kind: 'maxWeight' | 'minWeight', a: Tensor, b: Tensor): BackwardRule {
  return (g, [a0, b0], needs) => {
    const side = (x: Tensor, y: Tensor, shape: readonly number[]): Tensor =>
      withTemp(compareRaw(kind, x, y, g.shape), (w) => reduceToOwned(binaryRaw('mul', g, w, g.shape), shape));
    return [needs[0] ? side(a0!, b0!, a.shape) : null, needs[1] ? side(b0!, a0!, b.shape) : null];
  };
}

/** A scalar operand of maximum / minimum as a 0-d tensor, for the backward rule. */
function scalarExtremum(op: 'maximum' | 'minimum', x: Tensor, s: number): Tensor {
  const code = op === 'maximum' ? 'maxScalar' : 'minScalar';
  const y = unaryRaw(code, x, s);
  return attach(op, [x], y, [x], (g, [x0]) => {
    const st = tensor([s], []);
    const out = withTemp(compareRaw(op === 'maximum' ? 'maxWeight' : 'minWeight', x0!, st, g.shape), (w) => binaryRaw('mul', g, w, g.shape));
    st.dispose();
    return [out];
  });
}

/** Elementwise maximum (NaN propagates, as torch.maximum). At ties the gradient is split evenly, as in PyTorch. */
export function maximum(a: Operand, b: Operand): Tensor {
  checkBinary('maximum', a, b);
  if (typeof b === 'number') return scalarExtremum('maximum', a as Tensor, b);
  if (typeof a === 'number') return maximum(b, a);
  return binaryOp('maximum', a, b, [a, b], extremumRule('maxWeight', a, b));
}

/** Elementwise minimum (NaN propagates, as torch.minimum). At ties the gradient is split evenly, as in PyTorch. */
export function minimum(a: Operand, b: Operand): Tensor {
  checkBinary('minimum', a, b);
  if (typeof b === 'number') return scalarExtremum('minimum', a as Tensor, b);
  if (typeof a === 'number') return minimum(b, a);
  return binaryOp('minimum', a, b, [a, b], extremumRule('minWeight', a, b));
}

/**
 * weight · x, but 0 wherever weight is 0, even where x is ±inf or NaN (a weighted sum of log-probabilities:
 * crossEntropy's one-hot weights keep a -inf logit of another class from turning the loss into NaN).
 */
export function mulOrZero(weight: Tensor, x: Tensor): Tensor {
  checkBinary('mulOrZero', weight, x);
  return binaryOp('mulOrZero', weight, x, [weight, x], (g, [w0, x0], needs) => [
    needs[0] ? reduceToOwned(binaryRaw('mul', g, x0!, g.shape), weight.shape) : null,
    needs[1] ? reduceToOwned(binaryRaw('mul', g, w0!, g.shape), x.shape) : null,
  ]);
}

function scalarOp(op: string, x: Tensor, code: UnaryName, alpha: number, rule: (g: Tensor, x: Tensor) => Tensor): Tensor {
  const y = unaryRaw(code, x, alpha);
  return attach(op, [x], y, [x], (g, [x0]) => [rule(g, x0!)]);
}

// ------------------------------------------------------------------ copies and casts (no grad)

/** A copy with its own memory (gradient flows through). */
export function clone(x: Tensor): Tensor {
  checkOperand('clone', x);
  const out = emptyTensor(x.shape, x.dtype);
  copyBuffer(x.storage.range(x.size * 4), out.storage.range(x.size * 4));
  return attach('clone', [x], out, [], (g) => [g]);
}

export function toFloat(x: Tensor): Tensor {
  checkOperand('float', x);
  if (x.dtype === 'float32') return clone(x);
  const out = emptyTensor(x.shape, 'float32');
  launch(castKernel, [x, out], { params: { n: x.size }, constants: { TO_FLOAT: 1 }, workgroups: grid(Math.ceil(x.size / 256)) });
  return out;
}

/** Truncates toward zero, like PyTorch's .int(). */
export function toInt(x: Tensor): Tensor {
  checkOperand('int', x);
  if (x.dtype === 'int32') return clone(x);
  const out = emptyTensor(x.shape, 'int32');
  launch(castKernel, [x, out], { params: { n: x.size }, constants: { TO_FLOAT: 0 }, workgroups: grid(Math.ceil(x.size / 256)) });
  return out;
}

// ------------------------------------------------------------------ in place (no autograd; for grads and optimizers)

/** dst += alpha · src, in place. */
export function addInto(dst: Tensor, src: Tensor, alpha = 1): void {
  checkOperand('addInto', dst, 'destination');
  checkOperand('addInto', src, 'source');
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError(`addInto: shapes differ: ${fmtShape(dst.shape)} += ${fmtShape(src.shape)}`);
  if (dst.dtype !== 'float32' || src.dtype !== 'float32') throw new DTypeError('addInto: float32 only');
  if (dst.storage.buffer === src.storage.buffer) throw new EngineError('addInto: source and destination share a GPU buffer');
  launch(accumulateKernel, [src, dst], { params: { n: dst.size, alpha }, workgroups: grid(Math.ceil(dst.size / 256)), label: 'accumulate' });
}

/** dst ← src, in place (one buffer copy). */
export function copyInto(dst: Tensor, src: Tensor): void {
  checkOperand('copyInto', dst, 'destination');
  checkOperand('copyInto', src, 'source');
  if (dst.size !== src.size || dst.dtype !== src.dtype) {
    throw new ShapeError(`copyInto: ${src.describe()} does not fit ${dst.describe()}`);
  }
  if (dst.storage.buffer === src.storage.buffer) throw new EngineError('copyInto: source and destination share a GPU buffer');
  copyBuffer(src.storage.range(src.size * 4), dst.storage.range(dst.size * 4));
}

