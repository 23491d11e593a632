// Nash-MTL (Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik & Fetaya, ICML 2022): the update is the
// Nash bargaining solution between the tasks, d = Σ_t α_t·g_t with α > 0 solving
//   (GᵀG)·α = 1/α   (elementwise; M = GᵀG is the Gram matrix of the task gradients),
// i.e. every task's directional derivative times its weight is 1: g_tᵀd = 1/α_t. Scale invariant in the
// sense that scaling one task's loss by k scales its α by 1/k and leaves d unchanged. Not rescaled: d is the
// paper's (a single task gives d = g/‖g‖).
//
// Gradients: at the shared representation z (the paper uses the shared parameters; LibMTL offers both).
// Solver: host. (GᵀG)α = 1/α is the stationarity condition of the strictly convex
// f(α) = ½·αᵀMα − Σ_t log α_t, minimized here by damped Newton steps that keep α > 0 (the paper solves a
// sequence of convex programs with cvxpy, capped at 20 iterations per step, and reuses the last α; Newton
// converges to machine precision in a few steps for T ≤ 10). M gets a 1e-12 relative ridge so collinear
// gradients keep a finite solution.

import { GramWeighting } from './gram.ts';
import { dot, matVec, ridge, solveLinear, type Matrix } from './solvers.ts';

/** The α > 0 with M·α = 1/α (M gets a 1e-12 relative ridge). */
export function nashMtlWeights(M: Matrix, iterations = 100): number[] {
  const R = ridge(M, 1e-12);
  const T = R.length;
  let a = R.map((row, i) => 1 / Math.sqrt(Math.max(row[i]!, 1e-30) * T));
  const f = (v: number[]) => 0.5 * dot(v, matVec(R, v)) - v.reduce((s, x) => s + Math.log(x), 0);
  for (let it = 0; it < iterations; it++) {
    const Ma = matVec(R, a);
    const g = Ma.map((x, i) => x - 1 / a[i]!);
    const H = R.map((row, i) => row.map((x, j) => (i === j ? x + 1 / a[i]! ** 2 : x)));
    const step = solveLinear(H, g);
    const dec = g.reduce((s, x, i) => s + x * step[i]!, 0); // Newton decrement²
    if (dec < 1e-24) break;
    let t = 1;
    while (a.some((x, i) => x - t * step[i]! <= 0)) t /= 2;
    const f0 = f(a);
    while (f(a.map((x, i) => x - t * step[i]!)) > f0 - 0.25 * t * dec && t > 1e-12) t /= 2;
    a = a.map((x, i) => x - t * step[i]!);
  }
  return a;
}

export class NashMtlWeighting extends GramWeighting {
  readonly method = 'nash-mtl';

  protected solve(M: Matrix): number[] {
    return nashMtlWeights(M);
  }
}

export function nashMtl(tasks: readonly string[]): NashMtlWeighting {
  return new NashMtlWeighting(tasks);
}
