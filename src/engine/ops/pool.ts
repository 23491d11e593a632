// 2-D pooling with PyTorch semantics on NCHW tensors: maxPool2d (stride defaults to the kernel size, padding
// never wins, dilation), avgPool2d (countIncludePad, default true as in PyTorch), and adaptiveAvgPool2d to
// any output size (PyTorch's bins; 1×1, global average pooling, has its own kernels). No ceil mode.
// Backward passes are gathers (each input pixel reads the windows that cover it), so no kernel scatters or
// needs atomics; max pooling routes through the argmax indices its forward saved, and skips writing them when
// no gradient will be needed.

import floatBitsWgsl from '../../shaders/float_bits.wgsl?raw';
import globalAvgBackwardWgsl from '../../shaders/pool_global_avg_backward.wgsl?raw';
import globalAvgWgsl from '../../shaders/pool_global_avg.wgsl?raw';
import adaptiveAvgWgsl from '../../shaders/pool_adaptive_avg.wgsl?raw';
import avgBackwardWgsl from '../../shaders/pool_avg_backward.wgsl?raw';
import avgWgsl from '../../shaders/pool_avg.wgsl?raw';
import maxBackwardWgsl from '../../shaders/pool_max_backward.wgsl?raw';
import maxBackwardRowWgsl from '../../shaders/pool_max_backward_row.wgsl?raw';
import maxWgsl from '../../shaders/pool_max.wgsl?raw';
import maxFixedWgsl from '../../shaders/pool_max_fixed.wgsl?raw';
import maxVec4Wgsl from '../../shaders/pool_max_vec4.wgsl?raw';
import maxRowWgsl from '../../shaders/pool_max_row.wgsl?raw';
import { defineKernel, grid, type ParamsFields, type ParamsValues } from '../../shaders/kernel.ts';
import { attach, needsGrad } from '../autograd.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { adaptiveOutputSize, poolGeometry, type AdaptiveSize, type IntPair, type PoolGeometry } from './conv-geometry.ts';

/** The `struct Params` of the windowed pooling kernels (planes = N·C). */
const POOL_PARAMS = {
  planes: 'u32', H: 'u32', W: 'u32', OH: 'u32', OW: 'u32',
  kH: 'u32', kW: 'u32', sH: 'u32', sW: 'u32', pH: 'u32', pW: 'u32', dH: 'u32', dW: 'u32',
} as const satisfies ParamsFields;

const maxKernel = defineKernel('pool_max', floatBitsWgsl + maxWgsl, ['read', 'write', 'write'], POOL_PARAMS);
const maxFixedKernel = defineKernel('pool_max_fixed', floatBitsWgsl + maxFixedWgsl, ['read', 'write', 'write'], null);
const maxVec4Kernel = defineKernel('pool_max_vec4', floatBitsWgsl + maxVec4Wgsl, ['read', 'write', 'write'], null);
const maxRowKernel = defineKernel('pool_max_row', floatBitsWgsl + maxRowWgsl, ['read', 'write', 'write'], null);
const maxBackwardKernel = defineKernel('pool_max_backward', maxBackwardWgsl, ['read', 'read', 'write'], POOL_PARAMS);
const maxBackwardRowKernel = defineKernel('pool_max_backward_row', maxBackwardRowWgsl, ['read', 'read', 'write'], null);
const avgKernel = defineKernel('pool_avg', avgWgsl, ['read', 'write'], POOL_PARAMS);
const avgBackwardKernel = defineKernel('pool_avg_backward', avgBackwardWgsl, ['read', 'write'], POOL_PARAMS);
const globalAvgKernel = defineKernel('pool_global_avg', globalAvgWgsl, ['read', 'write'], { planes: 'u32', plane: 'u32', inv: 'f32' });
const globalAvgBackwardKernel = defineKernel('pool_global_avg_backward', globalAvgBackwardWgsl, ['read', 'write'], { size: 'u32', plane: 'u32', inv: 'f32' });
const adaptiveAvgKernel = defineKernel('pool_adaptive_avg', adaptiveAvgWgsl, ['read', 'write'], { n: 'u32', h: 'u32', w: 'u32', oh: 'u32', ow: 'u32' });

