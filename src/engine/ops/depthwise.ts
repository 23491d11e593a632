// Depthwise conv2d (groups = C = O: one 2-D filter per channel, MobileNet's 3×3 layers), the dedicated
// kernels conv2d() runs for such shapes instead of the grouped implicit GEMM, whose tiles a 1-wide GEMM per
// group leaves mostly idle. Each pass has a naive v1 (any kernel, stride, padding, dilation: the reference)
// and fast versions for the shapes MobileNets use (3×3; forward and dgrad also dilation 1, stride 1 or 2):
//   forward  v1 depthwise_fwd_naive   v2 depthwise_fwd_tiled (workgroup-memory tile)   v3 depthwise_fwd_rows
//            v4 depthwise_fwd_vec4
//   dgrad    v1 depthwise_dgrad_naive v2 depthwise_dgrad_tiled                         v3 depthwise_dgrad_rows
//            v4 depthwise_dgrad_vec4 (at stride 1: depthwise_fwd_vec4 with the filter turned 180°)
//   wgrad    v1 depthwise_wgrad_naive v2 depthwise_wgrad_split (split over N·OH·OW + reduce)
//            v3 depthwise_wgrad_rows (row pieces, split without workgroup memory + reduce)
// The vec4 versions (forward v4, dgrad v4, wgrad v3) read rows as aligned vec4 words: they need padding 1 and
// an input width divisible by 4 (by 8 for dgrad at stride 2), which MobileNetV2 at 224² has down to 28².
// The auto rules: the vec4 version where it applies, else v3 (dgrad, forward) for the other 3×3 shapes, and
// for the weight gradient v2 on a GPU and v1 on a CPU adapter; v1 wherever the fast kernels do not apply. On
// the GPU rules (runtime/rules.ts) the vec4 forward and input gradient (8 or 16 outputs per thread) only where
// they still run 264 workgroups, else v3, and the weight gradient's splits aim at a GPU's threads.
// On SwiftShader, at MobileNetV2's features.2 and features.4 (bench/results/2026-12-02-google-swiftshader-
// chrome-depthwise-vec4.json), the vec4 versions beat every other version and TF.js (forward 1.9–2.3×,
// backward 6.8–12.9× TF.js); v2 (workgroup memory and barriers, which a CPU adapter runs slowly) lost
// everywhere. On a GPU the choices follow from memory traffic and parallelism (v1's weight gradient has only
// C·9 threads) and are NOT yet measured.
// `depthwiseVersions` registers them in the kernel registry. conv2d takes this path through its own `depthwise` version, which its auto rule
// picks for depthwise shapes; forcing conv2d to v1 or v2 runs the generic kernels on them (the tests compare
// both): kernelVersions.force('depthwise.forward', 'v3'), kernelVersions.force('conv2d', 'v2').

import fwdNaiveWgsl from '../../shaders/depthwise_fwd_naive.wgsl?raw';
import fwdTiledWgsl from '../../shaders/depthwise_fwd_tiled.wgsl?raw';
import fwdRowsWgsl from '../../shaders/depthwise_fwd_rows.wgsl?raw';
import fwdVec4Wgsl from '../../shaders/depthwise_fwd_vec4.wgsl?raw';
import dgradNaiveWgsl from '../../shaders/depthwise_dgrad_naive.wgsl?raw';
import dgradTiledWgsl from '../../shaders/depthwise_dgrad_tiled.wgsl?raw';
import dgradRowsWgsl from '../../shaders/depthwise_dgrad_rows.wgsl?raw';
import dgradVec4Wgsl from '../../shaders/depthwise_dgrad_vec4.wgsl?raw';
import wgradNaiveWgsl from '../../shaders/depthwise_wgrad_naive.wgsl?raw';
import wgradSplitWgsl from '../../shaders/depthwise_wgrad_split.wgsl?raw';
import wgradRowsWgsl from '../../shaders/depthwise_wgrad_rows.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError } from '../errors.ts';
import { defineKernelVersions, type Tuning } from '../runtime/kernel-registry.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import type { Tensor } from '../tensor.ts';
import { CONV_PARAMS, convParams, wgradReduceKernel, withSpareOutput } from './conv-params.ts';
import { EPILOGUE_ACT_CODE, withActEpilogue } from './act-epilogue.ts';
import type { Conv2dForwardProblem, Conv2dGeometry, Conv2dInputGradProblem, Conv2dPass, Conv2dWeightGradProblem, ConvShape } from './conv-geometry.ts';

