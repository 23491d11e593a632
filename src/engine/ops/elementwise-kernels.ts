// The raw elementwise launches: unary.wgsl and the binary kernels (binary_ops.wgsl's ops, run by binary_vec4.wgsl
// on whole vec4 words where they fit, else by binary.wgsl) by op name, with no autograd. The differentiable
// ops (elementwise.ts) and the backward rules of other ops (reduce, softmax, matmul) are built on these; they
// live in their own module so that those ops can use them without importing elementwise.ts (no cycles).

import binaryWgsl from '../../shaders/binary.wgsl?raw';
import binaryOpsWgsl from '../../shaders/binary_ops.wgsl?raw';
import binaryVec4Wgsl from '../../shaders/binary_vec4.wgsl?raw';
import broadcastWgsl from '../../shaders/broadcast.wgsl?raw';
import erfWgsl from '../../shaders/erf.wgsl?raw';
import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import powWgsl from '../../shaders/pow.wgsl?raw';
import unaryWgsl from '../../shaders/unary.wgsl?raw';
import unaryOpsWgsl from '../../shaders/unary_ops.wgsl?raw';
import unaryVec4Wgsl from '../../shaders/unary_vec4.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError, ShapeError, fmtShape } from '../errors.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import type { Tensor } from '../tensor.ts';
import { BROADCAST_PARAMS, broadcastLaunch } from './broadcast-params.ts';

const unaryKernel = defineKernel('unary', floatBitsWgsl + powWgsl + erfWgsl + unaryOpsWgsl + unaryWgsl, ['read', 'write'], { n: 'u32', alpha: 'f32' });
const unaryVec4Kernel = defineKernel('unary_vec4', floatBitsWgsl + powWgsl + erfWgsl + unaryOpsWgsl + unaryVec4Wgsl, ['read', 'write'], {
  n: 'u32', alpha: 'f32',
});
const binaryKernel = defineKernel(
  'binary',
  floatBitsWgsl + powWgsl + erfWgsl + broadcastWgsl + binaryOpsWgsl + binaryWgsl,
  ['read', 'read', 'write'],
  BROADCAST_PARAMS,
);
const binaryVec4Kernel = defineKernel(
  'binary_vec4',
  floatBitsWgsl + powWgsl + erfWgsl + broadcastWgsl + binaryOpsWgsl + binaryVec4Wgsl,
  ['read', 'read', 'write'],
  BROADCAST_PARAMS,
);

/**
 * The op codes a kernel declares, `const OP_<NAME>: u32 = <code>u;`, by camelCase name (OP_MUL_SCALAR →
 * mulScalar): an elementwise op is declared once, in its WGSL, and launched by name. tests/unit/op-codes.test.ts
 * checks that every declared op is used and every name passed here is declared.
 */
export function opCodes(wgsl: string): ReadonlyMap<string, number> {
  const codes = new Map<string, number>();
  // Spaces and line breaks optional: the npm package ships WGSL stripped of them (scripts/strip-wgsl.mjs),
  // one declaration after another on a line.
  for (const m of wgsl.matchAll(/(?<=^|[;}])\s*const\s+OP_([A-Z0-9_]+)\s*:\s*u32\s*=\s*(\d+)u\s*;/gm)) {
    codes.set(m[1]!.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), Number(m[2]));
  }
  return codes;
}

const U = opCodes(unaryOpsWgsl);
const B = opCodes(binaryOpsWgsl);

/** An op of unary_ops.wgsl: 'exp', 'mulScalar', … (its `OP_` constants). */
export type UnaryName = string;
/** An op of binary_ops.wgsl: 'add', 'reluGrad', … (its `OP_` constants). */
export type BinaryName = string;

function opCode(kernel: string, codes: ReadonlyMap<string, number>, name: string): number {
  const code = codes.get(name);
  if (code === undefined) throw new EngineError(`${kernel}: no op ${JSON.stringify(name)}; it declares ${[...codes.keys()].join(', ')}`);
  return code;
}

/** One unary launch: op code `op` of unary_ops.wgsl over x into out (same size). */
export interface UnaryProblem { x: Tensor; out: Tensor; op: number; alpha: number; label: string }
type UnarySizes = { x: { size: number } };