function poolParams(d: PoolGeometry): ParamsValues<typeof POOL_PARAMS> {
  const { H, W, OH, OW, kH, kW, sH, sW, pH, pW, dH, dW } = d;
  return { planes: d.N * d.C, H, W, OH, OW, kH, kW, sH, sW, pH, pW, dH, dW };
}

/**
 * From this plane size up, global average pooling gives each plane a workgroup (else a thread). The CPU rules
 * keep a thread per plane while the planes fill two workgroups: a workgroup's barrier tree costs more there
 * than a serial sum ([4,32,16,16]: 11.3 ms a workgroup per plane, 3.3 ms a thread per plane on [4,32,15,17];
 * bench/probe expr, read back, SwiftShader, load ~10).
 */
const GLOBAL_AVG_WORKGROUP_PLANE = 256;
const workgroupPerPlane = (planes: number, plane: number, rules: RulesProfile): boolean =>
  plane >= GLOBAL_AVG_WORKGROUP_PLANE && !(rules === 'cpu' && planes >= 128);

interface AdaptiveForwardProblem { x: Tensor; out: Tensor; planes: number; H: number; W: number; OH: number; OW: number }
interface AdaptiveBackwardProblem { g: Tensor; dx: Tensor; planes: number; H: number; W: number; OH: number; OW: number }

// Launch plans (runtime/rules.ts): one thread per output (or input pixel) in 64-thread workgroups, walking
// its window; global average pooling a workgroup per plane from GLOBAL_AVG_WORKGROUP_PLANE elements.
const windowPlan = ({ d }: { d: PoolGeometry }): LaunchPlan => ({ workgroups: Math.ceil((d.N * d.C * d.OH * d.OW) / 64), loop: d.kH * d.kW });
const gatherPlan = ({ d }: { d: PoolGeometry }): LaunchPlan => ({
  workgroups: Math.ceil((d.N * d.C * d.H * d.W) / 64),
  loop: Math.ceil((d.kH * d.dH) / d.sH) * Math.ceil((d.kW * d.dW) / d.sW),
});
type AdaptiveSizes = { planes: number; H: number; W: number; OH: number; OW: number };
const binPlan = ({ planes, H, W, OH, OW }: AdaptiveSizes, backward: boolean): LaunchPlan => ({
  workgroups: Math.ceil((planes * (backward ? H * W : OH * OW)) / 64),
  loop: Math.ceil(H / OH + 1) * Math.ceil(W / OW + 1),
});
const globalPlan = ({ planes, H, W }: AdaptiveSizes, rules: RulesProfile): LaunchPlan =>
  workgroupPerPlane(planes, H * W, rules) ? { workgroups: planes, loop: Math.ceil((H * W) / 64) } : { workgroups: Math.ceil(planes / 64), loop: H * W };
const onlyGlobal = ({ OH, OW }: { OH: number; OW: number }): string | null => (OH === 1 && OW === 1 ? null : `needs output size 1×1, got ${OH}×${OW}`);

// ------------------------------------------------------------------ versions

interface MaxForwardProblem { x: Tensor; out: Tensor; idx: Tensor; d: PoolGeometry; withIndex: boolean; relu: boolean }
/** What the max forward's rules read (the kernel-rules tests pass `d` alone: inference, no relu). */
type MaxForwardSizes = { d: PoolGeometry; withIndex?: boolean; relu?: boolean };

/** v3's row geometry: the words left of column 0 for the first group, the first tap's column in them, words per row. */
function vec4Row(d: PoolGeometry): { wskip: number; off: number; words: number } {
  const wskip = Math.ceil(d.pW / 4);
  const off = 4 * wskip - d.pW;
  return { wskip, off, words: Math.ceil((off + 3 * d.sW + (d.kW - 1) * d.dW + 1) / 4) };
}

/** Whether some window of one axis has no in-input tap (n inputs, o outputs). */
function emptyWindow(n: number, o: number, k: number, s: number, p: number, dil: number): boolean {
  for (let i = 0; i < o; i++) {
    let hit = false;
    for (let t = 0; t < k && !hit; t++) hit = i * s - p + t * dil >= 0 && i * s - p + t * dil < n;
    if (!hit) return true;
  }
  return false;
}

/** The row span (columns) of four adjacent outputs' windows. */
const rowSpan = (d: PoolGeometry): number => 3 * d.sW + (d.kW - 1) * d.dW + 1;

