// The host half of the transferability scores (src/transfer/spectral.ts): the symmetric eigendecomposition
// reconstructs its matrix and has orthonormal vectors, and the spectral forms of LogME and the H-scores agree
// with tools/gen_transfer_scores.py's direct NumPy formulas on the committed fixtures when fed float64 statistics
// (the GPU half, tests/gpu/transfer-scores.test.ts, checks the float32 statistics against the same values).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hScoreFromSpectrum, logMEFromSpectrum, spectrumFromCovariance, spectrumFromGram, symmetricEigen } from '../../src/transfer/spectral.ts';

interface Case {
  name: string; n: number; d: number; classes: number; features: number[]; labels: number[];
  logME: number; hScore: number; regularizedHScore: number; shrinkage: number;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/transfer-scores.json', import.meta.url), 'utf8')) as {
  cases: Case[]; regression: { n: number; d: number; features: number[]; targets: number[]; logME: number };
};

function matmulT(a: ArrayLike<number>, n: number, d: number, b: ArrayLike<number>, k: number): Float64Array {
  // aᵀ·b for a [n, d], b [n, k]
  const out = new Float64Array(d * k);
  for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) for (let c = 0; c < k; c++) out[p * k + c]! += a[i * d + p]! * b[i * k + c]!;
  return out;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('transfer spectral math (host, float64)', () => {
  it('symmetricEigen: A = V·diag(λ)·Vᵀ, VᵀV = I, λ ascending (a 40×40 random matrix, a diagonal one, 1×1)', () => {
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const n = 40;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rand();
    const { values, vectors } = symmetricEigen(a, n);
    let err = 0;
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        let o = 0;
        for (let p = 0; p < n; p++) {
          v += vectors[i * n + p]! * values[p]! * vectors[j * n + p]!;
          o += vectors[p * n + i]! * vectors[p * n + j]!;
        }
        err = Math.max(err, Math.abs(v - a[i * n + j]!));
        orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
      }
    }
    expect(err).toBeLessThan(1e-12);
    expect(orth).toBeLessThan(1e-12);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(Array.from(symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3).values)).toEqual([-1, 2, 3]);
    expect(Array.from(symmetricEigen([5], 1).values)).toEqual([5]);
  });

  it('LogME and the H-scores from float64 statistics match the NumPy reference (primal and dual paths, regression)', () => {
    for (const c of fx.cases) {
      const y = new Float64Array(c.n * c.classes);
      c.labels.forEach((l, i) => (y[i * c.classes + l] = 1));
      const counts = Array.from({ length: c.classes }, (_, k) => c.labels.filter((l) => l === k).length);
      const yy = Float64Array.from(counts);
      const ftf = matmulT(c.features, c.n, c.d, c.features, c.d);
      const primal = spectrumFromCovariance(ftf, matmulT(c.features, c.n, c.d, y, c.classes), yy, c.n, c.d, c.classes);
      const gram = new Float64Array(c.n * c.n);
      for (let i = 0; i < c.n; i++) {
        for (let j = 0; j < c.n; j++) for (let p = 0; p < c.d; p++) gram[i * c.n + j]! += c.features[i * c.d + p]! * c.features[j * c.d + p]!;
      }
      const dual = spectrumFromGram(gram, y, c.n, c.d, c.classes);
      expect(rel(logMEFromSpectrum(primal), c.logME)).toBeLessThan(1e-9);
      expect(rel(logMEFromSpectrum(dual), c.logME)).toBeLessThan(1e-9);
      // H-scores: centred features
      const mean = Array.from({ length: c.d }, (_, p) => c.labels.reduce((a, _l, i) => a + c.features[i * c.d + p]!, 0) / c.n);
      const x = Float64Array.from(c.features, (v, idx) => v - mean[idx % c.d]!);
      let norm4 = 0;
      for (let i = 0; i < c.n; i++) {
        let r = 0;
        for (let p = 0; p < c.d; p++) r += x[i * c.d + p]! ** 2;
        norm4 += r * r;
      }
      const sp = spectrumFromCovariance(matmulT(x, c.n, c.d, x, c.d), matmulT(x, c.n, c.d, y, c.classes), yy, c.n, c.d, c.classes);
      const h = hScoreFromSpectrum(sp, counts, norm4);
      expect(rel(h.hScore, c.hScore)).toBeLessThan(1e-6);
      expect(rel(h.regularized, c.regularizedHScore)).toBeLessThan(1e-6);
      expect(rel(h.shrinkage, c.shrinkage)).toBeLessThan(1e-6);
    }
    const r = fx.regression;
    const sp = spectrumFromCovariance(matmulT(r.features, r.n, r.d, r.features, r.d), matmulT(r.features, r.n, r.d, r.targets, 2),
      [0, 1].map((c) => r.targets.reduce((a, v, i) => a + (i % 2 === c ? v * v : 0), 0)), r.n, r.d, 2);
    expect(rel(logMEFromSpectrum(sp), r.logME)).toBeLessThan(1e-9);
  });
});
