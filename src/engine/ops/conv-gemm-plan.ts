// How the implicit-GEMM (v2) conv2d passes tile and split their GEMM, as data (runtime/rules.ts): the tile shape
// chosen from the GEMM's sides, and the K ranges (split-K) per rules profile. conv.ts launches what these plans
// say; tests/unit/kernel-rules.test.ts checks the GPU profile's plans on real layers without a GPU.

import { EngineError } from '../errors.ts';
import { GPU_RULES, type LaunchPlan, type RulesProfile } from '../runtime/rules.ts';

/** Tile shape of the implicit-GEMM (v2) kernels: WG_X × WG_Y threads, 4 × 4 outputs each, K step TILE_K. */
export interface GemmTiles {
  WG_X: number;
  WG_Y: number;
  TILE_K: number;
}

const DEFAULT_TILES: Readonly<GemmTiles> = Object.freeze({ WG_X: 16, WG_Y: 16, TILE_K: 16 });
/** Knobs of the v2 passes: `tiles` overrides the tile shape, `splits` the split-K count; null: from the shape and the rules. */
export type GemmTuning = { tiles: GemmTiles | null; splits: number | null };

/**
 * The v2 tile shape for a GEMM with `mSide` rows (along WG_X) and `nSide` columns (along WG_Y): 64 × 64 tiles,
 * each side narrowed to 32 or 16 when the GEMM is that small there, so a layer with few channels (an MNIST
 * stem, a depthwise conv, the 9-wide weight gradient of a 1-channel 3×3 conv) leaves fewer threads idle.
 */
export function chooseTiles(mSide: number, nSide: number): GemmTiles {
  const threads = (side: number, full: number): number => (side <= 16 ? 4 : side <= 32 ? 8 : full);
  return { WG_X: threads(mSide, DEFAULT_TILES.WG_X), WG_Y: threads(nSide, DEFAULT_TILES.WG_Y), TILE_K: DEFAULT_TILES.TILE_K };
}

/** How a v2 (implicit GEMM) pass launches: its tiles and its K ranges (split-K; 1 range: no partial sums). */
export interface GemmPlan extends LaunchPlan {
  tiles: GemmTiles;
  splits: number;
  /** K per range, a multiple of TILE_K. */
  chunk: number;
  mTiles: number;
  nTiles: number;
}

/**
 * The plan of a v2 pass over a GEMM of `rows` × `cols` outputs per z slice (`slices`: groups, stride phases),
 * reducing over `K` per thread (`reduction` in all: every phase's taps), with `out` outputs in all. CPU rules: chooseTiles and one range (the forward and input
 * gradient; the weight gradient keeps its own CPU split rule). GPU rules: the row tile narrowed while too few
 * workgroups would run even at one K step per range, then enough ranges for GPU_RULES.MIN_WORKGROUPS
 * workgroups when the output or K is large, and none longer than GPU_RULES.MAX_SERIAL_LOOP.
 */
export function gemmPlan(rows: number, cols: number, K: number, slices: number, out: number, rules: RulesProfile, tuning: GemmTuning, reduction = K): GemmPlan {
  const t = { ...(tuning.tiles ?? chooseTiles(rows, cols)) };
  const tilesOf = (tt: GemmTiles): number => Math.ceil(rows / (tt.WG_X * 4)) * Math.ceil(cols / (tt.WG_Y * 4)) * slices;
  const needsFill = rules === 'gpu' && (out >= GPU_RULES.MIN_WORKGROUPS * 256 || reduction >= GPU_RULES.MAX_SERIAL_LOOP);
  if (tuning.tiles === null && needsFill) {
    while (t.WG_X > 4 && tilesOf(t) * Math.ceil(K / t.TILE_K) < GPU_RULES.MIN_WORKGROUPS) t.WG_X /= 2;
  }
  const base = tilesOf(t);
  let wanted = tuning.splits ?? 1;
  if (tuning.splits === null && rules === 'gpu') {
    const fill = needsFill ? Math.ceil(GPU_RULES.MIN_WORKGROUPS / base) : 1;
    wanted = Math.max(Math.ceil(K / GPU_RULES.MAX_SERIAL_LOOP), Math.min(fill, Math.ceil(K / t.TILE_K)));
    // A small layer with a middling K (MNIST conv1's weight gradient at batch 2: 1 tile, K 1,568) still gets
    // ranges of at least GEMM_SOFT_RANGE, rather than one workgroup walking all of K.
    if (!needsFill && K >= 4 * GEMM_SOFT_RANGE) {
      wanted = Math.max(wanted, Math.min(Math.ceil(GPU_RULES.MIN_WORKGROUPS / base), Math.floor(K / GEMM_SOFT_RANGE)));
    }
  }
  if (!Number.isInteger(wanted) || wanted < 1) throw new EngineError(`conv2d: splits must be a positive integer, got ${wanted}`);
  // Whole K steps per range: one range covers all of K; more are rounded down, never fewer than wanted.
  const step = t.TILE_K;
  const chunk = wanted === 1 ? Math.ceil(K / step) * step : Math.max(step, Math.floor(Math.floor(K / wanted) / step) * step);
  const splits = Math.max(1, Math.ceil(K / chunk));
  const mTiles = Math.ceil(rows / (t.WG_X * 4));
  const nTiles = Math.ceil(cols / (t.WG_Y * 4));
  return { tiles: t, splits, chunk, mTiles, nTiles, workgroups: base * splits, loop: Math.min(K, chunk) };
}

/** The shortest K range the GPU rules give a small GEMM that does not need filling (see gemmPlan). */
const GEMM_SOFT_RANGE = 256;

/** The most taps of one axis that reach one stride phase: kernel offsets k·dilation in one residue mod stride. */
export function maxPhaseTaps(k: number, stride: number, dilation: number): number {
  const counts = new Array<number>(stride).fill(0);
  for (let kk = 0; kk < k; kk++) counts[(kk * dilation) % stride]!++;
  return Math.max(...counts);
}

