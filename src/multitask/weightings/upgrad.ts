// UPGrad, unconflicting projection of gradients (Quinton & Rey, "Jacobian descent for multi-objective
// optimization", 2024; TorchJD's default aggregator).
//
// Each task gradient g_i (scaled by the preference 1/T) is projected onto the dual cone of the task
// gradients, {x : g_jᵀx ≥ 0 for all j}; the result is the sum of the T projections. In the dual, the
// projection of g_i/T is Σ_j v_j·g_j with v = argmin_{v ≥ e_i/T} vᵀMv (M the Gram matrix), so
//   c = Σ_i v⁽ⁱ⁾,   combined = T·Σ_t c_t·g_t   (T·: equal weighting's scale).
// The KKT conditions give M·v⁽ⁱ⁾ ≥ 0, so combinedᵀg_j ≥ 0 for every task j: no task's loss increases to
// first order. Uniform and non-conflicting gradients give c = 1/T each (equal weighting).
//
// Gradients: at the shared representation z (TorchJD uses the shared parameters' Jacobian; its Gramian
// engine is the same T×T matrix). Solver: host, one box-constrained QP per task by exact coordinate descent
// on the Gram matrix (it stays defined for collinear gradients; a zero gradient's coordinate stays at its
// bound). TorchJD adds a small ridge to the Gramian; this does not.

import { GramWeighting } from './gram.ts';
import { boxQp, type Matrix } from './solvers.ts';

/** UPGrad's coefficients of Σ c_t·g_t on the mean-gradient scale. */
export function upgradCoefficients(M: Matrix): number[] {
  const T = M.length;
  const c = new Array<number>(T).fill(0);
  for (let i = 0; i < T; i++) {
    const lower = M.map((_, j) => (j === i ? 1 / T : 0));
    boxQp(M, lower).forEach((x, j) => (c[j]! += x));
  }
  return c;
}

export class UpGradWeighting extends GramWeighting {
  readonly method = 'upgrad';

  protected solve(M: Matrix): number[] {
    return upgradCoefficients(M).map((x) => x * M.length);
  }
}

export function upGrad(tasks: readonly string[]): UpGradWeighting {
  return new UpGradWeighting(tasks);
}
