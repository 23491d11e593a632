// The raw elementwise launches: unary.wgsl and binary.wgsl by op name, with no autograd. The differentiable
// ops (elementwise.ts) and the backward rules of other ops (reduce, softmax, matmul) are built on these; they
// live in their own module so that those ops can use them without importing elementwise.ts (no cycles).

import binaryWgsl from '../../shaders/binary.wgsl?raw';
import broadcastWgsl from '../../shaders/broadcast.wgsl?raw';
import erfWgsl from '../../shaders/erf.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import unaryWgsl from '../../shaders/unary.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import { sameShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { BROADCAST_PARAMS, broadcastParams } from './broadcast-params.ts';

const unaryKernel = defineKernel('unary', floatBitsWgsl + erfWgsl + unaryWgsl, ['read', 'write'], { n: 'u32', alpha: 'f32' });
const binaryKernel = defineKernel('binary', floatBitsWgsl + erfWgsl + broadcastWgsl + binaryWgsl, ['read', 'read', 'write'], BROADCAST_PARAMS);

/** Op codes of unary.wgsl (15–17 are retired: nothing used them). */
const U = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, relu: 5, sigmoid: 6, tanh: 7, gelu: 8,
  addScalar: 9, mulScalar: 10, powScalar: 11, scalarSub: 12, scalarDiv: 13, maxScalar: 14,
  scalarPow: 18, minScalar: 19, relu6: 20,
} as const;
export type UnaryName = keyof typeof U;

/** Op codes of binary.wgsl (7, gt, is retired: the comparisons are compare.wgsl's). */
const B = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, eq: 6, minimum: 8,
  reluGrad: 9, sigmoidGrad: 10, tanhGrad: 11, absGrad: 12, geluGrad: 13, mulOrZero: 14, relu6Grad: 15,
} as const;
export type BinaryName = keyof typeof B;

export function unaryRaw(name: UnaryName, x: Tensor, alpha = 0): Tensor {
  const out = emptyTensor(x.shape, 'float32', name);
  launch(unaryKernel, [x, out], {
    params: { n: x.size, alpha },
    constants: { OP: U[name] },
    workgroups: grid(Math.ceil(x.size / 256)),
    label: name,
  });
  return out;
}

export function binaryRaw(name: BinaryName, a: Tensor, b: Tensor, shape: readonly number[]): Tensor {
  if (shape.length > 8) throw new ShapeError(`${name}: at most 8 dims are supported, got ${fmtShape(shape)}`);
  const out = emptyTensor(shape, 'float32', name);
  const broadcast = !(sameShape(a.shape, shape) && sameShape(b.shape, shape));
  launch(binaryKernel, [a, b, out], {
    params: broadcastParams(a, b, shape, out.size),
    constants: { OP: B[name], BROADCAST: broadcast ? 1 : 0 },
    workgroups: grid(Math.ceil(out.size / 256)),
    label: name,
  });
  return out;
}
