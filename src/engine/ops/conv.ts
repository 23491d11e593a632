// conv2d with PyTorch semantics: NCHW input, OIHW weight [O, C/groups, kH, kW], optional bias [O], stride,
// zero padding, dilation and groups (depthwise = groups equal to the channel count).
//
// Three passes, each with a naive v1 (the reference) and an implicit-GEMM v2 (the default):
//   forward  y  = conv(x, w) + b                      conv2d_fwd_naive / conv2d_fwd_gemm
//   dgrad    dx = conv_transpose(gy, w)               conv2d_dgrad_naive / conv2d_dgrad_gemm (per stride phase)
//   wgrad    dw = Σ_{n,oh,ow} gy ⊗ im2col(x)          conv2d_wgrad_naive / conv2d_wgrad_gemm (+ split-K reduce)
//   db = Σ_{n,oh,ow} gy                               inside the wgrad pass (v1: O more threads, v2: the first
//                                                     q tile's workgroups sum the gy tiles they load)
// conv2dAct adds an activation (relu, relu6) to the forward kernels' epilogue (ACT, epilogue_act.wgsl) and
// saves its output: the backward masks the gradient with act'(y) and sums db in the same pass
// (conv2d_bias_grad), then runs dgrad and wgrad on the masked gradient. conv2d_bias_grad alone (ACT 0) runs
// only for a bias whose weight needs no gradient, and after the depthwise wgrad, which has no bias fold.
// Each pass registers its versions in the kernel registry (conv2dVersions below; tests and benchmarks force
// them with kernelVersions.force('conv2d', 'v1')). Each pass also has a `depthwise` version, the dedicated
// kernels of depthwise.ts, which the auto rule picks for depthwise shapes (groups = C = O); forcing v1 or v2
// runs the generic kernels on them too.
// On the CPU rules (onCpuAdapter) the dense forward runs as a matrix product, the `matmul` version
// (conv-matmul.ts: the patches, im2col, times the weight through matmul v7 / v6), except small stride-1 layers
// (forwardDirectOnCpu: v3), and so do the backward passes
// of the layers where that wins (conv-matmul-grad.ts, backwardAuto); the others, and layers whose patches would
// be too large, run v3, the barrier-free register-tiled kernels.
// The backward rule runs dgrad only when the input needs a gradient, wgrad only for the weight, db only for
// the bias, and the forward saves only what those passes will read: a frozen conv on an input that needs no
// gradient records nothing at all.

import dgradGemmWgsl from '../../shaders/conv2d_dgrad_gemm.wgsl?raw';
import dgradNaiveWgsl from '../../shaders/conv2d_dgrad_naive.wgsl?raw';
import fwdGemmWgsl from '../../shaders/conv2d_fwd_gemm.wgsl?raw';
import fwdNaiveWgsl from '../../shaders/conv2d_fwd_naive.wgsl?raw';
import fwdRegWgsl from '../../shaders/conv2d_fwd_reg.wgsl?raw';
import dgradRegWgsl from '../../shaders/conv2d_dgrad_reg.wgsl?raw';
import wgradRegWgsl from '../../shaders/conv2d_wgrad_reg.wgsl?raw';
import regGeometryWgsl from '../../shaders/conv2d_reg_geometry.wgsl?raw';
import wgradGemmWgsl from '../../shaders/conv2d_wgrad_gemm.wgsl?raw';
import wgradNaiveWgsl from '../../shaders/conv2d_wgrad_naive.wgsl?raw';
import splitkReduceWgsl from '../../shaders/conv2d_splitk_reduce.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid } from '../../shaders/kernel.ts';
import { attach } from '../autograd.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { engineInfo } from '../runtime/device.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { EngineError } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { Tensor, checkFloat, checkOperand } from '../tensor.ts';
import { fillInPlace } from './creation.ts';
import {
  conv2dGeometry, type Conv2dForwardProblem, type Conv2dGeometry, type Conv2dInputGradProblem, type Conv2dOptions, type Conv2dWeightGradProblem,
  type Conv2dPass, type ConvShape,
} from './conv-geometry.ts';
import { CONV_PARAMS, convParams, regShape, wgradReduceKernel, withSpareOutput } from './conv-params.ts';
import { convMatmulRejects, forwardDirectOnCpu, forwardMatmul } from './conv-matmul.ts';
import { backwardAuto, dgradMatmul, wgradMatmul } from './conv-matmul-grad.ts';
import { EPILOGUE_ACT_CODE, checkEpilogueActivation, withActEpilogue, type EpilogueActivation } from './act-epilogue.ts';
import { depthwiseVersions, isDepthwise } from './depthwise.ts';
import { chooseTiles, gemmPlan, maxPhaseTaps, type GemmPlan, type GemmTiles, type GemmTuning } from './conv-gemm-plan.ts';
import { biasGradPass } from './conv-bias-grad.ts';

