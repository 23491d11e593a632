// Comparisons with PyTorch broadcasting: eq, ne, lt, le, gt, ge. They take float32 or int32 operands (or a
// number on one side) and return int32 0/1: the engine has no bool dtype, so int32 stands in for torch.bool
// (`eq(argmax(logits, 1), labels).float().mean()` is an accuracy). Two int32 operands compare exactly as
// integers; with a float32 side the int32 side is converted to float32. NaN compares unequal to everything.
// Comparisons have no gradient. The same kernel gives maximum / minimum their backward weights.

import broadcastWgsl from '../../shaders/broadcast.wgsl?raw';
import compareWgsl from '../../shaders/compare.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { broadcastShapes } from '../shape.ts';
import { Tensor, checkOperand } from '../tensor.ts';
import { BROADCAST_PARAMS, broadcastLaunch } from './broadcast-params.ts';
import { tensor } from './creation.ts';

const compareKernel = defineKernel('compare', floatBitsWgsl + broadcastWgsl + compareWgsl, ['read', 'read', 'write'], BROADCAST_PARAMS);

/** Op codes of compare.wgsl. */
const C = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5, maxWeight: 6, minWeight: 7 } as const;
type CompareName = keyof typeof C;

/**
 * The raw launch (no checks, no autograd): int32 0/1 for a comparison, float32 for maxWeight / minWeight
 * (PyTorch's maximum / minimum backward weight of `a`: ½ at ties, 0 where the other side wins, else 1).
 */
export function compareRaw(name: CompareName, a: Tensor, b: Tensor, shape: readonly number[] = broadcastShapes(name, a.shape, b.shape)): Tensor {
  if (shape.length > 8) throw new ShapeError(`${name}: at most 8 dims are supported, got ${fmtShape(shape)}`);
  const out = emptyTensor(shape, name === 'maxWeight' || name === 'minWeight' ? 'float32' : 'int32', name);
  if (out.size === 0) return out;
  const { params, constants } = broadcastLaunch(a, b, shape, out.size);
  launch(compareKernel, [a, b, out], {
    params,
    constants: { OP: C[name], A_INT: a.dtype === 'int32' ? 1 : 0, B_INT: b.dtype === 'int32' ? 1 : 0, RANK: constants.RANK },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: name,
  });
  return out;
}

type Operand = Tensor | number;

/** A number operand as a 0-d tensor: int32 beside an int32 tensor when it is an integer, else float32. */
function scalarFor(op: string, v: number, other: Tensor): Tensor {
  if (typeof v !== 'number') throw new TypeError(`${op}: operands must be Tensors or numbers, got ${v === null ? 'null' : typeof v}`);
  const asInt = other.dtype === 'int32' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
  return tensor([v], [], { dtype: asInt ? 'int32' : 'float32' });
}

function compare(name: CompareName, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new TypeError(`${name}: at least one operand must be a Tensor`);
  if (typeof a !== 'number') checkOperand(name, a, 'first operand');
  if (typeof b !== 'number') checkOperand(name, b, 'second operand');
  const ta = typeof a === 'number' ? scalarFor(name, a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarFor(name, b, ta) : b;
  try {
    return compareRaw(name, ta, tb);
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

/** 1 where a == b (broadcast), else 0, as int32 (no bool dtype). float32 or int32 operands, or a number. */
export const eq = (a: Operand, b: Operand): Tensor => compare('eq', a, b);
/** 1 where a != b (NaN != anything), else 0, as int32. */
export const ne = (a: Operand, b: Operand): Tensor => compare('ne', a, b);
/** 1 where a < b, else 0, as int32. */
export const lt = (a: Operand, b: Operand): Tensor => compare('lt', a, b);
/** 1 where a <= b, else 0, as int32. */
export const le = (a: Operand, b: Operand): Tensor => compare('le', a, b);
/** 1 where a > b, else 0, as int32. */
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', a, b);
/** 1 where a >= b, else 0, as int32. */
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', a, b);
