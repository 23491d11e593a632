// Aligned-MTL (Senushkin, Patakin, Kuznetsov & Konushin, CVPR 2023): removes the conflicts and the
// dominance of the task gradients by aligning them, i.e. making the matrix of gradients well conditioned.
// With M = G·Gᵀ = V·Λ·Vᵀ (eigenvalues λ_1 ≥ … ≥ λ_r > 0, r the numerical rank),
//   B = √λ_r · V·Λ^{-1/2}·Vᵀ,   Ĝ = B·G (the aligned gradients: Ĝ·Ĝᵀ = λ_r·V·Vᵀ, all singular values equal
//   to the smallest one),   d = Σ_t ĝ_t = Σ_t c_t·g_t with c = Bᵀ·1 (the column sums of B).
// Equal-norm orthogonal gradients give c = 1 (equal weighting); the result is on equal weighting's scale.
// Eigenvalues below λ_max·T·ε_float32 count as zero (LibMTL's tolerance).
//
// Gradients: at the shared representation z (the paper's "Aligned-MTL-UB" variant, its cheaper upper-bound
// form; the full method differentiates the shared parameters). Solver: host, Jacobi eigen-decomposition of
// the T×T Gram matrix.

import { GramWeighting } from './gram.ts';
import { symmetricEigen, type Matrix } from './solvers.ts';

/** Aligned-MTL's coefficients c = Bᵀ·1 of Σ c_t·g_t. */
export function alignedMtlCoefficients(M: Matrix): number[] {
  const T = M.length;
  const { values, vectors } = symmetricEigen(M);
  const max = Math.max(...values);
  const tol = max * T * 1.1920929e-7;
  const keep = values.map((l, k) => [l, k] as const).filter(([l]) => l > tol);
  if (keep.length === 0) return new Array<number>(T).fill(0);
  const lmin = Math.min(...keep.map(([l]) => l));
  const c = new Array<number>(T).fill(0);
  // B_ij = √λ_min · Σ_k V_ik·V_jk / √λ_k; c_j = Σ_i B_ij.
  for (const [l, k] of keep) {
    const colSum = vectors.reduce((s, row) => s + row[k]!, 0);
    for (let j = 0; j < T; j++) c[j]! += (Math.sqrt(lmin) * colSum * vectors[j]![k]!) / Math.sqrt(l);
  }
  return c;
}

export class AlignedMtlWeighting extends GramWeighting {
  readonly method = 'aligned-mtl';

  protected solve(M: Matrix): number[] {
    return alignedMtlCoefficients(M);
  }
}

export function alignedMtl(tasks: readonly string[]): AlignedMtlWeighting {
  return new AlignedMtlWeighting(tasks);
}