// ------------------------------------------------------------------ kernels

const fwdNaiveKernel = defineKernel('conv2d_fwd_naive', withActEpilogue(fwdNaiveWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const fwdGemmKernel = defineKernel('conv2d_fwd_gemm', withActEpilogue(fwdGemmWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const fwdRegKernel = defineKernel('conv2d_fwd_reg', withActEpilogue(regGeometryWgsl + fwdRegWgsl), ['read', 'read', 'read', 'write'], CONV_PARAMS);
const dgradRegKernel = defineKernel('conv2d_dgrad_reg', regGeometryWgsl + dgradRegWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const wgradRegKernel = defineKernel('conv2d_wgrad_reg', regGeometryWgsl + wgradRegWgsl, ['read', 'read', 'write', 'write'], CONV_PARAMS);
const dgradNaiveKernel = defineKernel('conv2d_dgrad_naive', dgradNaiveWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const dgradGemmKernel = defineKernel('conv2d_dgrad_gemm', dgradGemmWgsl, ['read', 'read', 'write'], CONV_PARAMS);
const wgradNaiveKernel = defineKernel('conv2d_wgrad_naive', wgradNaiveWgsl, ['read', 'read', 'write', 'write'], CONV_PARAMS);
const wgradGemmKernel = defineKernel('conv2d_wgrad_gemm', wgradGemmWgsl, ['read', 'read', 'write', 'write'], CONV_PARAMS);
const splitkReduceKernel = defineKernel('conv2d_splitk_reduce', withActEpilogue(splitkReduceWgsl), ['read', 'read', 'write'], {
  size: 'u32', splits: 'u32', plane: 'u32', channels: 'u32',
});

export type { GemmTiles } from './conv-gemm-plan.ts';

/**
 * Workgroups the split-K weight gradient aims for on the CPU rules. A CPU adapter (SwiftShader, llvmpipe, WARP)
 * has a few cores, and there each extra split only adds its partial sums and the reduction (in an uncommitted
 * scratch run, 6 splits took twice as long as 1 for 128→128 3×3 on 28²). The GPU rules split as gemmPlan says.
 */
const WGRAD_TARGET_WORKGROUPS = { cpu: 8 };
/** Fewest K steps one split of the weight gradient gets, so the partial sums stay a small extra cost. */
const WGRAD_MIN_STEPS_PER_SPLIT = 8;

/** Below this GEMM side (or reduction length) v2's 16-wide tiles are mostly idle, and the auto rule runs v1. */
const SMALL_GEMM_SIDE = 16;

/**
 * The auto rule shared by the passes: the depthwise kernels for depthwise shapes, v1 for GEMMs too thin to
 * fill a v2 tile (a side or the reduction under SMALL_GEMM_SIDE: a 1-channel stem), where the naive kernel
 * wins (MNIST conv1 1→32 on N2 28², SwiftShader, an uncommitted scratch run: v2 about twice v1's time
 * forward and three times backward; the committed auto row is in bench/results), else the default v2.
 */
function convAuto(d: Conv2dGeometry, narrowSide: number, reduction: number, rules: RulesProfile, pass: Conv2dPass): 'v1' | 'v2' | 'depthwise' {
  if (isDepthwise(d)) return 'depthwise';
  // On a GPU, v1's weight gradient is one thread per weight walking all of N·OH·OW (a watchdog risk), and a long
  // reduction in a v1 thread is as bad: v2 splits K instead. v1 stays for thin layers with short reductions.
  if (rules === 'gpu' && (pass === 'wgrad' || reduction > GPU_V1_MAX_REDUCTION)) return 'v2';
  return Math.min(narrowSide, reduction) < SMALL_GEMM_SIDE ? 'v1' : 'v2';
}

/** The longest reduction the GPU rules leave to a v1 thread (forward, input gradient). */
const GPU_V1_MAX_REDUCTION = 256;

const onlyDepthwise = ({ d }: { d: Conv2dGeometry }): string | null =>
  isDepthwise(d) ? null : `needs a depthwise conv (groups = C = O), got C ${d.C}, O ${d.O}, groups ${d.groups}`;

function gemmConstants(tiles: GemmTiles | null, mSide: number, nSide: number): GemmTiles {
  const t = tiles ?? chooseTiles(mSide, nSide);
  const ok = [t.WG_X, t.WG_Y, t.TILE_K].every((v) => Number.isInteger(v) && v >= 1);
  if (!ok || t.WG_Y % 4 !== 0 || t.WG_X * t.WG_Y > 256 || t.TILE_K > t.WG_X * t.WG_Y) {
    throw new EngineError(
      `conv2d: bad GEMM tiles ${JSON.stringify(t)}: need positive integers, WG_Y a multiple of 4 (each thread keeps one A row), ` +
        'WG_X·WG_Y ≤ 256 and TILE_K ≤ WG_X·WG_Y',
    );
  }
  // A and B tiles (B rows padded by one) and the four double-buffered tap tables, in workgroup memory.
  const bytes = 4 * t.TILE_K * (t.WG_X * 4 + t.WG_Y * 4 + 1 + 8);
  const limit = engineInfo().limits.maxComputeWorkgroupStorageSize;
  if (bytes > limit) throw new EngineError(`conv2d: GEMM tiles ${JSON.stringify(t)} need ${bytes} bytes of workgroup memory, the device allows ${limit}`);
  return { WG_X: t.WG_X, WG_Y: t.WG_Y, TILE_K: t.TILE_K };
}

function checkZ(z: number, what: string): number {
  if (z > MAX_WORKGROUPS_PER_DIM) throw new EngineError(`conv2d: ${what} needs ${z} workgroups along z, more than ${MAX_WORKGROUPS_PER_DIM}`);
  return z;
}

const naivePlan = (threads: number, loop: number): LaunchPlan => ({ workgroups: Math.ceil(threads / 64), loop });

/** The forward's v2 plan: rows N·OH·OW, columns Og, K = Cg·kH·kW, per group. */
const forwardGemmPlan = ({ d }: ConvShape, rules: RulesProfile): GemmPlan =>
  gemmPlan(d.N * d.OH * d.OW, d.Og, d.Cg * d.kH * d.kW, d.groups, d.N * d.O * d.OH * d.OW, rules, conv2dVersions.forward.tuning);

/** The input gradient's v2 plan: per group and stride phase, rows of the largest phase, K its most taps. */
const dgradGemmPlan = ({ d }: ConvShape, rules: RulesProfile): GemmPlan => {
  const rows = d.N * Math.ceil(d.H / d.sH) * Math.ceil(d.W / d.sW);
  const K = d.Og * maxPhaseTaps(d.kH, d.sH, d.dH) * maxPhaseTaps(d.kW, d.sW, d.dW);
  return gemmPlan(rows, d.Cg, K, d.sH * d.sW * d.groups, d.N * d.C * d.H * d.W, rules, conv2dVersions.dgrad.tuning, d.Og * d.kH * d.kW);
};

/** The weight gradient's v2 plan: rows Cg·kH·kW, columns Og, K = N·OH·OW; on a CPU adapter few splits. */
const wgradGemmPlan = ({ d }: ConvShape, rules: RulesProfile): GemmPlan => {
  const R = d.N * d.OH * d.OW;
  const Kc = d.Cg * d.kH * d.kW;
  const tuning = conv2dVersions.wgrad.tuning;
  const c = tuning.tiles ?? chooseTiles(Kc, d.Og);
  const tiles = Math.ceil(Kc / (c.WG_X * 4)) * Math.ceil(d.Og / (c.WG_Y * 4)) * d.groups;
  const maxSplits = Math.max(1, Math.floor(R / (WGRAD_MIN_STEPS_PER_SPLIT * c.TILE_K)));
  const cpuSplits = Math.min(Math.ceil(WGRAD_TARGET_WORKGROUPS.cpu / tiles), maxSplits);
  if (rules === 'cpu' && tuning.splits === null) {
    // Unchanged from the SwiftShader tuning: the chunk rounded up to whole K steps, empty splits dropped.
    const chunk = Math.ceil(Math.ceil(R / cpuSplits) / c.TILE_K) * c.TILE_K;
    const splits = Math.ceil(R / chunk);
    const mTiles = Math.ceil(Kc / (c.WG_X * 4));
    const nTiles = Math.ceil(d.Og / (c.WG_Y * 4));
    return { tiles: { ...c }, splits, chunk, mTiles, nTiles, workgroups: tiles * splits, loop: Math.min(R, chunk) };
  }
  return gemmPlan(Kc, d.Og, R, d.groups, d.O * Kc, rules, tuning);
};

/** Sums the K ranges' partial outputs `part` [splits, ...out] into `out`, with the bias and activation. */
function reduceRanges(
  part: Tensor, out: Tensor, splits: number, plane: number, channels: number, bias: Tensor | null, activation: EpilogueActivation, label: string,
): void {
  launch(splitkReduceKernel, [part, bias ?? part, out], {
    params: { size: out.size, splits, plane, channels },
    constants: { HAS_BIAS: bias ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation] },
    workgroups: grid(Math.ceil(out.size / 64)),
    label,
  });
}

// ------------------------------------------------------------------ forward

function forwardNaive({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  launch(fwdNaiveKernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation] },
    workgroups: grid(Math.ceil(out.size / 64)),
    label: 'conv2d.forward',
  });
}

function forwardGemm({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  const plan = forwardGemmPlan({ d }, currentRules());
  const c = gemmConstants(plan.tiles, 0, 0);
  const [gx, gy] = grid(plan.mTiles);
  const split = plan.splits > 1;
  const part = split ? emptyTensor([plan.splits, d.N, d.O, d.OH, d.OW]) : null;
  launch(fwdGemmKernel, [x, w, b ?? w, part ?? out], {
    params: convParams(d, plan.splits, plan.chunk),
    constants: { ...c, HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation], SPLIT: split ? 1 : 0 },
    workgroups: [gx, gy, checkZ(plan.nTiles * d.groups * plan.splits, 'the forward')],
    label: 'conv2d.forward',
  });
  if (part) {
    reduceRanges(part, out, plan.splits, d.OH * d.OW, d.O, b, activation, 'conv2d.forward_reduce');
    part.dispose();
  }
}

/** v3's threads: 4 pixels of a row × 4 channels of a group each. */
const regThreads = (d: Conv2dGeometry): number => d.N * d.OH * Math.ceil(d.OW / 4) * d.groups * Math.ceil(d.Og / 4);

/** v3: the barrier-free direct kernel, every size but the batch an override literal (one pipeline per layer shape). */
function forwardReg({ x, w, b, d, out, activation }: Conv2dForwardProblem): void {
  launch(fwdRegKernel, [x, w, b ?? w, out], {
    params: convParams(d),
    constants: { HAS_BIAS: b ? 1 : 0, ACT: EPILOGUE_ACT_CODE[activation], ...regShape(d) },
    workgroups: grid(Math.ceil(regThreads(d) / 64)),
    label: 'conv2d.forward',
  });
}

// ------------------------------------------------------------------ backward passes

/** dx for upstream gradient `g` [N,O,OH,OW]. */
function conv2dInputGrad(g: Tensor, w: Tensor, d: Conv2dGeometry): Tensor {
  if (d.N * d.C * d.H * d.W === 0) return emptyTensor([d.N, d.C, d.H, d.W]);
  return conv2dVersions.dgrad.run({ g, w, d });
}

function dgradNaive({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  launch(dgradNaiveKernel, [g, w, dx], { params: convParams(d), workgroups: grid(Math.ceil(dx.size / 64)), label: 'conv2d.dgrad' });
  return dx;
}

function dgradGemm({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  const plan = dgradGemmPlan({ d }, currentRules());
  const c = gemmConstants(plan.tiles, 0, 0);
  const [gx, gy] = grid(plan.mTiles);
  const split = plan.splits > 1;
  const part = split ? emptyTensor([plan.splits, d.N, d.C, d.H, d.W]) : null;
  launch(dgradGemmKernel, [g, w, part ?? dx], {
    params: convParams(d, plan.splits, plan.chunk),
    constants: { ...c, SPLIT: split ? 1 : 0 },
    workgroups: [gx, gy, checkZ(plan.nTiles * d.sH * d.sW * d.groups * plan.splits, 'the input gradient')],
    label: 'conv2d.dgrad',
  });
  if (part) {
    reduceRanges(part, dx, plan.splits, d.H * d.W, d.C, null, 'none', 'conv2d.dgrad_reduce');
    part.dispose();
  }
  return dx;
}

/** dgrad v3's threads: 4 input pixels of a row × 4 input channels of a group each. */
const dgradRegThreads = (d: Conv2dGeometry): number => d.N * d.H * Math.ceil(d.W / 4) * d.groups * Math.ceil(d.Cg / 4);

/** dgrad v3: the barrier-free direct kernel (one pipeline per layer shape). */
function dgradReg({ g, w, d }: Conv2dInputGradProblem): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  launch(dgradRegKernel, [g, w, dx], {
    params: convParams(d), constants: regShape(d), workgroups: grid(Math.ceil(dgradRegThreads(d) / 64)), label: 'conv2d.dgrad',
  });
  return dx;
}

/**
 * wgrad v3's plan: threads of 4 output channels × 4 taps, and ranges of the N·OH output rows when the threads
 * alone make fewer than WGRAD_TARGET_WORKGROUPS.cpu workgroups (each range at least WGRAD_REG_MIN_ROWS rows
 * and WGRAD_REG_MIN_POSITIONS positions). Tuning `splits` forces the count.
 */
function wgradRegPlan({ d }: ConvShape): LaunchPlan & { splits: number; chunk: number; threads: number } {
  const threads = d.groups * Math.ceil(d.Og / 4) * Math.ceil((d.Cg * d.kH * d.kW) / 4);
  const base = Math.ceil(threads / 64);
  const rows = d.N * d.OH;
  const forced = conv2dVersions.wgrad.tuning.splits;
  const most = Math.max(1, Math.min(Math.floor(rows / WGRAD_REG_MIN_ROWS), Math.floor((rows * d.OW) / WGRAD_REG_MIN_POSITIONS)));
  const wanted = forced ?? Math.min(Math.ceil(WGRAD_TARGET_WORKGROUPS.cpu / base), most);
  if (!Number.isInteger(wanted) || wanted < 1) throw new EngineError(`conv2d: splits must be a positive integer, got ${wanted}`);
  const chunk = Math.ceil(rows / wanted);
  const splits = Math.ceil(rows / chunk);
  return { splits, chunk, threads, workgroups: base * splits, loop: chunk * d.OW };
}

/** The fewest output rows, and positions, one range of wgrad v3 walks. */
const WGRAD_REG_MIN_ROWS = 4;
const WGRAD_REG_MIN_POSITIONS = 256;

/** wgrad v3: the barrier-free kernel (db, when asked, by O more threads), ranges summed by conv2d_wgrad_reduce. */
function wgradReg({ g, x, d, db }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.O, d.Cg, d.kH, d.kW]);
  const plan = wgradRegPlan({ d });
  const [gx, gy] = grid(Math.ceil((plan.threads + (db ? d.O : 0)) / 64));
  const split = plan.splits > 1;
  const part = split ? emptyTensor([plan.splits, d.O, d.Cg * d.kH * d.kW]) : null;
  const dbPart = split && db ? emptyTensor([plan.splits, d.O]) : null;
  withSpareOutput((spare) => {
    launch(wgradRegKernel, [g, x, part ?? dw, dbPart ?? db ?? spare], {
      params: convParams(d, plan.splits, plan.chunk),
      constants: { ...regShape(d), SPLIT: split ? 1 : 0, HAS_BIAS: db ? 1 : 0 },
      workgroups: [gx, gy, checkZ(plan.splits, 'the weight gradient')],
      label: 'conv2d.wgrad',
    });
    if (part) {
      const biasSize = db ? d.O : 0;
      launch(wgradReduceKernel, [part, dbPart ?? part, dw, db ?? spare], {
        params: { size: dw.size, splits: plan.splits, biasSize },
        workgroups: grid(Math.ceil((dw.size + biasSize) / 64)),
        label: 'conv2d.wgrad_reduce',
      });
    }
  });
  part?.dispose();
  dbPart?.dispose();
  return dw;
}

/** dw for upstream gradient `g` [N,O,OH,OW]; with `db` [O] given, the bias gradient is written there too. */
function conv2dWeightGrad(g: Tensor, x: Tensor, d: Conv2dGeometry, db: Tensor | null = null): Tensor {
  if (d.N * d.OH * d.OW === 0) {
    const dw = emptyTensor([d.O, d.Cg, d.kH, d.kW]);
    fillInPlace(dw, 0);
    if (db) fillInPlace(db, 0);
    return dw;
  }
  return conv2dVersions.wgrad.run({ g, x, d, db });
}

function wgradNaive({ g, x, d, db }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.O, d.Cg, d.kH, d.kW]);
  const threads = dw.size + (db ? d.O : 0);
  withSpareOutput((spare) =>
    launch(wgradNaiveKernel, [g, x, dw, db ?? spare], {
      params: convParams(d),
      constants: { HAS_BIAS: db ? 1 : 0 },
      workgroups: grid(Math.ceil(threads / 64)),
      label: 'conv2d.wgrad',
    }));
  return dw;
}

