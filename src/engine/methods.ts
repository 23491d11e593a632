// The one module with side effects: it installs the op methods on Tensor (`x.add(y)`, `x.T`, as PyTorch users
// write) and wires autograd to the few ops backward itself needs. package.json lists it under `sideEffects`,
// so a bundler keeps it whenever it is imported; everything else in src/ is free of side effects, so an app
// that never imports it (directly or through the public entry) bundles only the ops it calls.
//
// Why here and not in tensor.ts: the ops import Tensor, so Tensor importing the ops back would be an import
// cycle (tests/unit/import-graph.test.ts forbids them). A method is a one-line wrapper; the functional op
// holds its forward and backward rules. To add a method: one line in `methods` below (its type follows); a
// unary op becomes a method by its entry in elementwise.ts's `unaryMethods`.

import { registerGradOps } from './autograd.ts';
import { runBackward } from './backward.ts';
import { onesLike } from './ops/creation.ts';
import { sumTo } from './ops/reduce-kernels.ts';
import * as Cmp from './ops/compare.ts';
import * as E from './ops/elementwise.ts';
import * as G from './ops/gather.ts';
import * as IS from './ops/index-select.ts';
import * as M from './ops/matmul.ts';
import * as R from './ops/reduce.ts';
import * as S from './ops/shape-ops.ts';
import * as Sel from './ops/select.ts';
import * as St from './ops/stats.ts';
import * as X from './ops/softmax.ts';
import { Tensor } from './tensor.ts';

/** `x.reshape(2, 3)` and `x.reshape([2, 3])` alike. */
type Dims = number[] | [readonly number[]];
function flatArgs(args: Dims): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

/** x.exp(), x.relu(), …: one method per op in elementwise.ts's `unaryMethods` (a new unary op adds itself there). */
const unaryMethods = Object.fromEntries(
  Object.entries(E.unaryMethods).map(([name, op]) => [name, function (this: Tensor): Tensor { return op(this); }]),
) as { [K in keyof typeof E.unaryMethods]: (this: Tensor) => Tensor };

const methods = {
  add(this: Tensor, other: Tensor | number): Tensor { return E.add(this, other); },
  sub(this: Tensor, other: Tensor | number): Tensor { return E.sub(this, other); },
  mul(this: Tensor, other: Tensor | number): Tensor { return E.mul(this, other); },
  div(this: Tensor, other: Tensor | number): Tensor { return E.div(this, other); },
  pow(this: Tensor, exponent: Tensor | number): Tensor { return E.pow(this, exponent); },
  maximum(this: Tensor, other: Tensor | number): Tensor { return E.maximum(this, other); },
  minimum(this: Tensor, other: Tensor | number): Tensor { return E.minimum(this, other); },
  clamp(this: Tensor, min?: number | null, max?: number | null): Tensor { return Sel.clamp(this, min, max); },
  /** torch's x.where(cond, other): this where cond is nonzero, else other. */
  where(this: Tensor, cond: Tensor, other: Tensor | number): Tensor { return Sel.where(cond, this, other); },

  // Comparisons return int32 0/1 (there is no bool dtype).
  eq(this: Tensor, other: Tensor | number): Tensor { return Cmp.eq(this, other); },
  ne(this: Tensor, other: Tensor | number): Tensor { return Cmp.ne(this, other); },
  lt(this: Tensor, other: Tensor | number): Tensor { return Cmp.lt(this, other); },
  le(this: Tensor, other: Tensor | number): Tensor { return Cmp.le(this, other); },
  gt(this: Tensor, other: Tensor | number): Tensor { return Cmp.gt(this, other); },
  ge(this: Tensor, other: Tensor | number): Tensor { return Cmp.ge(this, other); },

  gather(this: Tensor, dim: number, index: Tensor): Tensor { return G.gather(this, dim, index); },
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor { return IS.indexSelect(this, dim, index); },
  ...unaryMethods,
  clone(this: Tensor): Tensor { return E.clone(this); },
  /** A float32 copy (`x.float()`, as in PyTorch). */
  float(this: Tensor): Tensor { return E.toFloat(this); },
  /** An int32 copy, truncating toward zero. */
  int(this: Tensor): Tensor { return E.toInt(this); },

  matmul(this: Tensor, other: Tensor): Tensor { return M.matmul(this, other); },

  reshape(this: Tensor, ...shape: Dims): Tensor { return S.reshape(this, flatArgs(shape)); },
  view(this: Tensor, ...shape: Dims): Tensor { return S.reshape(this, flatArgs(shape)); },
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return S.flatten(this, startDim, endDim); },
  squeeze(this: Tensor, dim?: number): Tensor { return S.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number): Tensor { return S.unsqueeze(this, dim); },
  permute(this: Tensor, ...dims: Dims): Tensor { return S.permute(this, flatArgs(dims)); },
  transpose(this: Tensor, dim0 = -2, dim1 = -1): Tensor { return S.transpose(this, dim0, dim1); },
  expand(this: Tensor, ...shape: Dims): Tensor { return S.expand(this, flatArgs(shape)); },
  slice(this: Tensor, dim: number, start: number, end?: number, step = 1): Tensor { return S.slice(this, dim, start, end, step); },

  sum(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return R.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return R.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: number, keepdim = false): Tensor { return R.max(this, dim, keepdim); },
  min(this: Tensor, dim?: number, keepdim = false): Tensor { return R.min(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor { return R.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor { return R.argmin(this, dim, keepdim); },
  maxWithIndices(this: Tensor, dim: number, keepdim = false): R.ValuesAndIndices { return R.maxWithIndices(this, dim, keepdim); },
  minWithIndices(this: Tensor, dim: number, keepdim = false): R.ValuesAndIndices { return R.minWithIndices(this, dim, keepdim); },
  var(this: Tensor, dim?: number | readonly number[], options?: St.VarianceOptions): Tensor { return St.variance(this, dim, options); },
  std(this: Tensor, dim?: number | readonly number[], options?: St.VarianceOptions): Tensor { return St.std(this, dim, options); },

  softmax(this: Tensor, dim = -1): Tensor { return X.softmax(this, dim); },
  logSoftmax(this: Tensor, dim = -1): Tensor { return X.logSoftmax(this, dim); },
};

type Methods = typeof methods;
/** The method half of Tensor's type, derived from the table above so the two cannot drift. */
export type TensorMethods = { [K in keyof Methods]: OmitThisParameter<Methods[K]> };

declare module './tensor.ts' {
  // Declaration merging adds the installed methods to the class's type.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
  interface Tensor extends TensorMethods {
    /** The last two dims swapped (`x.transpose(-2, -1)`). */
    readonly T: Tensor;
  }
}

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor): Tensor { return S.transpose(this, -2, -1); },
  configurable: true,
});

registerGradOps(
  { onesLike, add: (a, b) => E.add(a, b), addInto: (d, s) => E.addInto(d, s), copyInto: (d, s) => E.copyInto(d, s), copyOf: E.clone, sumTo },
  runBackward,
);
