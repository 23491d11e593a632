// matmul with PyTorch semantics: 1-D operands are promoted (and the added dim removed again), 2-D is a
// plain product, and higher ranks are batched with broadcast batch dims. Backward needs no transposed
// copies: the kernels take transposed operands directly.
//   dA = g · Bᵀ      dB = Aᵀ · g      (summed over broadcast batch dims)
// When B is one matrix shared by a batched A, dB = Σ_b A_bᵀ g_b is a single product on [batch·M, K] and
// [batch·M, N] views, Aᵀ · g, with no reduction. linear (ops/linear.ts) is built on bmm, with the bias and
// activation in the kernels' epilogue. This module imports no elementwise or reduction op (and of the shape
// ops only the strided copy, for batch dims that are only partly broadcast), so an app that only multiplies
// bundles little more than the matmul kernels (docs/embedding.md, "Size"); the other broadcast batch gradients are
// summed by autograd's sumToForBackward (engine/autograd.ts), which the main entry wires up.
//
// Kernel versions (src/shaders/matmul_*.wgsl), all kept and all supporting the full problem (transposes,
// broadcast batch, bias + activation epilogue):
//   v1 naive     one thread per output                                   (matmul_naive.wgsl)
//   v2 tiled     64×64 workgroup tile, 4×4 outputs per thread, K step 16  (matmul_tiled.wgsl)
//   v3 large     128×128 tile, 8×8 per thread, double-buffered, K step 8 (matmul_tiled_large.wgsl)
//   v4 split-K   v2's tiling (tiles narrowed to 32 or 16 a side, padded shared rows) over K ranges, each range
//                a workgroup, partial sums finished by matmul_splitk_reduce (matmul_splitk.wgsl)
//   v5 vector    a few rows (M < 8, batch-1 Linear): 256 threads per COLS outputs, lanes split K and
//                tree-sum; K ranges split across workgroups as v4's (matmul_vec.wgsl)
//   v6 register  for CPU adapters: no workgroup memory and no barrier, 4×4 outputs per thread read straight
//                from the buffers, K by 4, sizes as override literals; a skinny product (few tiles, long K)
//                splits K across workgroups as v4 does (matmul_reg.wgsl)
//   v7 reg vec4  v6 with A and B bound as vec4 words (one index, clamp and bounds test per 4 values on a CPU
//                adapter) and 4 or 8 rows of C per thread; needs the operands' contiguous dims to be
//                multiples of 4 (matmul_reg4.wgsl)
// `matmulVersions` (src/engine/runtime/kernel-registry.ts) registers them with v2 the default and
// `chooseMatmulVersion` the auto rule: on the CPU rules v7, or v6 where v7 cannot read the operands as words (v1
// for tiny products), on the GPU rules enough workgroups for 132 compute units and no thread walking more than
// 4,096 of K (v3, v4, v5, v1 for tiny products); tests and benchmarks force one with
// `kernelVersions.force('matmul', 'v1')`.