function wgradGemm({ g, x, d, db }: Conv2dWeightGradProblem): Tensor {
  const dw = emptyTensor([d.O, d.Cg, d.kH, d.kW]);
  const Kc = d.Cg * d.kH * d.kW;
  const plan = wgradGemmPlan({ d }, currentRules());
  const { splits, chunk } = plan;
  const c = gemmConstants(plan.tiles, 0, 0);
  const [gx, gy] = grid(plan.mTiles);
  const workgroups = [gx, gy, checkZ(plan.nTiles * splits * d.groups, 'the weight gradient')] as const;
  const constants = { ...c, HAS_BIAS: db ? 1 : 0 };
  if (splits === 1) {
    withSpareOutput((spare) =>
      launch(wgradGemmKernel, [g, x, dw, db ?? spare], { params: convParams(d, 1, chunk), constants, workgroups, label: 'conv2d.wgrad' }));
    return dw;
  }
  const part = emptyTensor([splits, d.O, Kc]);
  const dbPart = db ? emptyTensor([splits, d.O]) : null;
  const biasSize = db ? d.O : 0;
  withSpareOutput((spare) => {
    launch(wgradGemmKernel, [g, x, part, dbPart ?? spare], { params: convParams(d, splits, chunk), constants, workgroups, label: 'conv2d.wgrad' });
    launch(wgradReduceKernel, [part, dbPart ?? part, dw, db ?? spare], {
      params: { size: dw.size, splits, biasSize },
      workgroups: grid(Math.ceil((dw.size + biasSize) / 64)),
      label: 'conv2d.wgrad_reduce',
    });
  });
  part.dispose();
  dbPart?.dispose();
  return dw;
}

