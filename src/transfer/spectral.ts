// Host float64 math of the transferability scores (scores.ts gathers the statistics on the GPU; what is left is
// small: a symmetric eigendecomposition of an r×r matrix, r = min(N, D), and a fixed-point iteration).
//
// symmetricEigen: Householder reduction to a tridiagonal matrix with the transforms accumulated, then the
// implicit QL iteration with Wilkinson-style shifts (the classical tred2 / tql2 pair, Golub & Van Loan §8.3),
// written here in float64. A = V·diag(λ)·Vᵀ, eigenvectors in the columns of V (row-major), λ ascending.
//
// A "spectrum" of a feature matrix F [N, D] for targets Y [N, K] is what every score reads:
//   sigma[i]   the non-zero eigenvalues of FᵀF (= of FFᵀ): squared singular values s_i² of F;
//   proj[i,k]  u_iᵀ·y_k, the target columns in the left singular basis (u_i = F·v_i / s_i);
//   yy[k]      ‖y_k‖²;  N, D.
// Eigenvalues under EIGEN_RTOL · max are treated as zero (float32 statistics carry ~1e-7 relative noise).

/** Eigenvalues below this share of the largest are zero (the rank cut of the spectrum). */
export const EIGEN_RTOL = 1e-6;

/** Eigendecomposition of a symmetric n×n matrix (row-major, float64): ascending values, vectors in columns. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a as ArrayLike<number>);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  const at = (i: number, j: number): number => V[i * n + j]!;
  for (let j = 0; j < n; j++) d[j] = at(n - 1, j);
  // Householder: row i reduced, from the last row up.
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = at(i - 1, j);
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j * n + i] = f;
        g = e[j]! + at(j, j) * f;
        for (let k = j + 1; k < i; k++) {
          g += at(k, j) * d[k]!;
          e[k]! += at(k, j) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k < i; k++) V[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = at(i - 1, j);
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = at(i, i);
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = at(k, i + 1) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += at(k, i + 1) * at(k, j);
        for (let k = 0; k <= i; k++) V[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = at(n - 1, j);
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
  // Implicit QL on the tridiagonal (d, e).
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 200; iter++) {
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (let k = 0; k < n; k++) {
            const vk1 = V[k * n + i + 1]!;
            const vk = V[k * n + i]!;
            V[k * n + i + 1] = s * vk + c * vk1;
            V[k * n + i] = c * vk - s * vk1;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]!) > eps * tst1)) break;
      }
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // Ascending order.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vectors[r * n + c] = V[r * n + order[c]!]!;
  return { values, vectors };
}

/** The singular spectrum of F against targets Y (see the top of this file). */
export interface Spectrum {
  sigma: Float64Array;
  /** [sigma.length, K] row-major: u_iᵀ·y_k. */
  proj: Float64Array;
  yy: Float64Array;
  n: number;
  d: number;
  k: number;
}

/**
 * From the primal statistics: FᵀF [D, D], FᵀY [D, K] and ‖y_k‖² (float64 on the host).
 * u_iᵀy = v_iᵀFᵀy / s_i.
 */
export function spectrumFromCovariance(ftf: ArrayLike<number>, fty: ArrayLike<number>, yy: ArrayLike<number>, n: number, d: number, k: number): Spectrum {
  const { values, vectors } = symmetricEigen(ftf, d);
  const max = Math.max(0, ...values);
  const keep: number[] = [];
  for (let i = 0; i < d; i++) if (values[i]! > EIGEN_RTOL * max && max > 0) keep.push(i);
  const sigma = Float64Array.from(keep, (i) => values[i]!);
  const proj = new Float64Array(keep.length * k);
  keep.forEach((col, r) => {
    const s = Math.sqrt(values[col]!);
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += vectors[j * d + col]! * fty[j * k + c]!;
      proj[r * k + c] = v / s;
    }
  });
  return { sigma, proj, yy: Float64Array.from(yy), n, d, k };
}

/** From the dual statistics: the Gram matrix FFᵀ [N, N] and Y [N, K] (float64 on the host). u_i are its eigenvectors. */
export function spectrumFromGram(gram: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, k: number): Spectrum {
  const { values, vectors } = symmetricEigen(gram, n);
  const max = Math.max(0, ...values);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (values[i]! > EIGEN_RTOL * max && max > 0) keep.push(i);
  const sigma = Float64Array.from(keep, (i) => values[i]!);
  const proj = new Float64Array(keep.length * k);
  keep.forEach((col, r) => {
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += vectors[j * n + col]! * y[j * k + c]!;
      proj[r * k + c] = v;
    }
  });
  const yy = new Float64Array(k);
  for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) yy[c]! += y[j * k + c]! ** 2;
  return { sigma, proj, yy, n, d, k };
}

/** LogME's fixed point: iterations at most, and the relative change of α/β that stops it. */
export const LOGME_MAX_ITERATIONS = 1000;
export const LOGME_TOL = 1e-8;