/** Why v4 (scalar row spans) cannot take the problem; v3 also needs rows of whole vec4 words. */
function rowRejects({ d, withIndex = false, relu = false }: MaxForwardSizes, vec4: boolean): string | null {
  const why =
    vec4 && d.W % 4 !== 0 ? `reads rows as vec4 words: needs an input width that is a multiple of 4, got ${d.W}`
    : d.kW > 3 ? `writes out at most 3 taps per row: needs a kernel width ≤ 3, got ${d.kW}`
    : (vec4 ? vec4Row(d).words > 4 : rowSpan(d) > 16) ? `reads at most 16 columns per row: stride ${d.sW}, dilation ${d.dW} and kernel ${d.kW} span more`
    : relu && !withIndex && (emptyWindow(d.H, d.OH, d.kH, d.sH, d.pH, d.dH) || emptyWindow(d.W, d.OW, d.kW, d.sW, d.pW, d.dW))
      ? 'under relu needs every window to hold an input tap'
      : null;
  return why === null ? null : `${why} (input ${fmtShape([d.N, d.C, d.H, d.W])}, kernel [${d.kH},${d.kW}])`;
}
const vec4Rejects = (p: MaxForwardSizes): string | null => rowRejects(p, true);

const rowsPlan = ({ d }: MaxForwardSizes): LaunchPlan => ({ workgroups: Math.ceil((d.N * d.C * d.OH * Math.ceil(d.OW / 4)) / 64), loop: 4 * d.kH * d.kW });

/** v3 (vec4 row words) or v4 (scalar row spans). */
function maxForwardRows({ x, out, idx, d, withIndex, relu }: MaxForwardProblem, vec4: boolean): void {
  const groups = d.N * d.C * d.OH * Math.ceil(d.OW / 4);
  const common = {
    WITH_INDEX: withIndex ? 1 : 0, RELU: relu ? 1 : 0, PLANES: d.N * d.C, H: d.H, OH: d.OH, OW: d.OW, OWQ: Math.ceil(d.OW / 4),
    KH: d.kH, KW: d.kW, SH: d.sH, SW: d.sW, PH: d.pH, PW: d.pW, DH: d.dH, DW: d.dW,
  };
  const label = relu ? 'reluMaxPool2d.forward' : 'maxPool2d.forward';
  if (!vec4) {
    launch(maxRowKernel, [x, out, idx], { constants: { ...common, W: d.W, SPAN: rowSpan(d) }, workgroups: grid(Math.ceil(groups / 64)), label });
    return;
  }
  const { wskip, off, words } = vec4Row(d);
  launch(maxVec4Kernel, [x, out, idx], {
    constants: { ...common, W4: d.W / 4, WSKIP: wskip, OFF: off, WORDS: words },
    workgroups: grid(Math.ceil(groups / 64)),
    label,
  });
}

// Pooling is memory-bound and each pass has one direct kernel so far; a faster one registers beside it.