import matmulNaiveWgsl from '../../shaders/matmul_naive.wgsl?raw';
import matmulTiledLargeWgsl from '../../shaders/matmul_tiled_large.wgsl?raw';
import matmulTiledWgsl from '../../shaders/matmul_tiled.wgsl?raw';
import matmulSplitkWgsl from '../../shaders/matmul_splitk.wgsl?raw';
import matmulSplitkReduceWgsl from '../../shaders/matmul_splitk_reduce.wgsl?raw';
import matmulVecWgsl from '../../shaders/matmul_vec.wgsl?raw';
import matmulRegWgsl from '../../shaders/matmul_reg.wgsl?raw';
import matmulReg4Wgsl from '../../shaders/matmul_reg4.wgsl?raw';
import erfWgsl from '../../shaders/erf.wgsl?raw';
import matmulCommonWgsl from '../../shaders/matmul_common.wgsl?raw';
import matmulLoadsWgsl from '../../shaders/matmul_loads.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid, type Kernel, type ParamsFields } from '../../shaders/kernel.ts';
import { attach, sumToForBackward } from '../autograd.ts';
import { defineKernelVersions } from '../runtime/kernel-registry.ts';
import { GPU_RULES, currentRules, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';
import { DTypeError, EngineError, ShapeError, fmtShape } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { broadcastShapes, sizeOf, stridesOf } from '../shape.ts';
import { Tensor, checkOperand, rawView } from '../tensor.ts';
import { tensor } from './creation.ts';
import { gatherStrided } from './shape-ops.ts';

// ------------------------------------------------------------------ kernels

const BINDINGS = ['read', 'read', 'read', 'write'] as const; // A, B, bias, C
/** The `struct Params` of every matmul version; strides 0 broadcast a batch of 1, batch_base offsets a launch. */
const MATMUL_PARAMS = {
  M: 'u32', N: 'u32', K: 'u32', batch: 'u32', a_batch_stride: 'u32', b_batch_stride: 'u32', batch_base: 'u32',
} as const satisfies ParamsFields;
const naiveKernel = defineKernel('matmul_naive', erfWgsl + matmulCommonWgsl + matmulLoadsWgsl + matmulNaiveWgsl, BINDINGS, MATMUL_PARAMS);
const tiledKernel = defineKernel('matmul_tiled', erfWgsl + matmulCommonWgsl + matmulLoadsWgsl + matmulTiledWgsl, BINDINGS, MATMUL_PARAMS);
const tiledLargeKernel = defineKernel('matmul_tiled_large', erfWgsl + matmulCommonWgsl + matmulLoadsWgsl + matmulTiledLargeWgsl, BINDINGS, MATMUL_PARAMS);
/** v4 and v5 also read their K range: ranges of k_chunk, `splits` of them (1: no partials, the epilogue in place). */
const SPLIT_PARAMS = { ...MATMUL_PARAMS, k_chunk: 'u32', splits: 'u32' } as const satisfies ParamsFields;
const splitkKernel = defineKernel('matmul_splitk', erfWgsl + matmulCommonWgsl + matmulLoadsWgsl + matmulSplitkWgsl, BINDINGS, SPLIT_PARAMS);
const vecKernel = defineKernel('matmul_vec', erfWgsl + matmulCommonWgsl + matmulLoadsWgsl + matmulVecWgsl, BINDINGS, SPLIT_PARAMS);
const regKernel = defineKernel('matmul_reg', erfWgsl + matmulCommonWgsl + matmulRegWgsl, BINDINGS, SPLIT_PARAMS);
const reg4Kernel = defineKernel('matmul_reg4', erfWgsl + matmulCommonWgsl + matmulReg4Wgsl, BINDINGS, SPLIT_PARAMS);
const splitkReduceKernel = defineKernel('matmul_splitk_reduce', erfWgsl + matmulCommonWgsl + matmulSplitkReduceWgsl, BINDINGS, MATMUL_PARAMS);

export type Activation = 'none' | 'relu' | 'gelu';
/** The kernels' ACT override per activation. */
export const ACT_CODE: Record<Activation, number> = { none: 0, relu: 1, gelu: 2 };
const actCode = (a: Activation | 'relu6' | undefined): number => (a === 'relu6' ? 3 : ACT_CODE[a ?? 'none']);

/** The caller's output (checked to hold the product), else a new [batch, M, N] tensor. */
function productOut(p: MatmulProblem): Tensor {
  if (!p.out) return emptyTensor([p.batch, p.M, p.N], 'float32', p.label ?? 'matmul');
  if (p.out.size !== p.batch * p.M * p.N) throw new ShapeError(`matmul: output ${fmtShape(p.out.shape)} cannot hold [${p.batch}, ${p.M}, ${p.N}]`);
  return p.out;
}

/**
 * C[b] = act(op(A[b]) · op(B[b]) + bias) for `batch` matrices; A is [batch or 1, M, K] (or [.., K, M] when
 * transA) and B is [batch or 1, K, N] (or [.., N, K] when transB). A batch of 1 is broadcast. No autograd.
 * K ≥ 1 and M, N, batch ≥ 1 (bmm handles the empty cases).
 */
export interface MatmulProblem {
  a: Tensor;
  b: Tensor;
  M: number;
  N: number;
  K: number;
  batch: number;
  transA: boolean;
  transB: boolean;
  aBatched: boolean;
  bBatched: boolean;
  /** Added after the product: N values (biasAlong 'n', the default) or M values ('m'), shared by the batch. */
  bias?: Tensor | null;
  biasAlong?: 'n' | 'm';
  /** Applied last (after the bias); relu6 for conv2d's matmul path (conv-matmul.ts). */
  activation?: Activation | 'relu6';
  /** Where the product goes ([batch, M, N] elements, the caller's): else a new tensor. */
  out?: Tensor;
  /** Name for traceKernels (default 'matmul'). */
  label?: string;
}

/** What the auto rule and the launch plans read: the sizes (transB: whether B is [N, K], Linear's weight). */
export type MatmulSizes = Pick<MatmulProblem, 'M' | 'N' | 'K' | 'batch'> & { transA?: boolean; transB?: boolean };

interface TileGeometry {
  tileM: number;
  tileN: number;
  constants: Record<string, number>;
}

function launchMatmul(kernel: Kernel<typeof MATMUL_PARAMS>, p: MatmulProblem, g: TileGeometry): Tensor {
  const gx = Math.ceil(p.N / g.tileN);
  const gy = Math.ceil(p.M / g.tileM);
  if (gx > MAX_WORKGROUPS_PER_DIM || gy > MAX_WORKGROUPS_PER_DIM) {
    throw new ShapeError(`matmul: [${p.M}, ${p.K}] @ [${p.K}, ${p.N}] needs more than ${MAX_WORKGROUPS_PER_DIM} workgroups along a dim`);
  }
  const out = productOut(p); // after the checks: a throw leaks nothing
  const bias = p.bias ?? null;
  const constants: Record<string, number> = {
    ...g.constants,
    TRANS_A: p.transA ? 1 : 0,
    TRANS_B: p.transB ? 1 : 0,
    BIAS: bias ? (p.biasAlong === 'm' ? 2 : 1) : 0,
    ACT: actCode(p.activation),
  };
  // Without a bias the binding still needs a buffer: A is bound there again (read-only twice is allowed).
  const tensors = [p.a, p.b, bias ?? p.a, out];
  for (let base = 0; base < p.batch; base += MAX_WORKGROUPS_PER_DIM) {
    const chunk = Math.min(MAX_WORKGROUPS_PER_DIM, p.batch - base);
    launch(kernel, tensors, {
      params: {
        M: p.M,
        N: p.N,
        K: p.K,
        batch: p.batch,
        a_batch_stride: p.aBatched ? p.M * p.K : 0,
        b_batch_stride: p.bBatched ? p.K * p.N : 0,
        batch_base: base,
      },
      constants,
      workgroups: [gx, gy, chunk],
      label: p.label ?? 'matmul',
    });
  }
  return out;
}

/** v1: one thread per output element. The reference the faster versions are checked against. */
function matmulNaive(p: MatmulProblem): Tensor {
  return launchMatmul(naiveKernel, p, { tileM: 16, tileN: 16, constants: {} });
}

/** v2 tile geometry: WG_Y × WG_X threads, 4 × 4 outputs each, K step TILE_K. */
export const V2_TILES = { WG_X: 16, WG_Y: 16, TILE_K: 16 };

/** v2: workgroup tiles in shared memory, a 4×4 register block per thread. */
function matmulTiled(p: MatmulProblem): Tensor {
  const t = V2_TILES;
  return launchMatmul(tiledKernel, p, { tileM: 4 * t.WG_Y, tileN: 4 * t.WG_X, constants: { ...t } });
}

/**
 * v3 tile geometry: WG_Y × WG_X threads, 8 × 8 outputs each, K step TILE_K. Each thread prefetches a whole
 * number, at most MAX_WORDS (2), of vec4 words of each operand tile (tests/unit/matmul-tiles.test.ts checks it).
 */
export const V3_TILES = { WG_X: 16, WG_Y: 16, TILE_K: 8 };

/** v3: 128×128 tiles, 8×8 per thread, double-buffered shared tiles with register prefetch. */
function matmulTiledLarge(p: MatmulProblem): Tensor {
  const t = V3_TILES;
  return launchMatmul(tiledLargeKernel, p, { tileM: 8 * t.WG_Y, tileN: 8 * t.WG_X, constants: { ...t } });
}

/** How v4 and v5 split K: ranges of `kChunk`, `splits` of them, and the tile (v4) or lanes (v5) per workgroup. */
export interface MatmulSplitPlan extends LaunchPlan {
  splits: number;
  kChunk: number;
  /** v4: threads per workgroup along N (WG_X) and M (WG_Y), 4 × 4 outputs each; v5: COLS outputs × LANES. */
  wgX: number;
  wgY: number;
}

const tilesOf = (p: MatmulSizes, tileM: number, tileN: number): number => Math.ceil(p.M / tileM) * Math.ceil(p.N / tileN) * p.batch;
const plainPlan = (tileM: number, tileN: number) => (p: MatmulSizes): LaunchPlan => ({ workgroups: tilesOf(p, tileM, tileN), loop: p.K });

/**
 * The K ranges for `base` workgroups per range, with `step` the granule of a range and `lanes` the threads
 * that share one: on the GPU rules enough ranges for GPU_RULES.MIN_WORKGROUPS workgroups when the product
 * needs them (an output of MIN_WORKGROUPS × 256 elements or a K of MAX_SERIAL_LOOP), and no thread walking
 * more than MAX_SERIAL_LOOP of K; on the CPU rules one range (the tuning knob `splits` forces others).
 */
function kRanges(p: MatmulSizes, rules: RulesProfile, base: number, step: number, lanes: number): { splits: number; kChunk: number } {
  const forced = matmulVersions.tuning.splits;
  let wanted = 1;
  if (forced !== null) wanted = forced;
  else if (rules === 'gpu') {
    const needsFill = p.batch * p.M * p.N >= GPU_RULES.MIN_WORKGROUPS * 256 || p.K >= GPU_RULES.MAX_SERIAL_LOOP;
    const fill = needsFill ? Math.ceil(GPU_RULES.MIN_WORKGROUPS / base) : 1;
    wanted = Math.max(Math.ceil(p.K / (GPU_RULES.MAX_SERIAL_LOOP * lanes)), Math.min(fill, Math.ceil(p.K / step)));
  }
  if (!Number.isInteger(wanted) || wanted < 1) throw new EngineError(`matmul: splits must be a positive integer, got ${wanted}`);
  // Whole granules per range: one range covers all of K; more are rounded down, never fewer than wanted.
  const kChunk = wanted === 1 ? Math.ceil(p.K / step) * step : Math.max(step, Math.floor(Math.floor(p.K / wanted) / step) * step);
  return { splits: Math.ceil(p.K / kChunk), kChunk };
}

/** v4: the widest tile (64, 32 or 16 a side) whose workgroups fill the GPU, then K ranges for the rest. */
function splitkPlan(p: MatmulSizes, rules: RulesProfile): MatmulSplitPlan {
  let wg = 16;
  const need = rules === 'gpu' && p.batch * p.M * p.N >= GPU_RULES.MIN_WORKGROUPS * 256;
  // Narrow the tile while even one K step per range would leave too few workgroups (a short K: nothing to split).
  while (need && wg > 4 && tilesOf(p, 4 * wg, 4 * wg) * Math.ceil(p.K / V2_TILES.TILE_K) < GPU_RULES.MIN_WORKGROUPS) wg /= 2;
  if (rules === 'gpu') while (wg > 4 && Math.max(p.M, p.N) <= 2 * wg) wg /= 2; // a small product: a smaller tile
  const base = tilesOf(p, 4 * wg, 4 * wg);
  const r = kRanges(p, rules, base, V2_TILES.TILE_K, 1);
  return { ...r, workgroups: base * r.splits, loop: Math.min(p.K, r.kChunk), wgX: wg, wgY: wg };
}

/** v5: COLS outputs of a row per workgroup (4 when B is [N, K], 64 otherwise), LANES = 256 / COLS threads each. */
function vecPlan(p: MatmulSizes, rules: RulesProfile): MatmulSplitPlan {
  const lanes = p.transB ? 64 : 4;
  const base = Math.ceil(p.N / (256 / lanes)) * p.M * p.batch;
  const r = kRanges(p, rules, base, lanes, lanes);
  return { ...r, workgroups: base * r.splits, loop: Math.ceil(Math.min(p.K, r.kChunk) / lanes), wgX: 256 / lanes, wgY: lanes };
}

/** v4 and v5: one launch (finished in place) or a launch of partial sums per K range and the reduce. */
function launchSplit(
  kernel: Kernel<typeof SPLIT_PARAMS>, p: MatmulProblem, plan: MatmulSplitPlan, gx: number, gy: number, constants: Record<string, number>,
): Tensor {
  if (gx > MAX_WORKGROUPS_PER_DIM || gy > MAX_WORKGROUPS_PER_DIM) {
    throw new ShapeError(`matmul: [${p.M}, ${p.K}] @ [${p.K}, ${p.N}] needs more than ${MAX_WORKGROUPS_PER_DIM} workgroups along a dim`);
  }
  const split = plan.splits > 1;
  const out = productOut(p);
  const part = split ? emptyTensor([plan.splits, p.batch, p.M, p.N], 'float32', 'matmul.partials') : null;
  const bias = p.bias ?? null;
  const epilogue = {
    TRANS_A: p.transA ? 1 : 0, TRANS_B: p.transB ? 1 : 0, BIAS: bias ? (p.biasAlong === 'm' ? 2 : 1) : 0, ACT: actCode(p.activation),
  };
  const strides = { a_batch_stride: p.aBatched ? p.M * p.K : 0, b_batch_stride: p.bBatched ? p.K * p.N : 0 };
  const perLaunch = Math.max(1, Math.floor(MAX_WORKGROUPS_PER_DIM / plan.splits));
  for (let base = 0; base < p.batch; base += perLaunch) {
    const chunk = Math.min(perLaunch, p.batch - base);
    launch(kernel, [p.a, p.b, bias ?? p.a, part ?? out], {
      params: { M: p.M, N: p.N, K: p.K, batch: p.batch, ...strides, batch_base: base, k_chunk: plan.kChunk, splits: plan.splits },
      constants: { ...constants, ...epilogue, SPLIT: split ? 1 : 0 },
      workgroups: [gx, gy, chunk * plan.splits],
      label: p.label ?? 'matmul',
    });
  }
  if (part) {
    launch(splitkReduceKernel, [part, part, bias ?? part, out], {
      params: { M: p.M, N: p.N, K: plan.splits, batch: p.batch, a_batch_stride: 0, b_batch_stride: 0, batch_base: 0 },
      constants: { BIAS: epilogue.BIAS, ACT: epilogue.ACT },
      workgroups: grid(Math.ceil(out.size / 64)),
      label: `${p.label ?? 'matmul'}.splitk_reduce`,
    });
    part.dispose();
  }
  return out;
}

/** v4: v2's tiling with padded shared rows over K ranges (split-K), partial sums summed by a reduce. */
function matmulSplitk(p: MatmulProblem, rules: RulesProfile = currentRules()): Tensor {
  const plan = splitkPlan(p, rules);
  const tile = 4 * plan.wgX;
  return launchSplit(splitkKernel, p, plan, Math.ceil(p.N / tile), Math.ceil(p.M / tile), { WG_X: plan.wgX, WG_Y: plan.wgY, TILE_K: V2_TILES.TILE_K });
}

/**
 * v6 plan: threads along N (TX) and M (TY), 4 × 4 outputs each, each side narrowed to the product (no fewer
 * than 4); K ranges when the tiles alone leave a CPU's cores idle: fewer than REG_TARGET_WORKGROUPS workgroups
 * and a K of at least 2 × REG_MIN_RANGE (each range then at least REG_MIN_RANGE long). Tuning `splits` forces
 * the count. The same plan on both profiles: only the CPU rules choose v6.
 */
function regPlan(p: MatmulSizes): MatmulSplitPlan {
  return regPlanRows(p, 4);
}

/** v6's plan with `rows` rows of C per thread (v7 takes 4 or 8). */
function regPlanRows(p: MatmulSizes, rows: number): MatmulSplitPlan {
  const { wgX, wgY } = matmulVersions.tuning.regTile ?? regTile(p.M, p.N, rows);
  if (![wgX, wgY].every((v) => Number.isInteger(v) && v >= 1) || wgX * wgY > 256) {
    throw new EngineError(`matmul: regTile needs positive integers with wgX·wgY ≤ 256, got ${wgX} × ${wgY}`);
  }
  const base = tilesOf(p, rows * wgY, 4 * wgX);
  const forced = matmulVersions.tuning.splits;
  let wanted = 1;
  if (forced !== null) wanted = forced;
  else if (base < REG_TARGET_WORKGROUPS && p.K >= 2 * REG_MIN_RANGE) {
    wanted = Math.min(Math.ceil(REG_TARGET_WORKGROUPS / base), Math.floor(p.K / REG_MIN_RANGE));
  }
  if (!Number.isInteger(wanted) || wanted < 1) throw new EngineError(`matmul: splits must be a positive integer, got ${wanted}`);
  const kChunk = Math.ceil(Math.ceil(p.K / wanted) / 4) * 4;
  const splits = Math.ceil(p.K / kChunk);
  return { splits, kChunk, workgroups: base * splits, loop: Math.min(p.K, kChunk), wgX, wgY };
}

/**
 * v6's threads along N and M (4 outputs a side each): of the workgroups of 64 to 256 threads, 4 to 32 a side,
 * the one whose tiles pad the product least (ties: the larger workgroup, then the squarer tile), so an
 * awkward side (200 = 3 × 64 + 8) does not pay for a mostly empty last tile. Then 1, 2, 6, 12 or 24 along M (up
 * to 64 along N) where they pad strictly less: 24 output channels fit 6 × 4 rows (8 × 4 padded a quarter, with
 * bounds checks), 4 rows no longer fill 16.
 */
function regTile(M: number, N: number, rows = 4): { wgX: number; wgY: number } {
  let best = { wgX: 16, wgY: 16, cost: Infinity };
  const pow2 = [4, 8, 16, 32];
  for (const [xs, ys, strict] of [[pow2, pow2, false], [[...pow2, 64], [1, 2, 6, 12, 24], true]] as const) {
    for (const wgX of xs) {
      for (const wgY of ys) {
        const threads = wgX * wgY;
        if (threads < 64 || threads > 256) continue;
        const cost = Math.ceil(M / (rows * wgY)) * rows * wgY * Math.ceil(N / (4 * wgX)) * 4 * wgX;
        const better = cost < best.cost || (!strict && cost === best.cost
          && (threads > best.wgX * best.wgY || (threads === best.wgX * best.wgY && Math.abs(wgX - wgY) < Math.abs(best.wgX - best.wgY))));
        if (better) best = { wgX, wgY, cost };
      }
    }
  }
  return { wgX: best.wgX, wgY: best.wgY };
}

/** Workgroups v6 aims for before it splits K: a few per core of a CPU adapter. */
const REG_TARGET_WORKGROUPS = 8;
/** The shortest K range v6 splits into. */
const REG_MIN_RANGE = 128;

/** v6: the barrier-free register-tiled kernel, the sizes as override literals (one pipeline per shape). */
function matmulReg(p: MatmulProblem): Tensor {
  const plan = regPlan(p);
  const constants = { TX: plan.wgX, TY: plan.wgY, DIM_M: p.M, DIM_N: p.N, DIM_K: p.K };
  return launchSplit(regKernel, p, plan, Math.ceil(p.N / (4 * plan.wgX)), Math.ceil(p.M / (4 * plan.wgY)), constants);
}

/** Why v7 cannot read a product as vec4 words: an operand's contiguous dim that is not a multiple of 4. */
function reg4Rejects(p: MatmulSizes): string | null {
  const aRow = p.transA ? p.M : p.K;
  const bRow = p.transB ? p.K : p.N;
  if (aRow % 4 !== 0 || bRow % 4 !== 0) {
    const dims = `A's row (${p.transA ? 'M' : 'K'} = ${aRow}) and B's row (${p.transB ? 'K' : 'N'} = ${bRow})`;
    return `reads A and B as vec4 words: needs ${dims} to be multiples of 4`;
  }
  return null;
}

/**
 * v7's rows of C per thread: the tuning knob, else 8 once M has REG_WIDE_MIN_M rows or is a multiple of 8 (a block
 * of 8 × 4 reads 12 words per 4 steps of K for 128 multiply-adds, 4 × 4 reads 8 for 64), else 4 (fewer padded rows
 * on a short M). M = 16–32, read back, load ~3.5: Linear 16×3136→128 9.3 → 7.4 ms, 1×1 144→24 at 56² 14.3 → 12.1.
 */
function reg4Rows(p: MatmulSizes): number {
  const forced = matmulVersions.tuning.regRows;
  if (forced !== null && forced !== 4 && forced !== 8) throw new EngineError(`matmul: regRows must be 4 or 8, got ${forced}`);
  return forced ?? (p.M >= REG_WIDE_MIN_M || p.M % 8 === 0 ? 8 : 4);
}

/** The shortest M for which v7 gives each thread 8 rows of C. */
const REG_WIDE_MIN_M = 64;

/** v7: v6 with A and B bound as vec4 words (v6's plan with 4 or 8 rows per thread). */
function reg4Plan(p: MatmulSizes): MatmulSplitPlan {
  return regPlanRows(p, reg4Rows(p));
}

function matmulReg4(p: MatmulProblem): Tensor {
  const rows = reg4Rows(p);
  const plan = regPlanRows(p, rows);
  const constants = { TX: plan.wgX, TY: plan.wgY, RM: rows, DIM_M: p.M, DIM_N: p.N, DIM_K: p.K };
  return launchSplit(reg4Kernel, p, plan, Math.ceil(p.N / (4 * plan.wgX)), Math.ceil(p.M / (rows * plan.wgY)), constants);
}

/** v5: the matrix–vector kernel, one row per workgroup row, K across lanes (and ranges). */
function matmulVec(p: MatmulProblem, rules: RulesProfile = currentRules()): Tensor {
  const plan = vecPlan(p, rules);
  return launchSplit(vecKernel, p, plan, Math.ceil(p.N / plan.wgX), p.M, {});
}

// ------------------------------------------------------------------ dispatch

/**
 * The size rule of the default dispatch, per rules profile.
 * CPU (tuned on SwiftShader): tiny products (≤ 32³ multiply-adds per matrix) stay on v1; every other product
 * runs a barrier-free register-tiled kernel (a CPU adapter pays for v2's and v3's shared tiles and barriers and gains nothing),
 * with K split across workgroups when the product is skinny (see regPlan): v7, which reads both operands as
 * vec4 words, when their contiguous dims are multiples of 4, else v6. A side under 8 included: split-K keeps
 * them parallel where v1 loops over K per output (Linear 4×3136→128: v7 6.3 ms, v1 24.1; bench/probe skinny).
 * GPU: a few rows (M < 8) run v5; tiny products with a short K v1; enough 128×128 tiles for two per compute
 * unit with K ≤ 4,096 v3; everything else v4, whose tile and K ranges give two workgroups per compute unit
 * and no serial loop over 4,096 (see kRanges).
 */
export function chooseMatmulVersion(p: MatmulSizes, rules: RulesProfile = currentRules()): MatmulVersion {
  if (rules === 'gpu') {
    if (p.M < 8) return 'v5';
    if (p.M * p.N * p.K <= 32 * 32 * 32 && p.K <= 256) return 'v1';
    if (tilesOf(p, 128, 128) >= GPU_RULES.MIN_WORKGROUPS && p.K <= GPU_RULES.MAX_SERIAL_LOOP) return 'v3';
    return 'v4';
  }
  if (p.M * p.N * p.K <= 32 * 32 * 32) return 'v1';
  return reg4Rejects(p) === null ? 'v7' : 'v6';
}

/** Every matmul kernel version, naive first; `matmulVersions.run` runs every product the engine computes. */
type MatmulVersion = 'v1' | 'v2' | 'v3' | 'v4' | 'v5' | 'v6' | 'v7';
/**
 * Knobs: `splits` forces v4–v7's K ranges, `regTile` v6's and v7's threads along N (wgX) and M (wgY), `regRows` v7's
 * rows of C per thread (4 or 8); null: from the sizes.
 */
type MatmulTuning = { splits: number | null; regTile: { wgX: number; wgY: number } | null; regRows: number | null };

export const matmulVersions = defineKernelVersions<MatmulProblem, Tensor, MatmulVersion, MatmulTuning, MatmulSizes>('matmul', {
  versions: {
    v1: { summary: 'matmul_naive: one thread per output', run: matmulNaive, plan: plainPlan(16, 16) },
    v2: { summary: 'matmul_tiled: 64×64 tile, 4×4 outputs per thread, K step 16', run: matmulTiled, plan: plainPlan(64, 64) },
    v3: { summary: 'matmul_tiled_large: 128×128 tile, 8×8 per thread, double-buffered, K step 8', run: matmulTiledLarge, plan: plainPlan(128, 128) },
    v4: { summary: 'matmul_splitk: v2 tiles (narrowed, padded rows) over K ranges, partial sums + reduce', run: (p) => matmulSplitk(p), plan: splitkPlan },
    v5: { summary: 'matmul_vec: matrix–vector, K across 4 or 64 lanes per output (and ranges), tree sum', run: (p) => matmulVec(p), plan: vecPlan },
    v6: {
      summary: 'matmul_reg: no shared memory or barrier, 4×4 per thread, sizes as literals, split-K when skinny',
      run: matmulReg,
      plan: regPlan,
    },
    v7: {
      summary: 'matmul_reg4: v6 with A and B read as vec4 words (contiguous dims multiples of 4)',
      rejects: reg4Rejects,
      run: matmulReg4,
      plan: reg4Plan,
    },
  },
  default: 'v2',
  auto: chooseMatmulVersion,
  tuning: { splits: null, regTile: null, regRows: null },
});

// ------------------------------------------------------------------ raw products

export interface BmmOptions {
  bias?: Tensor | null;
  biasAlong?: 'n' | 'm';
  activation?: Activation;
  label?: string;
}

/** Raw batched product on [batch, M, K]-style tensors (no autograd); used by matmul, linear and their backward. */
export function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean, options: BmmOptions = {}): Tensor {
  const [ba, ra, ca] = [a.shape[0]!, a.shape[1]!, a.shape[2]!];
  const [bb, rb, cb] = [b.shape[0]!, b.shape[1]!, b.shape[2]!];
  const M = transA ? ca : ra;
  const K = transA ? ra : ca;
  const N = transB ? rb : cb;
  const batch = Math.max(ba, bb);
  if (sizeOf([batch, M, N]) === 0) return emptyTensor([batch, M, N]);
  if (K === 0) {
    // The product is all zeros: run it as a K = 1 product of zeros ([M, 1] · [1, N], one buffer for both),
    // so the bias and activation come from the same epilogue as every other product.
    const zeros = tensor(new Float32Array(Math.max(M, N)));
    const out = matmulVersions.run({ a: zeros, b: zeros, M, N, K: 1, batch, transA: false, transB: false, aBatched: false, bBatched: false, ...options });
    zeros.dispose();
    return out;
  }
  return matmulVersions.run({ a, b, M, N, K, batch, transA, transB, aBatched: ba > 1, bBatched: bb > 1, ...options });
}