/**
 * LogME (You et al. 2021, "LogME: Practical Assessment of Pre-trained Models for Transfer Learning", ICML):
 * for each target column y, the log marginal evidence of Bayesian linear regression y = F·m + ε, m ~ N(0, α⁻¹I),
 * ε ~ N(0, β⁻¹), maximised over α, β by the fixed point
 *   γ = Σ βσ_i/(α+βσ_i),  ‖m‖² = Σ β²σ_i x_i²/(α+βσ_i)²,  ‖Fm−y‖² = Σ α²x_i²/(α+βσ_i)² + (‖y‖² − Σ x_i²),
 *   α ← γ/‖m‖²,  β ← (N−γ)/‖Fm−y‖²     (x_i = u_iᵀy, σ_i = s_i²; from α = β = 1, until α/β changes < LOGME_TOL)
 * then  L/N = [ D/2·log α + N/2·log β − α/2·‖m‖² − β/2·‖Fm−y‖² − ½Σ_{i≤D} log(α+βσ_i) − N/2·log 2π ] / N
 * (the D − rank zero eigenvalues add log α each). The score is the mean of L/N over the columns.
 */
export function logMEFromSpectrum(sp: Spectrum): number {
  const { sigma, proj, yy, n, d, k } = sp;
  const r = sigma.length;
  let total = 0;
  for (let c = 0; c < k; c++) {
    const x2 = Float64Array.from({ length: r }, (_, i) => proj[i * k + c]! ** 2);
    const resX2 = Math.max(0, yy[c]! - x2.reduce((a, b) => a + b, 0));
    let alpha = 1;
    let beta = 1;
    let m2 = 0;
    let res2 = 0;
    const moments = (): number => {
      let gamma = 0;
      m2 = 0;
      res2 = resX2;
      for (let i = 0; i < r; i++) {
        const den = alpha + beta * sigma[i]!;
        gamma += (beta * sigma[i]!) / den;
        m2 += (beta * beta * sigma[i]! * x2[i]!) / (den * den);
        res2 += (alpha * alpha * x2[i]!) / (den * den);
      }
      m2 = Math.max(m2, 1e-300);
      res2 = Math.max(res2, 1e-300);
      return gamma;
    };
    for (let it = 0; it < LOGME_MAX_ITERATIONS; it++) {
      const gamma = moments();
      const ratio = alpha / beta;
      alpha = gamma / m2;
      beta = (n - gamma) / res2;
      if (Math.abs(alpha / beta - ratio) / ratio < LOGME_TOL) break;
    }
    moments();
    let logDet = (d - r) * Math.log(alpha);
    for (let i = 0; i < r; i++) logDet += Math.log(alpha + beta * sigma[i]!);
    const evidence = (d / 2) * Math.log(alpha) + (n / 2) * Math.log(beta) - (alpha / 2) * m2 - (beta / 2) * res2 - logDet / 2 - (n / 2) * Math.log(2 * Math.PI);
    total += evidence / n;
  }
  return total / k;
}

/**
 * H-score (Bao et al. 2019, "An Information-Theoretic Approach to Transferability in Task Transfer Learning",
 * ICIP) on centred features with one-hot targets: H = tr(cov(f)⁺ · cov(E[f|y])), both covariances with 1/N.
 * With cov(E[f|y]) = X̃ᵀPX̃/N (P averages within each class) this is Σ_i ‖P u_i‖² = Σ_i Σ_k x_ik²/n_k.
 * Regularized (Ibrahim et al. 2022, "Newer is not always better: rethinking transferability metrics", ICLR):
 * cov(f) shrunk by Ledoit–Wolf, Σ_α = (1−α)S + α·tr(S)/D·I, and H_α = tr(Σ_α⁻¹ · (1−α)·cov(E[f|y])):
 *   H_α = Σ_i (1−α)(σ_i/N)·‖P u_i‖² / ((1−α)σ_i/N + α·tr(S)/D)
 * with α from the Ledoit–Wolf formula (sklearn's ledoit_wolf_shrinkage): μ = tr S/D, δ' = ‖S‖_F²,
 * β' = Σ_i ‖x̃_i‖⁴, β = (β'/N − δ')/(D·N), δ = (δ' − 2μ·tr S + Dμ²)/D, α = min(β, δ)/δ.
 * (tllib's np.cov uses 1/(N−1) for cov(E[f|y]): its values are N/(N−1) times these.)
 */
export function hScoreFromSpectrum(sp: Spectrum, counts: ArrayLike<number>, rowNorm4?: number): { hScore: number; regularized: number; shrinkage: number } {
  const { sigma, proj, n, d, k } = sp;
  const pu = Float64Array.from({ length: sigma.length }, (_, i) => {
    let v = 0;
    for (let c = 0; c < k; c++) if (counts[c]! > 0) v += proj[i * k + c]! ** 2 / counts[c]!;
    return v;
  });
  const hScore = pu.reduce((a, b) => a + b, 0);
  if (rowNorm4 === undefined) return { hScore, regularized: NaN, shrinkage: NaN };
  const trS = sigma.reduce((a, b) => a + b, 0) / n;
  const frob = sigma.reduce((a, b) => a + (b / n) ** 2, 0);
  const mu = trS / d;
  let beta = (rowNorm4 / n - frob) / (d * n);
  const delta = (frob - 2 * mu * trS + d * mu * mu) / d;
  beta = Math.min(beta, delta);
  const alpha = beta === 0 ? 0 : beta / delta;
  let regularized = 0;
  for (let i = 0; i < sigma.length; i++) {
    const s = (1 - alpha) * (sigma[i]! / n);
    regularized += (s * pu[i]!) / (s + alpha * mu);
  }
  return { hScore, regularized, shrinkage: alpha };
}