/** The depthwise weight gradient, which has no bias fold: db then takes its own pass. */
function wgradDepthwise(p: Conv2dWeightGradProblem): Tensor {
  const dw = depthwiseVersions.wgrad.run(p);
  if (p.db) biasGradPass(p.g, null, p.d, 'none', p.db);
  return dw;
}

/** db = Σ over N, OH, OW of `g` [N,O,OH,OW], as its own pass. */
function conv2dBiasGrad(g: Tensor, d: Conv2dGeometry): Tensor {
  const db = emptyTensor([d.O]);
  biasGradPass(g, null, d, 'none', db);
  return db;
}

// ------------------------------------------------------------------ versions

/** The conv2d passes in the kernel registry: naive v1, implicit-GEMM v2 (the default), and the depthwise kernels. */
export const conv2dVersions = {
  forward: defineKernelVersions<Conv2dForwardProblem, void, 'v1' | 'v2' | 'v3' | 'depthwise' | 'matmul', GemmTuning, ConvShape>('conv2d.forward', {
    versions: {
      v1: { summary: 'conv2d_fwd_naive: one thread per output', run: forwardNaive, plan: ({ d }) => naivePlan(d.N * d.O * d.OH * d.OW, d.Cg * d.kH * d.kW) },
      v2: { summary: 'conv2d_fwd_gemm: implicit GEMM, 64×64 tiles, split-K on the GPU rules', run: forwardGemm, plan: forwardGemmPlan },
      v3: {
        summary: 'conv2d_fwd_reg: direct, no workgroup memory or barrier, 4 pixels × 4 channels per thread, sizes as literals',
        run: forwardReg,
        plan: ({ d }) => ({ workgroups: Math.ceil(regThreads(d) / 64), loop: d.Cg * d.kH * d.kW }),
      },
      depthwise: { summary: 'the depthwise.forward kernels', rejects: onlyDepthwise, run: (p) => depthwiseVersions.forward.run(p) },
      matmul: { summary: 'the patches (im2col; none for 1×1) times the weight, by the matmul versions', rejects: convMatmulRejects, run: forwardMatmul },
    },
    default: 'v2',
    auto: ({ d }, rules) => {
      if (rules === 'cpu' && !isDepthwise(d)) return convMatmulRejects({ d }) === null && !forwardDirectOnCpu(d) ? 'matmul' : 'v3';
      return convAuto(d, d.Og, d.Cg * d.kH * d.kW, rules, 'forward');
    },
    tuning: { tiles: null, splits: null },
  }),
  dgrad: defineKernelVersions<Conv2dInputGradProblem, Tensor, 'v1' | 'v2' | 'v3' | 'depthwise' | 'matmul', GemmTuning, ConvShape>('conv2d.dgrad', {
    versions: {
      v1: {
        summary: 'conv2d_dgrad_naive: one thread per input pixel, gather',
        run: dgradNaive,
        plan: ({ d }) => naivePlan(d.N * d.C * d.H * d.W, d.Og * d.kH * d.kW),
      },
      v2: { summary: 'conv2d_dgrad_gemm: implicit GEMM per stride phase, split-K on the GPU rules', run: dgradGemm, plan: dgradGemmPlan },
      v3: {
        summary: 'conv2d_dgrad_reg: direct, no workgroup memory or barrier, 4 pixels × 4 channels per thread, sizes as literals',
        run: dgradReg,
        plan: ({ d }) => ({ workgroups: Math.ceil(dgradRegThreads(d) / 64), loop: d.Og * d.kH * d.kW }),
      },
      depthwise: { summary: 'the depthwise.dgrad kernels', rejects: onlyDepthwise, run: (p) => depthwiseVersions.dgrad.run(p) },
      matmul: {
        summary: 'the weight (transposed) times the gradient by the matmul versions, then col2im',
        rejects: convMatmulRejects,
        run: dgradMatmul,
      },
    },
    default: 'v2',
    auto: ({ d }, rules) => (rules === 'cpu' && !isDepthwise(d) ? backwardAuto(d, 'dgrad') : convAuto(d, d.Cg, d.Og * d.kH * d.kW, rules, 'dgrad')),
    tuning: { tiles: null, splits: null },
  }),
  wgrad: defineKernelVersions<Conv2dWeightGradProblem, Tensor, 'v1' | 'v2' | 'v3' | 'depthwise' | 'matmul', GemmTuning, ConvShape>('conv2d.wgrad', {
    versions: {
      v1: {
        summary: 'conv2d_wgrad_naive: one thread per weight (and per bias)',
        run: wgradNaive,
        plan: ({ d }) => naivePlan(d.O * d.Cg * d.kH * d.kW + d.O, d.N * d.OH * d.OW),
      },
      v2: { summary: 'conv2d_wgrad_gemm: implicit GEMM, split-K + reduce, db from the gy tiles', run: wgradGemm, plan: wgradGemmPlan },
      v3: {
        summary: 'conv2d_wgrad_reg: no workgroup memory or barrier, 4 channels × 4 taps per thread, row ranges + reduce',
        run: wgradReg,
        plan: wgradRegPlan,
      },
      depthwise: { summary: 'the depthwise.wgrad kernels (db in its own pass)', rejects: onlyDepthwise, run: wgradDepthwise },
      matmul: {
        summary: 'the gradient times the patches (im2col over the batch) by the matmul versions',
        rejects: convMatmulRejects,
        run: wgradMatmul,
      },
    },
    default: 'v2',
    auto: ({ d }, rules) =>
      rules === 'cpu' && !isDepthwise(d) ? backwardAuto(d, 'wgrad') : convAuto(d, Math.min(d.Og, d.Cg * d.kH * d.kW), d.N * d.OH * d.OW, rules, 'wgrad'),
    tuning: { tiles: null, splits: null },
  }),
};