// ------------------------------------------------------------------ matmul

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand('matmul', a, 'first operand');
  checkOperand('matmul', b, 'second operand');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DTypeError(`matmul: expected float32, got ${a.dtype} and ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: both operands need at least 1 dim, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const aShape = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bShape = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const M = aShape[aShape.length - 2]!;
  const K = aShape[aShape.length - 1]!;
  const K2 = bShape[bShape.length - 2]!;
  const N = bShape[bShape.length - 1]!;
  if (K !== K2) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${K2})`);
  const batchShape = broadcastShapes('matmul', aShape.slice(0, -2), bShape.slice(0, -2));
  const batch = sizeOf(batchShape);

  // Each operand as [batch or 1, rows, cols]: a view, or a copy where its batch dims are only partly broadcast.
  const as3 = (t: Tensor, shape: number[], rows: number, cols: number): Tensor => {
    const own = shape.slice(0, -2);
    const ownBatch = sizeOf(own);
    if (ownBatch === batch || ownBatch === 1) return rawView(t, [ownBatch, rows, cols], false);
    const pad = batchShape.length - own.length;
    const strides = stridesOf(shape);
    const fullStrides = [...batchShape.map((_, i) => (i < pad || own[i - pad] === 1 ? 0 : strides[i - pad]!)), cols, 1];
    const full = gatherStrided(t, [...batchShape, rows, cols], fullStrides, 0, 'matmul');
    const r = rawView(full, [batch, rows, cols], false);
    full.dispose();
    return r;
  };
  const a3 = as3(a, aShape, M, K);
  let b3: Tensor | null = null;
  let c3: Tensor;
  try {
    b3 = as3(b, bShape, K, N);
    c3 = bmm(a3, b3, false, false);
  } finally {
    // A rejected product (a grid past the workgroup limit) leaves no view or copy behind.
    a3.dispose();
    b3?.dispose();
  }
  let outShape = [...batchShape, M, N];
  if (a.rank === 1) outShape = [...batchShape, N];
  if (b.rank === 1) outShape = a.rank === 1 ? [...batchShape] : [...batchShape, M];
  const out = rawView(c3, outShape);
  c3.dispose();

  const aOrig = a.shape;
  const bOrig = b.shape;
  const bShared = batch > 1 && sizeOf(bShape.slice(0, -2)) === 1;
  return attach('matmul', [a, b], out, [a, b], (g, [a0, b0], needs) => {
    const g3 = rawView(g, [batch, M, N], false);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const Bm = as3(b0!, bShape, K, N);
      const d = bmm(g3, Bm, false, true, { label: 'matmul.grad_a' }); // [batch, M, K]
      Bm.dispose();
      ga = batchGradTo(d, aShape, batchShape, aOrig);
    }
    if (needs[1]) {
      const A = as3(a0!, aShape, M, K);
      if (bShared) {
        // Σ_b A_bᵀ g_b = A'ᵀ g' with A' = [batch·M, K] and g' = [batch·M, N]: one product, no reduction.
        const A2 = rawView(A, [1, batch * M, K], false);
        const g2 = rawView(g3, [1, batch * M, N], false);
        const d = bmm(A2, g2, true, false, { label: 'matmul.grad_b' }); // [1, K, N]
        A2.dispose();
        g2.dispose();
        gb = rawView(d, bOrig);
        d.dispose();
      } else {
        const d = bmm(A, g3, true, false, { label: 'matmul.grad_b' }); // [batch, K, N]
        gb = batchGradTo(d, bShape, batchShape, bOrig);
      }
      A.dispose();
    }
    g3.dispose();
    return [ga, gb];
  });
}

/** A [batch, r, c] gradient summed over the batch dims the operand was broadcast along, in its own shape. Consumes `d`. */
function batchGradTo(d: Tensor, promoted: number[], batchShape: number[], original: readonly number[]): Tensor {
  let summed = d;
  if (sizeOf(promoted.slice(0, -2)) !== sizeOf(batchShape)) {
    const full = rawView(d, [...batchShape, ...promoted.slice(-2)], false);
    d.dispose();
    summed = sumToForBackward(full, promoted);
    full.dispose();
  }
  const out = rawView(summed, original);
  summed.dispose();
  return out;
}