function unaryV1({ x, out, op, alpha, label }: UnaryProblem): void {
  const perThread = x.size % 4 === 0 ? 4 : 1;
  launch(unaryKernel, [x, out], {
    params: { n: x.size, alpha },
    constants: { OP: op, PER_THREAD: perThread },
    workgroups: grid(Math.ceil(x.size / perThread / 256)),
    label,
  });
}

function unaryV2({ x, out, op, alpha, label }: UnaryProblem): void {
  const words = x.size / 4;
  launch(unaryVec4Kernel, [x, out], { params: { n: words, alpha }, constants: { OP: op }, workgroups: grid(Math.ceil(words / 256)), label });
}

/**
 * The unary ops in the kernel registry: v1 (unary.wgsl, 4 floats per thread when n allows) on the GPU rules, v2
 * (unary_vec4.wgsl, a vec4 word per thread) on the CPU rules when n is a multiple of 4.
 */
export const unaryVersions = defineKernelVersions<UnaryProblem, void, 'v1' | 'v2', Record<never, never>, UnarySizes>('unary', {
  versions: {
    v1: {
      summary: 'unary: PER_THREAD floats per thread',
      run: unaryV1,
      plan: ({ x }) => ({ workgroups: Math.ceil(x.size / (x.size % 4 === 0 ? 4 : 1) / 256), loop: 1 }),
    },
    v2: {
      summary: 'unary_vec4: a vec4 word per thread',
      rejects: ({ x }) => (x.size % 4 === 0 ? null : `needs a multiple of 4 elements, got ${x.size}`),
      run: unaryV2,
      plan: ({ x }) => ({ workgroups: Math.ceil(x.size / 4 / 256), loop: 1 }),
    },
  },
  default: 'v1',
  auto: ({ x }, rules) => (rules === 'cpu' && x.size % 4 === 0 ? 'v2' : 'v1'),
});

export function unaryRaw(name: UnaryName, x: Tensor, alpha = 0): Tensor {
  const op = opCode('unary_ops.wgsl', U, name);
  const out = emptyTensor(x.shape, 'float32', name);
  try {
    unaryVersions.run({ x, out, op, alpha, label: name });
  } catch (e) {
    out.dispose(); // a forced version that refuses x throws before any GPU work
    throw e;
  }
  return out;
}

export function binaryRaw(name: BinaryName, a: Tensor, b: Tensor, shape: readonly number[]): Tensor {
  if (shape.length > 8) throw new ShapeError(`${name}: at most 8 dims are supported, got ${fmtShape(shape)}`);
  const op = opCode('binary_ops.wgsl', B, name);
  const out = emptyTensor(shape, 'float32', name);
  const { params, constants, perThread } = broadcastLaunch(a, b, shape, out.size);
  // Whole vec4 words: 4 outputs of one innermost row per thread, and both operands bindable as words.
  if (perThread === 4 && a.size % 4 === 0 && b.size % 4 === 0) {
    // A broadcast of up to 3 coalesced dims runs on a grid shaped like the output (no index division).
    const dims = params.shape as number[];
    const rows = dims.length >= 2 ? dims[dims.length - 2]! : 1;
    const outer = dims.length === 3 ? dims[0]! : 1;
    const rowGroups = Math.ceil((dims[dims.length - 1] ?? 1) / 4 / 256);
    const gridded = constants.BROADCAST === 1 && dims.length <= 3 && Math.max(rowGroups, rows, outer) <= MAX_WORKGROUPS_PER_DIM;
    launch(binaryVec4Kernel, [a, b, out], {
      params,
      constants: { OP: op, ...constants, GRID: gridded ? 1 : 0 },
      workgroups: gridded ? [rowGroups, rows, outer] : grid(Math.ceil(out.size / 4 / 256)),
      label: name,
    });
    return out;
  }
  launch(binaryKernel, [a, b, out], {
    params,
    constants: { OP: op, ...constants, PER_THREAD: perThread },
    workgroups: grid(Math.ceil(out.size / perThread / 256)),
    label: name,
  });
  return out;
}
