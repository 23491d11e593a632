// GradVac, gradient vaccine (Wang, Tsvetkov, Firat & Cao, ICLR 2021): like PCGrad, but instead of only
// removing conflicts it pulls each pair's cosine similarity up to an adaptive target φ̂_ij, an exponential
// moving average of the observed similarities (β = 0.5, LibMTL's default; φ̂ starts at 0, where GradVac is
// PCGrad-like). For each task i, over the other tasks j in a random order, with φ = cos(g_i', g_j):
//   if φ < φ̂_ij:  g_i' ← g_i' + ‖g_i'‖·(φ̂_ij·√(1−φ²) − φ·√(1−φ̂_ij²)) / (‖g_j‖·√(1−φ̂_ij²)) · g_j
//   φ̂_ij ← (1−β)·φ̂_ij + β·φ          (the paper's Algorithm 1 updates it at every visit)
// combined = Σ_i g_i' (equal weighting's scale when nothing is changed).
// Every g_i' stays a combination Σ_k C_ik·g_k of the original gradients, so cosines and norms are
// functions of the Gram matrix (g_i'ᵀg_j = (C·M)_ij, ‖g_i'‖² = C_i·M·C_iᵀ) and the combined gradient is
// Σ_k (Σ_i C_ik)·g_k. Gradients: at the shared representation z, treated as one group (the paper works per
// layer or parameter block). Solver: host over the Gram matrix; the orders come from a seeded generator.

import { EngineError } from '../../engine/internal.ts';
import { GramWeighting } from './gram.ts';
import { SeededRandom } from './random.ts';
import { matVec, type Matrix } from './solvers.ts';

/** One GradVac step: the coefficients of Σ c_t·g_t; updates the targets `phiHat` (T×T) in place. */
export function gradVacCoefficients(M: Matrix, phiHat: number[][], rand: SeededRandom, beta = 0.5): number[] {
  const T = M.length;
  const norm = M.map((row, i) => Math.sqrt(Math.max(row[i]!, 0)));
  const C: number[][] = M.map((_, i) => M.map((__, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < T; i++) {
    const order = rand.shuffle(Array.from({ length: T }, (_, j) => j).filter((j) => j !== i));
    for (const j of order) {
      const CM = matVec(M, C[i]!); // (C_i·M)_k = g_i'ᵀg_k (M symmetric)
      const ni = Math.sqrt(Math.max(C[i]!.reduce((s, x, k) => s + x * CM[k]!, 0), 0));
      if (ni === 0 || norm[j] === 0) continue;
      const phi = CM[j]! / (ni * norm[j]!);
      const target = phiHat[i]![j]!;
      if (phi < target) {
        const w = (ni * (target * Math.sqrt(Math.max(1 - phi * phi, 0)) - phi * Math.sqrt(Math.max(1 - target * target, 0))))
          / (norm[j]! * Math.sqrt(Math.max(1 - target * target, 1e-12)));
        C[i]![j]! += w;
      }
      phiHat[i]![j] = (1 - beta) * target + beta * phi;
    }
  }
  return M.map((_, k) => C.reduce((s, row) => s + row[k]!, 0));
}

export class GradVacWeighting extends GramWeighting {
  readonly method = 'gradvac';
  readonly beta: number;
  private readonly rand: SeededRandom;
  /** φ̂_ij by task index in `tasks`. */
  readonly phiHat: number[][];

  constructor(tasks: readonly string[], beta = 0.5, seed = 1) {
    super(tasks);
    if (!(beta > 0 && beta <= 1)) throw new EngineError(`weighting.gradVac: beta must be in (0, 1], got ${beta}`);
    this.beta = beta;
    this.rand = new SeededRandom(seed);
    this.phiHat = tasks.map(() => tasks.map(() => 0));
  }

  protected solve(M: Matrix, names: readonly string[]): number[] {
    const idx = names.map((t) => this.tasks.indexOf(t));
    const sub = idx.map((i) => idx.map((j) => this.phiHat[i]![j]!));
    const c = gradVacCoefficients(M, sub, this.rand, this.beta);
    idx.forEach((i, a) => idx.forEach((j, b) => (this.phiHat[i]![j] = sub[a]![b]!)));
    return c;
  }
}

export function gradVac(tasks: readonly string[], options: { beta?: number; seed?: number } = {}): GradVacWeighting {
  return new GradVacWeighting(tasks, options.beta ?? 0.5, options.seed ?? 1);
}
