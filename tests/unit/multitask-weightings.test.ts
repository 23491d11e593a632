// The host math of the gradient and loss weightings (src/multitask/weightings): each method's combined
// gradient on fixture task gradients against the NumPy/SciPy/PyTorch reference of
// tests/fixtures/gen_multitask_fixtures.py (written from the papers, on the gradients, with other solvers;
// rel err ≤ 1e-4), and properties that hold whatever the reading of the paper: CAGrad with c = 0 is the mean
// gradient; UPGrad's result has a non-negative inner product with every task gradient; IMTL-G's result
// projects equally onto the unit task gradients; Nash-MTL's α solves (GᵀG)α = 1/α. The same functions run
// inside the weightings on the Gram matrix read back from the GPU (tests/gpu/multitask-weightings.test.ts).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cagradCoefficients } from '../../src/multitask/weightings/cagrad.ts';
import { imtlGWeights } from '../../src/multitask/weightings/imtl.ts';
import { nashMtlWeights } from '../../src/multitask/weightings/nash-mtl.ts';
import { alignedMtlCoefficients } from '../../src/multitask/weightings/aligned-mtl.ts';
import { upgradCoefficients } from '../../src/multitask/weightings/upgrad.ts';
import { famoUpdate, famoWeights, type FamoState } from '../../src/multitask/weightings/famo.ts';
import { rlwWeights } from '../../src/multitask/weightings/rlw.ts';
import { gradVacCoefficients } from '../../src/multitask/weightings/gradvac.ts';
import { gradDropCombine } from '../../src/multitask/weightings/graddrop.ts';
import { SeededRandom } from '../../src/multitask/weightings/random.ts';
import { boxQp, projectSimplex, symmetricEigen } from '../../src/multitask/weightings/solvers.ts';
import { REPO_ROOT } from '../harness/doc-blocks.ts';

type Vec = number[];
interface Case {
  name: string; G: Vec[]; cagrad: Record<string, Vec>; upgrad: Vec; imtlG: { combined: Vec; alpha: Vec };
  nashMtl: { combined: Vec; alpha: Vec }; alignedMtl: Vec; gradDrop: { U: Vec; combined: Vec }; gradVac: { seed: number; steps: number; combined: Vec[] };
}
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tests/fixtures/multitask/weightings.json'), 'utf8')) as {
  cases: Case[]; famo: { losses: Vec[]; lr: number; gamma: number; weights: Vec[] }; rlw: { seed: number; T: number; weights: Vec[] };
};

const dot = (a: Vec, b: Vec) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const gram = (G: Vec[]) => G.map((a) => G.map((b) => dot(a, b)));
const combine = (c: Vec, G: Vec[]) => G[0]!.map((_, k) => G.reduce((s, g, t) => s + c[t]! * g[k]!, 0));
const norm = (a: Vec) => Math.sqrt(dot(a, a));
/** ‖got − want‖∞ / ‖want‖∞ ≤ tol. */
function expectRel(got: Vec, want: Vec, tol = 1e-4, what = ''): void {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs), 1e-12);
  const err = Math.max(...got.map((x, i) => Math.abs(x - want[i]!))) / scale;
  expect(err, `${what}: rel err ${err}\n got  ${got.join(', ')}\n want ${want.join(', ')}`).toBeLessThanOrEqual(tol);
}

describe('multitask weightings: host math against the NumPy/SciPy/PyTorch reference', () => {
  for (const cs of fixture.cases) {
    const M = gram(cs.G);
    it(`${cs.name}: CAGrad (c = 0, 0.4, 0.8), UPGrad, IMTL-G, Nash-MTL, Aligned-MTL, GradVac, GradDrop`, () => {
      for (const c of ['0', '0.4', '0.8']) expectRel(combine(cagradCoefficients(M, Number(c)), cs.G), cs.cagrad[c]!, 1e-4, `cagrad c=${c}`);
      expectRel(combine(upgradCoefficients(M), cs.G), cs.upgrad, 1e-4, 'upgrad');
      expectRel(imtlGWeights(M), cs.imtlG.alpha, 1e-4, 'imtl-g alpha');
      expectRel(combine(imtlGWeights(M), cs.G), cs.imtlG.combined, 1e-4, 'imtl-g');
      expectRel(nashMtlWeights(M), cs.nashMtl.alpha, 1e-4, 'nash-mtl alpha');
      expectRel(combine(alignedMtlCoefficients(M), cs.G), cs.alignedMtl, 1e-4, 'aligned-mtl');
      expectRel(gradDropCombine(cs.G, cs.gradDrop.U), cs.gradDrop.combined, 1e-12, 'graddrop');
      const rand = new SeededRandom(cs.gradVac.seed);
      const T = cs.G.length;
      const phiHat = cs.G.map(() => new Array<number>(T).fill(0));
      for (let s = 0; s < cs.gradVac.steps; s++) {
        const Gs = cs.G.map((g) => g.map((x) => x * (1 + 0.5 * s)));
        expectRel(combine(gradVacCoefficients(gram(Gs), phiHat, rand), Gs), cs.gradVac.combined[s]!, 1e-4, `gradvac step ${s}`);
      }
    });
  }

  it('FAMO: the loss weights over a loss sequence (logits trained by Adam with weight decay, as torch.optim.Adam)', () => {
    const f = fixture.famo;
    const T = f.losses[0]!.length;
    const state: FamoState = { xi: new Array(T).fill(0), m: new Array(T).fill(0), v: new Array(T).fill(0), steps: 0 };
    f.losses.forEach((L, s) => {
      if (s > 0) famoUpdate(state, f.losses[s - 1]!, L, f.lr, f.gamma);
      expectRel(famoWeights(state.xi, L), f.weights[s]!, 1e-6, `famo step ${s}`);
    });
    expect(state.xi.some((x) => Math.abs(x) > 1e-3)).toBe(true);
  });

  it('RLW: T·softmax of seeded normals, the same draws as the ported generator', () => {
    const rand = new SeededRandom(fixture.rlw.seed);
    for (const want of fixture.rlw.weights) expectRel(rlwWeights(rand, fixture.rlw.T), want, 1e-9, 'rlw');
  });
});

