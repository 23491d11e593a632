// CAGrad, conflict-averse gradient descent (Liu, Liu, Jin, Stone & Liu, NeurIPS 2021).
//
//   g0 = (1/T)·Σ_t g_t                     the mean gradient
//   w  = argmin_{w ∈ simplex} g_wᵀg0 + c·‖g0‖·‖g_w‖,   g_w = Σ_t w_t·g_t      (the dual problem, T variables)
//   d  = g0 + (c·‖g0‖ / ‖g_w‖)·g_w,  then d / (1 + c²)                          (the authors' rescale = 1)
// so d maximizes the worst task's improvement within a ball of radius c·‖g0‖ around g0; c = 0 is the mean
// gradient. Here d is multiplied by T (equal weighting's scale): combined = Σ_t c_t·g_t with
// c_t = T·(1/T + λ·w_t)/(1 + c²), λ = c·‖g0‖/‖g_w‖.
//
// Gradients: per-task gradients at the shared representation z (rep_grad); the paper differentiates the
// shared parameters, LibMTL offers both. Solver: on the host over the T×T Gram matrix (gram.ts), projected
// gradient descent with backtracking on the simplex (the objective is convex: linear plus a norm). The
// authors use SLSQP; the reference fixtures (tests/fixtures/multitask) do too.

import { EngineError } from '../../engine/internal.ts';
import { GramWeighting } from './gram.ts';
import { matVec, minimizeOnSimplex, quad, type Matrix } from './solvers.ts';

/** CAGrad's coefficients of Σ c_t·g_t on the mean-gradient scale (multiply by T for equal weighting's). */
export function cagradCoefficients(M: Matrix, c: number, rescale = true): number[] {
  const T = M.length;
  const b = M.map((row) => row.reduce((s, x) => s + x, 0) / T); // M·(1/T)
  const g0Norm = Math.sqrt(Math.max(b.reduce((s, x) => s + x, 0) / T, 0));
  const k = c * g0Norm;
  const mean = new Array<number>(T).fill(1 / T);
  if (k === 0) return mean.map((x) => (rescale ? x / (1 + c * c) : x));
  const f = (w: number[]) => w.reduce((s, x, i) => s + x * b[i]!, 0) + k * Math.sqrt(Math.max(quad(M, w), 1e-30));
  const grad = (w: number[]) => {
    const Mw = matVec(M, w);
    const n = Math.sqrt(Math.max(quad(M, w), 1e-30));
    return b.map((x, i) => x + (k * Mw[i]!) / n);
  };
  const w = minimizeOnSimplex(f, grad, mean);
  const lambda = k / Math.sqrt(Math.max(quad(M, w), 1e-30));
  return mean.map((x, i) => (x + lambda * w[i]!) / (rescale ? 1 + c * c : 1));
}

export class CaGradWeighting extends GramWeighting {
  readonly method = 'cagrad';
  readonly c: number;

  constructor(tasks: readonly string[], c = 0.4) {
    super(tasks);
    if (!(Number.isFinite(c) && c >= 0)) throw new EngineError(`weighting.caGrad: c must be a finite number ≥ 0, got ${c}`);
    this.c = c;
  }

  protected solve(M: Matrix): number[] {
    return cagradCoefficients(M, this.c).map((x) => x * M.length);
  }
}

export function caGrad(tasks: readonly string[], options: { c?: number } = {}): CaGradWeighting {
  return new CaGradWeighting(tasks, options.c ?? 0.4);
}