/** The pooling passes in the kernel registry (kernelVersions.force('maxPool2d', 'v1') etc.). */
export const pool2dVersions = {
  maxForward: defineKernelVersions('maxPool2d.forward', {
    versions: {
      v1: {
        summary: 'pool_max: one thread per output, writes the argmax',
        plan: (p: MaxForwardSizes) => windowPlan(p),
        run: ({ x, out, idx, d, withIndex, relu }: { x: Tensor; out: Tensor; idx: Tensor; d: PoolGeometry; withIndex: boolean; relu: boolean }) =>
          launch(maxKernel, [x, out, idx], {
            params: poolParams(d),
            constants: { WITH_INDEX: withIndex ? 1 : 0, RELU: relu ? 1 : 0 },
            workgroups: grid(Math.ceil(out.size / 64)),
            label: relu ? 'reluMaxPool2d.forward' : 'maxPool2d.forward',
          }),
      },
      v2: {
        summary: 'pool_max_fixed: v1 with the sizes as override constants',
        plan: (p: MaxForwardSizes) => windowPlan(p),
        run: ({ x, out, idx, d, withIndex, relu }: { x: Tensor; out: Tensor; idx: Tensor; d: PoolGeometry; withIndex: boolean; relu: boolean }) =>
          launch(maxFixedKernel, [x, out, idx], {
            constants: {
              WITH_INDEX: withIndex ? 1 : 0, RELU: relu ? 1 : 0, PLANES: d.N * d.C, H: d.H, W: d.W, OH: d.OH, OW: d.OW,
              KH: d.kH, KW: d.kW, SH: d.sH, SW: d.sW, PH: d.pH, PW: d.pW, DH: d.dH, DW: d.dW,
            },
            workgroups: grid(Math.ceil(out.size / 64)),
            label: relu ? 'reluMaxPool2d.forward' : 'maxPool2d.forward',
          }),
      },
      v3: {
        summary: 'pool_max_vec4: 4 outputs per thread from vec4 row words',
        plan: rowsPlan,
        rejects: vec4Rejects,
        run: (p: MaxForwardProblem) => maxForwardRows(p, true),
      },
      v4: {
        summary: 'pool_max_row: v3 for any width, the row span read as scalars',
        plan: rowsPlan,
        rejects: (p: MaxForwardSizes) => rowRejects(p, false),
        run: (p: MaxForwardProblem) => maxForwardRows(p, false),
      },
    },
    default: 'v1',
    // CPU adapters (per-shape pipelines; a GPU keeps v1's one pipeline for every shape): v3 where it takes the
    // problem (W % 4 = 0, kernel width ≤ 3), else v4 (any width), else v2. GPU timestamps, SwiftShader, load 5
    // (bench --full --versions; the MNIST rows were local rows of bench/cases/pool.ts), v2 → v3 / v4 ms: the stem
    // [1,64,112,112] 24.0 → 6.64 / 6.92, N16 434 → 141 / 160; relu pools 2×2 [16,32,28,28] 7.51 → 2.41 / 2.74,
    // [16,64,14,14] 3.64 → – / 1.30, [64,32,7,7] 1.34 → – / 0.56; with the argmax [64,32,28,28] 38.2 → 12.7 / 13.3,
    // [64,64,14,14] 18.8 → – / 7.00.
    auto: (p: MaxForwardSizes, rules: RulesProfile) =>
      rules === 'gpu' ? 'v1' : vec4Rejects(p) === null ? 'v3' : rowRejects(p, false) === null ? 'v4' : 'v2',
  }),
  maxBackward: defineKernelVersions('maxPool2d.backward', {
    versions: {
      v1: {
        summary: 'pool_max_backward: one thread per input, gather through the argmax',
        plan: gatherPlan,
        run: ({ g, indices, dx, d }: { g: Tensor; indices: Tensor; dx: Tensor; d: PoolGeometry }) =>
          launch(maxBackwardKernel, [g, indices, dx], { params: poolParams(d), workgroups: grid(Math.ceil(dx.size / 64)), label: 'maxPool2d.backward' }),
      },
      v2: {
        summary: 'pool_max_backward_row: 4 inputs per thread, override sizes, one read per window',
        plan: ({ d }: { d: PoolGeometry }) => ({
          workgroups: Math.ceil((d.N * d.C * d.H * Math.ceil(d.W / 4)) / 64),
          loop: Math.ceil((d.kH * d.dH) / d.sH) * (Math.ceil((d.kW * d.dW) / d.sW) + Math.ceil(3 / d.sW)),
        }),
        run: ({ g, indices, dx, d }: { g: Tensor; indices: Tensor; dx: Tensor; d: PoolGeometry }) =>
          launch(maxBackwardRowKernel, [g, indices, dx], {
            constants: {
              PLANES: d.N * d.C, H: d.H, W: d.W, WQ: Math.ceil(d.W / 4), OH: d.OH, OW: d.OW,
              KH: d.kH, KW: d.kW, SH: d.sH, SW: d.sW, PH: d.pH, PW: d.pW, DH: d.dH, DW: d.dW,
            },
            workgroups: grid(Math.ceil((d.N * d.C * d.H * Math.ceil(d.W / 4)) / 64)),
            label: 'maxPool2d.backward',
          }),
      },
    },
    default: 'v1',
    // v2 on CPU adapters (per-shape pipelines), v1 on a GPU. Wall time with a sync, 15 medians of 3 (a local probe,
    // SwiftShader, load ~5), the MNIST CNN's pools at batch 64: [64,32,28,28] 2×2 v1 124 / 115 → v2 31.0 ms,
    // [64,64,14,14] 60.0 / 58.5 → 16.6 ms; the ResNet stem's 3×3/2 p1 (overlapping windows) [4,64,112,112], 7 medians
    // of 1, v1 326 / 397 → v2 102 / 100 ms.
    auto: (_p: unknown, rules: RulesProfile) => (rules === 'cpu' ? 'v2' : 'v1'),
  }),
  avgForward: defineKernelVersions('avgPool2d.forward', {
    versions: {
      v1: {
        summary: 'pool_avg: one thread per output',
        plan: windowPlan,
        run: ({ x, out, d, includePad }: { x: Tensor; out: Tensor; d: PoolGeometry; includePad: boolean }) =>
          launch(avgKernel, [x, out], {
            params: poolParams(d),
            constants: { COUNT_INCLUDE_PAD: includePad ? 1 : 0 },
            workgroups: grid(Math.ceil(out.size / 64)),
            label: 'avgPool2d.forward',
          }),
      },
    },
    default: 'v1',
  }),
  avgBackward: defineKernelVersions('avgPool2d.backward', {
    versions: {
      v1: {
        summary: 'pool_avg_backward: one thread per input, gather over covering windows',
        plan: gatherPlan,
        run: ({ g, dx, d, includePad }: { g: Tensor; dx: Tensor; d: PoolGeometry; includePad: boolean }) =>
          launch(avgBackwardKernel, [g, dx], {
            params: poolParams(d),
            constants: { COUNT_INCLUDE_PAD: includePad ? 1 : 0 },
            workgroups: grid(Math.ceil(dx.size / 64)),
            label: 'avgPool2d.backward',
          }),
      },
    },
    default: 'v1',
  }),
  adaptiveAvgForward: defineKernelVersions('adaptiveAvgPool2d.forward', {
    versions: {
      v1: {
        summary: 'pool_adaptive_avg: one thread per output, the mean over its bin (any output size)',
        plan: (p: AdaptiveSizes) => binPlan(p, false),
        run: ({ x, out, H, W, OH, OW }: AdaptiveForwardProblem) =>
          launch(adaptiveAvgKernel, [x, out], {
            params: { n: out.size, h: H, w: W, oh: OH, ow: OW },
            constants: { BACKWARD: 0 },
            workgroups: grid(Math.ceil(out.size / 64)),
            label: 'adaptiveAvgPool2d.forward',
          }),
      },
      v2: {
        summary: 'pool_global_avg: output 1×1; a thread per plane below 256 elements, else a workgroup per plane',
        plan: globalPlan,
        rejects: onlyGlobal,
        run: ({ x, out, H, W }: AdaptiveForwardProblem) => {
          const perPlane = workgroupPerPlane(out.size, H * W, currentRules());
          launch(globalAvgKernel, [x, out], {
            params: { planes: out.size, plane: H * W, inv: 1 / (H * W) },
            constants: { WG_PER_PLANE: perPlane ? 1 : 0 },
            workgroups: grid(perPlane ? out.size : Math.ceil(out.size / 64)),
            label: 'adaptiveAvgPool2d.forward',
          });
        },
      },
    },
    default: 'v1',
    auto: ({ OH, OW }) => (OH === 1 && OW === 1 ? 'v2' : 'v1'),
  }),
  adaptiveAvgBackward: defineKernelVersions('adaptiveAvgPool2d.backward', {
    versions: {
      v1: {
        summary: 'pool_adaptive_avg: one thread per input, gather over the bins that hold it',
        plan: (p: AdaptiveSizes) => binPlan(p, true),
        run: ({ g, dx, H, W, OH, OW }: AdaptiveBackwardProblem) =>
          launch(adaptiveAvgKernel, [g, dx], {
            params: { n: dx.size, h: H, w: W, oh: OH, ow: OW },
            constants: { BACKWARD: 1 },
            workgroups: grid(Math.ceil(dx.size / 64)),
            label: 'adaptiveAvgPool2d.backward',
          }),
      },
      v2: {
        summary: 'pool_global_avg_backward: output 1×1; one thread per input',
        plan: (p: AdaptiveSizes) => ({ workgroups: Math.ceil((p.planes * p.H * p.W) / 64), loop: 1 }),
        rejects: onlyGlobal,
        run: ({ g, dx, H, W }: AdaptiveBackwardProblem) =>
          launch(globalAvgBackwardKernel, [g, dx], {
            params: { size: dx.size, plane: H * W, inv: 1 / (H * W) },
            workgroups: grid(Math.ceil(dx.size / 64)),
            label: 'adaptiveAvgPool2d.backward',
          }),
      },
    },
    default: 'v1',
    auto: ({ OH, OW }) => (OH === 1 && OW === 1 ? 'v2' : 'v1'),
  }),
};