describe('multitask weightings: properties', () => {
  const rng = new SeededRandom(99);
  const randomG = (T: number, D: number) => Array.from({ length: T }, () => Array.from({ length: D }, () => rng.normal()));
  const samples = Array.from({ length: 20 }, (_, k) => {
    const G = randomG(2 + (k % 4), 3 + (k % 7));
    if (k % 2) G[1] = G[1]!.map((x, i) => x - 1.5 * G[0]![i]!); // strong conflicts in half of them
    return G;
  });

  it('CAGrad with c = 0 is the mean gradient', () => {
    for (const G of samples) expectRel(cagradCoefficients(gram(G), 0), G.map(() => 1 / G.length), 1e-12, 'cagrad c=0');
  });

  it('UPGrad: the result has a non-negative inner product with every task gradient', () => {
    for (const G of samples) {
      const d = combine(upgradCoefficients(gram(G)), G);
      for (const g of G) expect(dot(d, g)).toBeGreaterThanOrEqual(-1e-9 * Math.max(...G.map((h) => dot(h, h))));
    }
  });

  it('IMTL-G: the result projects equally onto the unit task gradients, and Σα = 1', () => {
    for (const G of samples) {
      const a = imtlGWeights(gram(G));
      const d = combine(a, G);
      const proj = G.map((g) => dot(d, g) / norm(g));
      for (const p of proj) expect(Math.abs(p - proj[0]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(proj[0]!)));
      expect(a.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('Nash-MTL: (GᵀG)α = 1/α with α > 0', () => {
    for (const G of samples.filter((g) => g.length <= g[0]!.length)) {
      const M = gram(G);
      const a = nashMtlWeights(M);
      expect(a.every((x) => x > 0)).toBe(true);
      const Ma = M.map((row) => dot(row, a));
      Ma.forEach((x, i) => expect(Math.abs(x * a[i]! - 1)).toBeLessThanOrEqual(1e-6));
    }
  });

  it('Aligned-MTL: equal-norm orthogonal gradients give equal weighting; the aligned gradients have equal singular values', () => {
    const I = [[4, 0, 0], [0, 4, 0], [0, 0, 4]];
    expectRel(alignedMtlCoefficients(I), [1, 1, 1], 1e-12, 'orthogonal');
    const M = gram(samples[3]!);
    const { values, vectors } = symmetricEigen(M);
    // V·diag·Vᵀ reconstructs M.
    M.forEach((row, i) => row.forEach((x, j) => expect(values.reduce((s, l, k) => s + l * vectors[i]![k]! * vectors[j]![k]!, 0)).toBeCloseTo(x, 9)));
  });

  it('solvers: simplex projection, box QP KKT conditions', () => {
    expectRel(projectSimplex([0.5, 0.5, 0.5]), [1 / 3, 1 / 3, 1 / 3], 1e-12, 'simplex');
    expectRel(projectSimplex([2, 0, -1]), [1, 0, 0], 1e-12, 'simplex corner');
    const M = gram(samples[5]!);
    const lower = M.map((_, i) => (i === 0 ? 1 : 0));
    const v = boxQp(M, lower);
    const Mv = M.map((row) => dot(row, v));
    v.forEach((x, i) => {
      expect(x).toBeGreaterThanOrEqual(lower[i]!);
      expect(Mv[i]!).toBeGreaterThanOrEqual(-1e-9);
      if (x > lower[i]! + 1e-9) expect(Math.abs(Mv[i]!)).toBeLessThan(1e-9);
    });
  });
});