// ------------------------------------------------------------------ the op

/**
 * 2-D convolution (cross-correlation, as in PyTorch): x [N,C,H,W], weight [O,C/groups,kH,kW], bias [O] →
 * [N,O,OH,OW] with OH = ⌊(H + 2·padding − dilation·(kH − 1) − 1)/stride⌋ + 1 (same for OW).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  return conv2dOp('conv2d', x, weight, bias ?? null, 'none', options);
}

/**
 * `act(conv2d(x, weight, bias, options))` with the activation ('relu', 'relu6' or 'none') in the forward
 * kernel's epilogue: what nn.Sequential runs for Conv2d → ReLU / ReLU6. Same values, gradients and NaN
 * behaviour as conv2d followed by relu / relu6; the backward keeps only the output for the activation.
 */
export function conv2dAct(x: Tensor, weight: Tensor, bias: Tensor | null, activation: EpilogueActivation, options: Conv2dOptions = {}): Tensor {
  return conv2dOp('conv2dAct', x, weight, bias, activation, options);
}

function conv2dOp(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, activation: EpilogueActivation, options: Conv2dOptions): Tensor {
  checkOperand(op, x, 'input');
  checkOperand(op, weight, 'weight');
  if (bias !== null) checkOperand(op, bias, 'bias');
  checkEpilogueActivation(op, activation);
  const b = bias;
  checkFloat(op, x, weight, ...(b ? [b] : []));
  const d = conv2dGeometry(x, weight, b, options);
  const out = emptyTensor([d.N, d.O, d.OH, d.OW]);
  if (out.size > 0) {
    try {
      conv2dVersions.forward.run({ x, w: weight, b, d, out, activation });
    } catch (e) {
      out.dispose();
      throw e;
    }
  }

  // Save only what the needed passes read: x for the weight gradient, the weight for the input gradient, the
  // output for the activation's gradient.
  const needX = x.requiresGrad;
  const needW = weight.requiresGrad;
  const act = activation !== 'none';
  const saved = [...(needW ? [x] : []), ...(needX ? [weight] : []), ...(act ? [out] : [])];
  return attach(op, [x, weight, b], out, saved, (g, savedT, needs) => {
    const xs = needW ? savedT[0]! : null;
    const ws = needX ? savedT[needW ? 1 : 0]! : null;
    const ys = act ? savedT[saved.length - 1]! : null;
    const runW = needs[1] && xs !== null && g.size > 0;
    // db: in the activation's pass, else folded into the weight gradient, else a pass of its own.
    const db = needs[2] ? emptyTensor([d.O]) : null;
    const gm = act && g.size > 0 ? biasGradPass(g, ys, d, activation, db)! : g;
    if (db && !act && !runW) {
      if (g.size > 0) biasGradPass(g, null, d, 'none', db);
      else fillInPlace(db, 0);
    }
    if (db && act && g.size === 0) fillInPlace(db, 0);
    const dx = needs[0] && ws ? conv2dInputGrad(gm, ws, d) : null;
    const dw = needs[1] && xs ? conv2dWeightGrad(gm, xs, d, db && !act && runW ? db : null) : null;
    if (gm !== g) gm.dispose();
    return [dx, dw, db];
  });
}

/** The raw passes without autograd, for benchmarks: the same kernels the op and its backward run. */
export const conv2dPasses = {
  geometry: (x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Conv2dGeometry => conv2dGeometry(x, weight, null, options),
  inputGrad: conv2dInputGrad,
  weightGrad: conv2dWeightGrad,
  biasGrad: conv2dBiasGrad,
};