export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: IntPair;
  padding?: IntPair;
  dilation?: IntPair;
}

/** Max over sliding windows of x [N,C,H,W] → [N,C,OH,OW]; the gradient goes to the first maximum of each window. */
export function maxPool2d(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): Tensor {
  return maxPoolOp('maxPool2d', x, kernelSize, options, false);
}

/**
 * maxPool2d(relu(x)) in one dispatch forward and one backward (no relu tensor, no relu gradient pass): the same
 * values, gradients and NaN behaviour (pool_max.wgsl, RELU). nn.Sequential uses it for a ReLU followed by a
 * MaxPool2d.
 */
export function reluMaxPool2d(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): Tensor {
  return maxPoolOp('reluMaxPool2d', x, kernelSize, options, true);
}

function maxPoolOp(op: string, x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions, relu: boolean): Tensor {
  const d = poolGeometry(op, x, kernelSize, options);
  const withIndex = needsGrad([x]);
  const out = emptyTensor([d.N, d.C, d.OH, d.OW]);
  const idx = emptyTensor(withIndex ? out.shape : [1], 'int32');
  try {
    if (out.size > 0) pool2dVersions.maxForward.run({ x, out, idx, d, withIndex, relu });
  } catch (e) {
    // A forced version that refuses the problem throws before any GPU work: nothing is left behind.
    out.dispose();
    idx.dispose();
    throw e;
  }
  const result = attach(op, [x], out, withIndex ? [idx] : [], (g, [indices]) => {
    const dx = emptyTensor([d.N, d.C, d.H, d.W]);
    if (dx.size > 0) pool2dVersions.maxBackward.run({ g, indices: indices!, dx, d });
    return [dx];
  });
  idx.dispose();
  return result;
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: IntPair;
  padding?: IntPair;
  /** Whether zero padding counts in the divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
}

/** Mean over sliding windows of x [N,C,H,W] → [N,C,OH,OW]. */
export function avgPool2d(x: Tensor, kernelSize: IntPair, options: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  const d = poolGeometry(op, x, kernelSize, { stride: options.stride, padding: options.padding });
  const includePad = options.countIncludePad ?? true;
  const out = emptyTensor([d.N, d.C, d.OH, d.OW]);
  if (out.size > 0) pool2dVersions.avgForward.run({ x, out, d, includePad });
  return attach(op, [x], out, [], (g) => {
    const dx = emptyTensor([d.N, d.C, d.H, d.W]);
    if (dx.size > 0) pool2dVersions.avgBackward.run({ g, dx, d, includePad });
    return [dx];
  });
}

/**
 * Adaptive average pooling (torch's adaptive_avg_pool2d): x [N,C,H,W] → [N,C,OH,OW] for any output size,
 * each output the mean over PyTorch's bin, rows floor(i·H/OH) ≤ h < ceil((i+1)·H/OH) (columns alike).
 * Output 1×1 (global average pooling) runs its own kernels (v2, the auto rule's pick for that size).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkOperand(op, x, 'input');
  checkFloat(op, x);
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4-D input [N,C,H,W], got ${fmtShape(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [OH, OW] = adaptiveOutputSize(op, outputSize, H, W);
  if (H * W === 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has empty planes`);
  const out = emptyTensor([N, C, OH, OW]);
  if (out.size > 0) pool2dVersions.adaptiveAvgForward.run({ x, out, planes: N * C, H, W, OH, OW });
  return attach(op, [x], out, [], (g) => {
    const dx = emptyTensor([N, C, H, W]);
    if (dx.size > 0) pool2dVersions.adaptiveAvgBackward.run({ g, dx, planes: N * C, H, W, OH, OW });
    return [dx];
  });
}