const fwdNaiveKernel = defineKernel('depthwise_fwd_naive', withActEpilogue(fwdNaiveWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const fwdTiledKernel = defineKernel('depthwise_fwd_tiled', withActEpilogue(fwdTiledWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const fwdRowsKernel = defineKernel('depthwise_fwd_rows', withActEpilogue(fwdRowsWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const fwdVec4Kernel = defineKernel('depthwise_fwd_vec4', withActEpilogue(fwdVec4Wgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const dgradRowsKernel = defineKernel('depthwise_dgrad_rows', dgradRowsWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const dgradNaiveKernel = defineKernel('depthwise_dgrad_naive', dgradNaiveWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const dgradTiledKernel = defineKernel('depthwise_dgrad_tiled', dgradTiledWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const dgradVec4Kernel = defineKernel('depthwise_dgrad_vec4', dgradVec4Wgsl, ['read', 'read', 'write'], CONV_PARAMS);
const wgradNaiveKernel = defineKernel('depthwise_wgrad_naive', wgradNaiveWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const wgradSplitKernel = defineKernel('depthwise_wgrad_split', wgradSplitWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const wgradRowsKernel = defineKernel('depthwise_wgrad_rows', wgradRowsWgsl, ['read', 'read', 'write'], CONV_PARAMS);

/** The tile of the v2 forward and input-gradient kernels (depthwise_*_tiled.wgsl): 8 rows × 32 columns. */
const TILE = { H: 8, W: 32 } as const;
/** Output positions one v2 weight-gradient workgroup sums at least (256 threads × 8 each). */
const WGRAD_MIN_CHUNK = 2048;
/** Workgroups the v2 weight gradient aims for (C · splits): a few per core on a CPU adapter, many on a GPU. */
const WGRAD_TARGET_WORKGROUPS = { gpu: 512, cpu: 8 };
/** Threads the v3 weight gradient aims for (C · splits), and the fewest row pieces each one sums. */
const WGRAD_ROWS_TARGET_THREADS = { gpu: 32768, cpu: 512 };
const WGRAD_ROWS_MIN_PIECES = { gpu: 2, cpu: 8 };

/** v2's weight-gradient split: C · splits workgroups of 256 threads over chunks of N·OH·OW. */
function wgradSplitPlan({ d }: ConvShape, rules: RulesProfile): LaunchPlan & { splits: number; chunk: number } {
  const R = d.N * d.OH * d.OW;
  const wanted = Math.max(1, Math.min(Math.ceil(WGRAD_TARGET_WORKGROUPS[rules] / d.C), Math.floor(R / WGRAD_MIN_CHUNK), MAX_WORKGROUPS_PER_DIM));
  const chunk = Math.ceil(R / wanted);
  const splits = Math.ceil(R / chunk);
  return { splits, chunk, workgroups: d.C * splits, loop: Math.ceil(chunk / 256) };
}

/** v3's weight-gradient split: C · splits threads, each summing row pieces of 4 outputs. */
function wgradRowsPlan({ d }: ConvShape, rules: RulesProfile): LaunchPlan & { splits: number } {
  const pieces = d.N * d.OH * Math.ceil(d.OW / 4);
  const splits = Math.max(1, Math.min(Math.ceil(WGRAD_ROWS_TARGET_THREADS[rules] / d.C), Math.floor(pieces / WGRAD_ROWS_MIN_PIECES[rules])));
  return { splits, workgroups: Math.ceil((d.C * splits) / 64), loop: 4 * Math.ceil(pieces / splits) };
}

/** Whether conv2d geometry `d` is a depthwise conv with one filter per channel (channel multiplier 1). */
export function isDepthwise(d: Conv2dGeometry): boolean {
  return d.groups === d.C && d.O === d.C && d.groups > 1;
}

/** Whether the fast kernels (v2, v3) of `pass` take this shape. */
function fastApplies(pass: Conv2dPass, d: Conv2dGeometry): boolean {
  if (d.kH !== 3 || d.kW !== 3) return false;
  if (pass === 'wgrad') return true;
  return d.dH === 1 && d.dW === 1 && d.sH === d.sW && (d.sH === 1 || d.sH === 2);
}

/** Why the fast kernels (v2, v3) of `pass` cannot take `d`, or null. */
function fastRejects(pass: Conv2dPass): (p: { d: Conv2dGeometry }) => string | null {
  return ({ d }) =>
    fastApplies(pass, d)
      ? null
      : `needs a 3×3 kernel${pass === 'wgrad' ? '' : ', dilation 1 and stride 1 or 2'}, ` +
        `got kernel [${d.kH},${d.kW}] stride [${d.sH},${d.sW}] dilation [${d.dH},${d.dW}]`;
}

/** Why the vec4 kernels (forward v4, wgrad v3: aligned vec4 loads, padding 1) cannot take `d`, or null. */
function vec4Rejects({ d }: { d: Conv2dGeometry }): string | null {
  const fast = fastRejects('forward')({ d });
  if (fast) return fast;
  if (d.pH !== 1 || d.pW !== 1 || d.W % 4 !== 0) return `needs padding 1 and an input width divisible by 4, got padding [${d.pH},${d.pW}] width ${d.W}`;
  return null;
}

/** Weight gradient: v3 where it applies; else v2 on a GPU and v1 on a CPU adapter, for the other 3×3 shapes. */
function wgradAuto({ d }: ConvShape, rules: RulesProfile): 'v1' | 'v2' | 'v3' {
  if (vec4Rejects({ d }) === null) return 'v3';
  return rules === 'gpu' && fastApplies('wgrad', d) ? 'v2' : 'v1';
}

/**
 * Forward: v4 where it applies, else v3 for the other 3×3 shapes, else v1 (see the header). On the GPU rules v4
 * (8 outputs per thread, 512 per workgroup) only where it still runs GPU_RULES.MIN_WORKGROUPS workgroups.
 */
function forwardAuto({ d }: ConvShape, rules: RulesProfile): 'v1' | 'v3' | 'v4' {
  if (vec4Rejects({ d }) === null && (rules === 'cpu' || d.N * d.C * d.OH * d.OW >= GPU_RULES.MIN_WORKGROUPS * 512)) return 'v4';
  return fastApplies('forward', d) ? 'v3' : 'v1';
}

/** Input gradient: as the forward (v4 at stride 2 computes 16 pixels per thread, 1,024 per workgroup). */
function dgradAuto({ d }: ConvShape, rules: RulesProfile): 'v1' | 'v3' | 'v4' {
  const perWorkgroup = d.sH === 1 ? 512 : 1024;
  if (dgradVec4Rejects({ d }) === null && (rules === 'cpu' || d.N * d.C * d.H * d.W >= GPU_RULES.MIN_WORKGROUPS * perWorkgroup)) return 'v4';
  return fastApplies('dgrad', d) ? 'v3' : 'v1';
}

const taps = (d: Conv2dGeometry): number => d.kH * d.kW;
/** A plan of `outputs` computed `perThread` at a time by 64-thread workgroups, each walking the taps. */
const perThreadPlan = (outputs: number, perThread: number, d: Conv2dGeometry): LaunchPlan => ({
  workgroups: Math.ceil(outputs / perThread / 64),
  loop: perThread * taps(d),
});
/** v2's 8 × 32 tiles, 64 threads each (4 outputs per thread). */
const tiledPlan = (d: Conv2dGeometry, h: number, w: number): LaunchPlan => ({
  workgroups: Math.ceil(w / TILE.W) * Math.ceil(h / TILE.H) * d.N * d.C,
  loop: 4 * taps(d),
});

function tiledWorkgroups(d: Conv2dGeometry, h: number, w: number, what: string): [number, number, number] {
  const planes = d.N * d.C;
  if (planes > MAX_WORKGROUPS_PER_DIM) {
    throw new EngineError(`depthwise conv2d: the ${what} needs ${planes} workgroups along z (N·C), more than ${MAX_WORKGROUPS_PER_DIM}`);
  }
  return [Math.ceil(w / TILE.W), Math.ceil(h / TILE.H), planes];
}

// ------------------------------------------------------------------ the passes

/** y = depthwise conv(x, w) + b into `out` [N, C, OH, OW]: v1, one thread per output. */
function forwardNaive({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  launch(fwdNaiveKernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation] },
    workgroups: grid(Math.ceil(out.size / 64)),
    label: 'depthwise.forward',
  });
}

/** v2: an 8×32 output tile per workgroup, its input window in workgroup memory. */
function forwardTiled({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  launch(fwdTiledKernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation], STRIDE: d.sH },
    workgroups: tiledWorkgroups(d, d.OH, d.OW, 'forward'),
    label: 'depthwise.forward',
  });
}

/** v3: 4 outputs of a row per thread, the input window in registers. */
function forwardRows({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  const rows = d.N * d.C * d.OH * Math.ceil(d.OW / 4);
  launch(fwdRowsKernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation], STRIDE: d.sH },
    workgroups: grid(Math.ceil(rows / 64)),
    label: 'depthwise.forward',
  });
}

/** v4: 4 outputs of a row per thread from aligned vec4 loads, straight-line swizzles. */
function forwardVec4({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  const pieces = d.N * d.C * Math.ceil(d.OH / 2) * Math.ceil(d.OW / 4);
  launch(fwdVec4Kernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation], STRIDE: d.sH },
    workgroups: grid(Math.ceil(pieces / 64)),
    label: 'depthwise.forward',
  });
}

/** Why dgrad v4 cannot take `d` (the vec4 shapes; at stride 2 also a width divisible by 8), or null. */
function dgradVec4Rejects({ d }: { d: Conv2dGeometry }): string | null {
  return vec4Rejects({ d }) ?? (d.sH === 1 || d.W % 8 === 0 ? null : `needs an input width divisible by 8 at stride 2, got width ${d.W}`);
}

/**
 * v4: at stride 1 and padding 1 the input gradient is the forward convolution of g with the filter turned
 * 180°, so the forward's v4 kernel computes it (FLIP; same geometry, since OH = H and OW = W); at stride 2,
 * depthwise_dgrad_vec4 (2 × 8 pixels per thread from the gradient's aligned words).
 */
function dgradVec4({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  const bands = d.N * d.C * Math.ceil(d.H / 2);
  if (d.sH === 1) {
    const blocks = bands * Math.ceil(d.W / 4);
    launch(fwdVec4Kernel, [g, w, w, dx], {
      params: convParams(d),
      constants: { HAS_BIAS: 0, ACT: 0, STRIDE: 1, FLIP: 1 },
      workgroups: grid(Math.ceil(blocks / 64)),
      label: 'depthwise.dgrad',
    });
  } else {
    launch(dgradVec4Kernel, [g, w, dx], { params: convParams(d), workgroups: grid(Math.ceil((bands * (d.W / 8)) / 64)), label: 'depthwise.dgrad' });
  }
  return dx;
}

/** dx [N, C, H, W] for the output gradient g [N, C, OH, OW]: v1, one thread per input pixel. */
function dgradNaive({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  launch(dgradNaiveKernel, [g, w, dx], { params: convParams(d), workgroups: grid(Math.ceil(dx.size / 64)), label: 'depthwise.dgrad' });
  return dx;
}

/** v2: an 8×32 tile per workgroup, the gradient window in workgroup memory. */
function dgradTiled({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  launch(dgradTiledKernel, [g, w, dx], {
    params: convParams(d),
    constants: { STRIDE: d.sH },
    workgroups: tiledWorkgroups(d, d.H, d.W, 'input gradient'),
    label: 'depthwise.dgrad',
  });
  return dx;
}

/** v3: 4 pixels of a row per thread, the gradient window in registers. */
function dgradRows({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  const rows = d.N * d.C * d.H * Math.ceil(d.W / 4);
  launch(dgradRowsKernel, [g, w, dx], { params: convParams(d), constants: { STRIDE: d.sH }, workgroups: grid(Math.ceil(rows / 64)), label: 'depthwise.dgrad' });
  return dx;
}

/** dw [C, 1, kH, kW] for the output gradient g [N, C, OH, OW]: v1, one thread per weight. */
function wgradNaive({ g, x, d }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.C, 1, d.kH, d.kW]);
  launch(wgradNaiveKernel, [g, x, dw], { params: convParams(d), workgroups: grid(Math.ceil(dw.size / 64)), label: 'depthwise.wgrad' });
  return dw;
}

/** v2: a workgroup per channel × split of N·OH·OW, tree reduction, then a reduce over the splits. */
function wgradSplit({ g, x, d }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.C, 1, d.kH, d.kW]);
  const { splits, chunk } = wgradSplitPlan({ d }, currentRules());
  if (d.C > MAX_WORKGROUPS_PER_DIM) {
    throw new EngineError(`depthwise conv2d: the weight gradient needs ${d.C} workgroups along x, more than ${MAX_WORKGROUPS_PER_DIM}`);
  }
  if (splits === 1) {
    launch(wgradSplitKernel, [g, x, dw], { params: convParams(d, 1, chunk), workgroups: [d.C, 1, 1], label: 'depthwise.wgrad' });
    return dw;
  }
  const part = emptyTensor([splits, d.C, 9]);
  launch(wgradSplitKernel, [g, x, part], { params: convParams(d, splits, chunk), workgroups: [d.C, splits, 1], label: 'depthwise.wgrad' });
  withSpareOutput((spare) =>
    launch(wgradReduceKernel, [part, part, dw, spare], {
      params: { size: dw.size, splits, biasSize: 0 },
      workgroups: grid(Math.ceil(dw.size / 64)),
      label: 'depthwise.wgrad_reduce',
    }),
  );
  part.dispose();
  return dw;
}

/** v3: row pieces of 4 outputs from aligned vec4 loads, split over N·OH·⌈OW/4⌉ without workgroup memory, then a reduce. */
function wgradRows({ g, x, d }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.C, 1, d.kH, d.kW]);
  const { splits } = wgradRowsPlan({ d }, currentRules());
  const threads = grid(Math.ceil((d.C * splits) / 64));
  if (splits === 1) {
    launch(wgradRowsKernel, [g, x, dw], { params: convParams(d, 1, 0), constants: { STRIDE: d.sH }, workgroups: threads, label: 'depthwise.wgrad' });
    return dw;
  }
  const part = emptyTensor([splits, d.C, 9]);
  launch(wgradRowsKernel, [g, x, part], { params: convParams(d, splits, 0), constants: { STRIDE: d.sH }, workgroups: threads, label: 'depthwise.wgrad' });
  withSpareOutput((spare) =>
    launch(wgradReduceKernel, [part, part, dw, spare], {
      params: { size: dw.size, splits, biasSize: 0 },
      workgroups: grid(Math.ceil(dw.size / 64)),
      label: 'depthwise.wgrad_reduce',
    }),
  );
  part.dispose();
  return dw;
}

// ------------------------------------------------------------------ versions

/**
 * The depthwise passes in the kernel registry. The defaults (v3 / v3 / v2) take every shape the fast kernels
 * take; the auto rules pick the vec4 versions where they apply (see the header).
 */
export const depthwiseVersions = {
  forward: defineKernelVersions<Conv2dForwardProblem, void, 'v1' | 'v2' | 'v3' | 'v4', Tuning, ConvShape>('depthwise.forward', {
    versions: {
      v1: { summary: 'depthwise_fwd_naive: one thread per output', run: forwardNaive, plan: ({ d }) => perThreadPlan(d.N * d.C * d.OH * d.OW, 1, d) },
      v2: {
        summary: 'depthwise_fwd_tiled: 8×32 tile, input window in workgroup memory',
        rejects: fastRejects('forward'),
        run: forwardTiled,
        plan: ({ d }) => tiledPlan(d, d.OH, d.OW),
      },
      v3: {
        summary: 'depthwise_fwd_rows: 4 outputs per thread, input window in registers',
        rejects: fastRejects('forward'),
        run: forwardRows,
        plan: ({ d }) => perThreadPlan(d.N * d.C * d.OH * d.OW, 4, d),
      },
      v4: {
        summary: 'depthwise_fwd_vec4: 2 × 4 outputs per thread from aligned vec4 loads',
        rejects: vec4Rejects,
        run: forwardVec4,
        plan: ({ d }) => perThreadPlan(d.N * d.C * d.OH * d.OW, 8, d),
      },
    },
    default: 'v3',
    auto: forwardAuto,
  }),
  dgrad: defineKernelVersions<Conv2dInputGradProblem, Tensor, 'v1' | 'v2' | 'v3' | 'v4', Tuning, ConvShape>('depthwise.dgrad', {
    versions: {
      v1: {
        summary: 'depthwise_dgrad_naive: one thread per input pixel, gather',
        run: dgradNaive,
        plan: ({ d }) => perThreadPlan(d.N * d.C * d.H * d.W, 1, d),
      },
      v2: {
        summary: 'depthwise_dgrad_tiled: 8×32 tile, gradient window in workgroup memory',
        rejects: fastRejects('dgrad'),
        run: dgradTiled,
        plan: ({ d }) => tiledPlan(d, d.H, d.W),
      },
      v3: {
        summary: 'depthwise_dgrad_rows: 4 pixels per thread, gradient window in registers',
        rejects: fastRejects('dgrad'),
        run: dgradRows,
        plan: ({ d }) => perThreadPlan(d.N * d.C * d.H * d.W, 4, d),
      },
      v4: {
        summary: 'depthwise_dgrad_vec4: aligned vec4 loads (stride 1: the forward v4 kernel, filter turned 180°)',
        rejects: dgradVec4Rejects,
        run: dgradVec4,
        plan: ({ d }) => perThreadPlan(d.N * d.C * d.H * d.W, d.sH === 1 ? 8 : 16, d),
      },
    },
    default: 'v3',
    auto: dgradAuto,
  }),
  wgrad: defineKernelVersions<Conv2dWeightGradProblem, Tensor, 'v1' | 'v2' | 'v3', Tuning, ConvShape>('depthwise.wgrad', {
    versions: {
      v1: {
        summary: 'depthwise_wgrad_naive: one thread per weight',
        run: wgradNaive,
        plan: ({ d }) => ({ workgroups: Math.ceil((d.C * taps(d)) / 64), loop: d.N * d.OH * d.OW }),
      },
      v2: {
        summary: 'depthwise_wgrad_split: workgroup per channel × split, tree reduction',
        rejects: fastRejects('wgrad'),
        run: wgradSplit,
        plan: wgradSplitPlan,
      },
      v3: {
        summary: 'depthwise_wgrad_rows: row pieces from aligned vec4 loads, split without workgroup memory',
        rejects: vec4Rejects,
        run: wgradRows,
        plan: wgradRowsPlan,
      },
    },
    default: 'v2',
    auto: wgradAuto,
  }),
};
