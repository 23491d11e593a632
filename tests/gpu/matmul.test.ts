// Matmul kernels: every registered version against a float64 CPU reference (and so against v1, the naive
// reference kernel), over sizes that are not tile multiples, all four transpose combinations, broadcast
// batches and the bias/activation epilogue; then matmul and linear autograd against finite differences and
// the PyTorch fixtures. Sizes stay small: this runs on SwiftShader.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomArray } from '../harness/cpu.ts';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

// ------------------------------------------------------------------ CPU reference

type Act = 'none' | 'relu' | 'gelu';

interface Problem {
  M: number;
  N: number;
  K: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Batch count of A / B: 1 broadcasts (default: batch). */
  aBatch?: number;
  bBatch?: number;
  bias?: 'n' | 'm';
  act?: Act;
}

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
function erf(x: number): number {
  const s = Math.sign(x);
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return s * y;
}
const gelu = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
const activate = (v: number, act: Act): number => (act === 'relu' ? Math.max(v, 0) : act === 'gelu' ? gelu(v) : v);

function shapes(p: Problem) {
  const batch = p.batch ?? 1;
  const aB = p.aBatch ?? batch;
  const bB = p.bBatch ?? batch;
  return {
    batch,
    a: [aB, ...(p.transA ? [p.K, p.M] : [p.M, p.K])],
    b: [bB, ...(p.transB ? [p.N, p.K] : [p.K, p.N])],
    biasLen: p.bias === 'm' ? p.M : p.N,
  };
}

function cpuProblem(p: Problem, a: ArrayLike<number>, b: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
  const { M, N, K } = p;
  const s = shapes(p);
  const out = new Float64Array(s.batch * M * N);
  for (let z = 0; z < s.batch; z++) {
    const a0 = s.a[0] === 1 ? 0 : z * M * K;
    const b0 = s.b[0] === 1 ? 0 : z * K * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = p.transA ? a[a0 + k * M + m]! : a[a0 + m * K + k]!;
          const bv = p.transB ? b[b0 + n * K + k]! : b[b0 + k * N + n]!;
          acc += av * bv;
        }
        if (bias) acc += p.bias === 'm' ? bias[m]! : bias[n]!;
        out[(z * M + m) * N + n] = activate(acc, p.act ?? 'none');
      }
    }
  }
  return out;
}

const SEED_A = 11;
const SEED_B = 23;
const SEED_BIAS = 37;

function reference(p: Problem): Float64Array {
  const s = shapes(p);
  const a = randomArray(s.a.reduce((x, y) => x * y, 1), SEED_A);
  const b = randomArray(s.b.reduce((x, y) => x * y, 1), SEED_B);
  const bias = p.bias ? randomArray(s.biasLen, SEED_BIAS) : null;
  return cpuProblem(p, a, b, bias);
}

function label(p: Problem): string {
  const t = `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}`;
  const batch = p.batch ? ` batch ${p.aBatch ?? p.batch}·${p.bBatch ?? p.batch}→${p.batch}` : '';
  const epi = p.bias || p.act ? ` +${p.bias ? `bias(${p.bias})` : ''}${p.act && p.act !== 'none' ? ` ${p.act}` : ''}` : '';
  return `${p.M}×${p.K}×${p.N} ${t}${batch}${epi}`;
}

// M × K × N (the product is M×K · K×N).
const SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [17, 13, 9],
  [31, 7, 29],
  [65, 33, 70],
  [200, 3, 5], // tall, short K
  [3, 150, 2], // long K, tiny output
  [1, 64, 130], // one row
  [130, 17, 1], // one column
  [129, 40, 131], // just past the 128 tile of v3
];

const PROBLEMS: Problem[] = [
  ...SIZES.map(([M, K, N]) => ({ M, K, N })),
  // All four transpose combinations on two awkward sizes.
  ...[[17, 13, 9], [65, 33, 70]].flatMap(([M, K, N]) =>
    [
      [false, true],
      [true, false],
      [true, true],
    ].map(([transA, transB]) => ({ M: M!, K: K!, N: N!, transA, transB })),
  ),
  // Batches, with either operand broadcast.
  { M: 9, K: 5, N: 7, batch: 3 },
  { M: 9, K: 5, N: 7, batch: 3, aBatch: 1 },
  { M: 33, K: 20, N: 65, batch: 2, bBatch: 1, transB: true },
  { M: 20, K: 70, N: 10, batch: 4, aBatch: 1, transA: true },
  // Epilogues.
  { M: 65, K: 33, N: 70, bias: 'n', act: 'relu' },
  { M: 65, K: 33, N: 70, bias: 'n', act: 'gelu' },
  { M: 31, K: 7, N: 29, bias: 'm' },
  { M: 17, K: 13, N: 9, act: 'gelu', transA: true },
  { M: 9, K: 5, N: 7, batch: 2, bBatch: 1, bias: 'n', act: 'relu', transB: true },
];

// v7 reads A's and B's rows as vec4 words: every contiguous dim (K, or M for Aᵀ; N, or K for Bᵀ) a multiple of
// 4, the other sides not, so rows and columns past the tiles are clamped; all transposes, K % 4 steps (Aᵀ · B),
// M under and over 64 (4 and 8 rows per thread by default), batches with either operand broadcast, epilogues.
const WORD_PROBLEMS: Problem[] = [
  { M: 20, K: 12, N: 28 },
  { M: 68, K: 36, N: 72 },
  { M: 129, K: 40, N: 132 },
  { M: 9, K: 8, N: 4 },
  { M: 68, K: 36, N: 72, transB: true },
  { M: 68, K: 37, N: 72, transA: true },
  { M: 20, K: 13, N: 28, transA: true },
  { M: 68, K: 36, N: 72, transA: true, transB: true },
  { M: 12, K: 20, N: 8, batch: 3, aBatch: 1 },
  { M: 36, K: 20, N: 68, batch: 2, bBatch: 1, transB: true },
  { M: 20, K: 72, N: 12, batch: 4, aBatch: 1, transA: true },
  { M: 68, K: 36, N: 72, bias: 'n', act: 'gelu' },
  { M: 31, K: 8, N: 28, bias: 'm', act: 'relu' },
  { M: 2, K: 400, N: 12, transB: true, bias: 'n' }, // a Linear at batch 2 (a side under 8, K split)
  { M: 1, K: 36, N: 8 },
];

// Accumulation order differs from the float64 reference: tolerance grows with K.
const TOL = { atol: 1e-4, rtol: 1e-4 };

describe('matmul kernels', () => {
  const gpu = useGpuPage();
  let versions: string[] = [];

  beforeAll(async () => {
    versions = await gpu.run(async (E) => {
      await E.init();
      return [...E.extend.kernelVersions.get('matmul').versionNames];
    });
  });

  it('registers v1 (naive) first and names an existing default', async () => {
    const info = await gpu.run(async (E) => {
      const m = E.extend.kernelVersions.get('matmul');
      return { keys: [...m.versionNames], def: m.default, forced: m.forced };
    });
    expect(info.keys[0]).toBe('v1');
    expect(info.keys).toContain(info.def);
    expect(info.keys.length).toBeGreaterThanOrEqual(3);
    expect(info.forced).toBeNull();
  });

  for (const version of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6']) { // v7: WORD_PROBLEMS below
    it(`${version} matches the CPU reference on every problem`, async () => {
      expect(versions).toContain(version);
      const results = await gpu.run(
        async (E, H, v, problems) => {
          E.extend.kernelVersions.force('matmul', v);
          try {
            const out: number[][] = [];
            for (const p of problems) {
              const batch = p.batch ?? 1;
              const aB = p.aBatch ?? batch;
              const bB = p.bBatch ?? batch;
              const aShape = [aB, ...(p.transA ? [p.K, p.M] : [p.M, p.K])];
              const bShape = [bB, ...(p.transB ? [p.N, p.K] : [p.K, p.N])];
              const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
              const a = E.tensor(H.randomArray(size(aShape), 11), aShape);
              const b = E.tensor(H.randomArray(size(bShape), 23), bShape);
              const bias = p.bias ? E.tensor(H.randomArray(p.bias === 'm' ? p.M : p.N, 37)) : null;
              const c = E.bmm(a, b, !!p.transA, !!p.transB, { bias, biasAlong: p.bias ?? 'n', activation: p.act ?? 'none' });
              out.push(Array.from(await c.data()));
              for (const t of [a, b, bias, c]) t?.dispose();
            }
            return out;
          } finally {
            E.extend.kernelVersions.reset();
          }
        },
        version,
        PROBLEMS,
      );
      PROBLEMS.forEach((p, i) => {
        try {
          expectAllClose(results[i]!, reference(p), { ...TOL, shape: [p.batch ?? 1, p.M, p.N] });
        } catch (e) {
          throw new Error(`${version} ${label(p)}: ${(e as Error).message}`);
        }
      });
    });
  }

  it('every version agrees with v1 bit-for-bit-close on a mid-size product', async () => {
    const out = await gpu.run(async (E, H) => {
      const a = E.tensor(H.randomArray(100 * 92, 1), [1, 100, 92]); // K = 92: v7 reads whole words
      const b = E.tensor(H.randomArray(92 * 140, 2), [1, 92, 140]);
      const res: Record<string, number[]> = {};
      for (const v of E.extend.kernelVersions.get('matmul').versionNames) {
        E.extend.kernelVersions.force('matmul', v);
        const c = E.bmm(a, b, false, false);
        res[v] = Array.from(await c.data());
        c.dispose();
      }
      E.extend.kernelVersions.reset();
      a.dispose();
      b.dispose();
      return res;
    });
    for (const [v, data] of Object.entries(out)) {
      if (v === 'v1') continue;
      expectAllClose(data, out.v1!, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('the CPU size rule picks v1 for tiny products and the barrier-free v7 / v6 for the rest, thin ones included', async () => {
    const picks = await gpu.run(async (E) => [
      E.extend.chooseMatmulVersion({ M: 4, N: 4, K: 4, batch: 1 }, 'cpu'),
      E.extend.chooseMatmulVersion({ M: 1, N: 512, K: 512, batch: 1 }, 'cpu'),
      E.extend.chooseMatmulVersion({ M: 256, N: 256, K: 256, batch: 1 }, 'cpu'),
      E.extend.chooseMatmulVersion({ M: 2048, N: 2048, K: 2048, batch: 1 }, 'cpu'),
      E.extend.chooseMatmulVersion({ M: 16, N: 128, K: 3136, batch: 1, transB: true }, 'cpu'),
      E.extend.chooseMatmulVersion({ M: 300, N: 201, K: 700, batch: 1 }, 'cpu'), // N not a multiple of 4
      E.extend.chooseMatmulVersion({ M: 301, N: 200, K: 700, batch: 1, transA: true }, 'cpu'), // Aᵀ's row M = 301
      E.extend.chooseMatmulVersion({ M: 4, N: 128, K: 3136, batch: 1, transB: true }, 'cpu'), // Linear at batch 4
      E.extend.chooseMatmulVersion({ M: 4096, N: 2, K: 63, batch: 1 }, 'cpu'),
    ]);
    expect(picks).toEqual(['v1', 'v7', 'v7', 'v7', 'v7', 'v6', 'v6', 'v7', 'v6']);
  });

  it('v7 (vec4 words, 4 or 8 rows per thread, split K) matches the CPU reference on products whose rows are whole words', async () => {
    const settings = [{}, { regRows: 4, splits: 3 }, { regRows: 8, splits: 3 }];
    const results = await gpu.run(
      async (E, H, ps, knobs) => {
        const out: number[][][] = [];
        for (const knob of knobs) {
          out.push(await E.extend.kernelVersions.using({ matmul: 'v7' }, async () => {
            E.extend.kernelVersions.tune('matmul', knob);
            const res: number[][] = [];
            for (const p of ps) {
              const batch = p.batch ?? 1;
              const aShape = [p.aBatch ?? batch, ...(p.transA ? [p.K, p.M] : [p.M, p.K])];
              const bShape = [p.bBatch ?? batch, ...(p.transB ? [p.N, p.K] : [p.K, p.N])];
              const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
              const a = E.tensor(H.randomArray(size(aShape), 11), aShape);
              const b = E.tensor(H.randomArray(size(bShape), 23), bShape);
              const bias = p.bias ? E.tensor(H.randomArray(p.bias === 'm' ? p.M : p.N, 37)) : null;
              const c = E.bmm(a, b, !!p.transA, !!p.transB, { bias, biasAlong: p.bias ?? 'n', activation: p.act ?? 'none' });
              res.push(Array.from(await c.data()));
              for (const t of [a, b, bias, c]) t?.dispose();
            }
            return res;
          }));
        }
        return out;
      },
      WORD_PROBLEMS,
      settings,
    );
    settings.forEach((knob, k) => {
      WORD_PROBLEMS.forEach((p, i) => {
        try {
          expectAllClose(results[k]![i]!, reference(p), { ...TOL, shape: [p.batch ?? 1, p.M, p.N] });
        } catch (e) {
          throw new Error(`v7 ${JSON.stringify(knob)} ${label(p)}: ${(e as Error).message}`);
        }
      });
    });
  });

  it('v7 forced on a product whose row is not a whole number of words throws before any GPU work, naming the dim', async () => {
    await expect(
      gpu.run(async (E, H) =>
        H.noLeak(E, () => {
          const a = E.tensor(H.randomArray(17 * 13, 1), [1, 17, 13]);
          const b = E.tensor(H.randomArray(13 * 8, 2), [1, 13, 8]);
          try {
            E.extend.kernelVersions.using({ matmul: 'v7' }, () => E.bmm(a, b, false, false).dispose());
          } finally {
            a.dispose();
            b.dispose();
          }
        })),
    ).rejects.toThrow(/matmul v7 \(forced\): reads A and B as vec4 words: needs A's row \(K = 13\)/);
  });

  it('on the GPU rules: v5 for a row, v3 for many large tiles, v4 (split K) for few tiles and a long K', async () => {
    const picks = await gpu.run(async (E) => [
      E.extend.chooseMatmulVersion({ M: 1, N: 1000, K: 512, batch: 1 }, 'gpu'),
      E.extend.chooseMatmulVersion({ M: 4096, N: 4096, K: 4096, batch: 1 }, 'gpu'),
      E.extend.chooseMatmulVersion({ M: 512, N: 49, K: 4608, batch: 1 }, 'gpu'),
    ]);
    expect(picks).toEqual(['v5', 'v3', 'v4']);
  });

  it('v4, v5 and v6 split K into ranges (forced splits) and match the CPU reference, epilogues, transposes and batches included', async () => {
    const problems: Problem[] = [
      { M: 33, K: 150, N: 70, bias: 'n', act: 'gelu' },
      { M: 1, K: 700, N: 130, transB: true, bias: 'n', act: 'relu' },
      { M: 3, K: 300, N: 65, transA: true, bias: 'm' },
      { M: 20, K: 90, N: 10, batch: 3, aBatch: 1, transB: true },
      { M: 2, K: 50, N: 7, batch: 2, bBatch: 1 },
      { M: 37, K: 313, N: 9, transB: true, bias: 'n', act: 'relu' },
      { M: 32, K: 41, N: 64, transA: true, bias: 'm' }, // v6's tiles cover it exactly: no clamps
    ];
    for (const version of ['v4', 'v5', 'v6']) {
      const results = await gpu.run(
        async (E, H, v, ps) => {
          return E.extend.kernelVersions.using({ matmul: v }, async () => {
            E.extend.kernelVersions.tune('matmul', { splits: 3 });
            const out: number[][] = [];
            for (const p of ps) {
              const batch = p.batch ?? 1;
              const aShape = [p.aBatch ?? batch, ...(p.transA ? [p.K, p.M] : [p.M, p.K])];
              const bShape = [p.bBatch ?? batch, ...(p.transB ? [p.N, p.K] : [p.K, p.N])];
              const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
              const a = E.tensor(H.randomArray(size(aShape), 11), aShape);
              const b = E.tensor(H.randomArray(size(bShape), 23), bShape);
              const bias = p.bias ? E.tensor(H.randomArray(p.bias === 'm' ? p.M : p.N, 37)) : null;
              const c = E.bmm(a, b, !!p.transA, !!p.transB, { bias, biasAlong: p.bias ?? 'n', activation: p.act ?? 'none' });
              out.push(Array.from(await c.data()));
              for (const t of [a, b, bias, c]) t?.dispose();
            }
            return out;
          });
        },
        version,
        problems,
      );
      problems.forEach((p, i) => expectAllClose(results[i]!, reference(p), { ...TOL, shape: [p.batch ?? 1, p.M, p.N] }));
    }
  });

  it('force() rejects an unknown version or family, naming what is registered', async () => {
    await expect(gpu.run(async (E, H) => H.noLeak(E, () => E.extend.kernelVersions.force('matmul', 'v9')))).rejects.toThrow(
      /matmul: no kernel version "v9"; registered: v1, v2, v3/,
    );
    await expect(gpu.run(async (E, H) => H.noLeak(E, () => E.extend.kernelVersions.force('matmull', 'v1')))).rejects.toThrow(
      /no kernel family or pass "matmull"; registered: ([\w.]+, )*matmul, /,
    );
  });

  it('splits batches beyond the 65535 workgroup limit', async () => {
    const out = await gpu.run(async (E) => {
      const batch = 65537;
      const a = E.full([batch, 1, 1], 2);
      const b = E.arange(batch).reshape([batch, 1, 1]);
      const c = E.bmm(a, b, false, false);
      const d = await c.data();
      const r = [d[0]!, d[65534]!, d[65535]!, d[65536]!];
      for (const t of [a, b, c]) t.dispose();
      return r;
    });
    expect(out).toEqual([0, 65534 * 2, 65535 * 2, 65536 * 2]);
  });
});

// ------------------------------------------------------------------ autograd

/** Central finite differences of Σ f(inputs)·g in float64. */
function finiteDiff(f: (inputs: Float64Array[]) => Float64Array, inputs: Float64Array[], g: ArrayLike<number>, h = 1e-6): Float64Array[] {
  const loss = (xs: Float64Array[]) => f(xs).reduce((s, v, i) => s + v * g[i]!, 0);
  return inputs.map((x, which) => {
    const grad = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const orig = x[i]!;
      const xs = inputs.map((t) => Float64Array.from(t));
      xs[which]![i] = orig + h;
      const up = loss(xs);
      xs[which]![i] = orig - h;
      grad[i] = (up - loss(xs)) / (2 * h);
    }
    return grad;
  });
}

/** y = act(x · Wᵀ + b) on [M, in] inputs. */
function cpuLinear(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, M: number, inF: number, outF: number, act: Act): Float64Array {
  const out = new Float64Array(M * outF);
  for (let m = 0; m < M; m++) {
    for (let o = 0; o < outF; o++) {
      let acc = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) acc += x[m * inF + i]! * w[o * inF + i]!;
      out[m * outF + o] = activate(acc, act);
    }
  }
  return out;
}

interface TorchT {
  shape: number[];
  data: number[];
}

const ops = JSON.parse(readFileSync(new URL('../fixtures/torch/ops.json', import.meta.url), 'utf8')) as {
  cases: Array<{ name: string; op: string; inputs: TorchT[]; output: TorchT; g: TorchT; grads: Array<TorchT | null> }>;
};
const layers = JSON.parse(readFileSync(new URL('../fixtures/torch/layers.json', import.meta.url), 'utf8')) as {
  cases: Array<{ name: string; module: string; params: Record<string, TorchT>; input: TorchT; g: TorchT; output: TorchT; grads: Record<string, TorchT> }>;
};

describe('matmul and linear autograd', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  const matmulCases = ops.cases.filter((c) => c.op === 'matmul');
  it('has the PyTorch matmul fixtures', () => {
    expect(matmulCases.length).toBeGreaterThanOrEqual(5);
  });

  for (const version of ['auto', 'v2', 'v3']) {
    it(`matmul forward and backward match PyTorch (${version})`, async () => {
      const results = await gpu.run(
        async (E, _H, v, cases) => {
          E.extend.kernelVersions.force('matmul', v === 'auto' ? null : v);
          try {
            const out = [];
            for (const c of cases) {
              const a = E.tensor(c.inputs[0]!.data, c.inputs[0]!.shape, { requiresGrad: true });
              const b = E.tensor(c.inputs[1]!.data, c.inputs[1]!.shape, { requiresGrad: true });
              const y = E.matmul(a, b);
              y.backward(E.tensor(c.g.data, c.g.shape));
              out.push({ shape: y.shape, y: Array.from(await y.data()), ga: Array.from(await a.grad!.data()), gb: Array.from(await b.grad!.data()) });
              for (const t of [a, b, y]) t.dispose();
            }
            return out;
          } finally {
            E.extend.kernelVersions.reset();
          }
        },
        version,
        matmulCases,
      );
      matmulCases.forEach((c, i) => {
        const r = results[i]!;
        expect(r.shape, c.name).toEqual(c.output.shape);
        expectAllClose(r.y, c.output.data, { atol: 1e-5, rtol: 1e-4 });
        expectAllClose(r.ga, c.grads[0]!.data, { atol: 1e-5, rtol: 1e-4 });
        expectAllClose(r.gb, c.grads[1]!.data, { atol: 1e-5, rtol: 1e-4 });
      });
    });
  }

  it('matmul backward with transposed-free kernels matches finite differences (batched broadcast, v2)', async () => {
    // [2,3,13,9] @ [9,11]: B is broadcast over 6 batches, so dB sums over them.
    const aShape = [2, 3, 13, 9];
    const bShape = [9, 11];
    const a = randomArray(2 * 3 * 13 * 9, 5);
    const b = randomArray(9 * 11, 6);
    const g = randomArray(2 * 3 * 13 * 11, 7);
    const r = await gpu.run(
      async (E, H, aShape, bShape) => {
        E.extend.kernelVersions.force('matmul', 'v2');
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const A = E.tensor(H.randomArray(size(aShape), 5), aShape, { requiresGrad: true });
        const B = E.tensor(H.randomArray(size(bShape), 6), bShape, { requiresGrad: true });
        const y = E.matmul(A, B);
        y.backward(E.tensor(H.randomArray(y.size, 7), y.shape));
        const out = { ga: Array.from(await A.grad!.data()), gb: Array.from(await B.grad!.data()) };
        E.extend.kernelVersions.reset();
        for (const t of [A, B, y]) t.dispose();
        return out;
      },
      aShape,
      bShape,
    );
    const f = ([x, w]: Float64Array[]) => {
      const out = new Float64Array(6 * 13 * 11);
      for (let z = 0; z < 6; z++) {
        const block = cpuProblem({ M: 13, K: 9, N: 11 }, x!.subarray(z * 117, (z + 1) * 117), w!, null);
        out.set(block, z * 143);
      }
      return out;
    };
    const [ga, gb] = finiteDiff(f, [Float64Array.from(a), Float64Array.from(b)], g);
    expectAllClose(r.ga, ga!, { atol: 1e-4, rtol: 1e-4 });
    expectAllClose(r.gb, gb!, { atol: 1e-4, rtol: 1e-4 });
  });

  for (const act of ['none', 'relu', 'gelu'] as const) {
    it(`linear${act === 'none' ? '' : ` + ${act}`} forward and backward match finite differences`, async () => {
      const [M, inF, outF] = [6, 10, 7];
      const x = randomArray(M * inF, 1);
      const w = randomArray(outF * inF, 2);
      const b = randomArray(outF, 3);
      const g = randomArray(M * outF, 4);
      const r = await gpu.run(
        async (E, H, dims, act) => {
          const [M, inF, outF] = dims as [number, number, number];
          const X = E.tensor(H.randomArray(M * inF, 1), [2, M / 2, inF], { requiresGrad: true });
          const W = E.tensor(H.randomArray(outF * inF, 2), [outF, inF], { requiresGrad: true });
          const B = E.tensor(H.randomArray(outF, 3), [outF], { requiresGrad: true });
          const kernels = await E.extend.traceKernels(() => {
            const y = E.internal.linearAct(X, W, B, act as 'none');
            y.backward(E.tensor(H.randomArray(M * outF, 4), y.shape));
            (globalThis as { __y?: unknown }).__y = y;
          });
          const y = (globalThis as { __y?: InstanceType<typeof E.Tensor> }).__y!;
          const out = {
            shape: y.shape,
            y: Array.from(await y.data()),
            gx: Array.from(await X.grad!.data()),
            gw: Array.from(await W.grad!.data()),
            gb: Array.from(await B.grad!.data()),
            kernels,
          };
          for (const t of [X, W, B, y]) t.dispose();
          return out;
        },
        [M, inF, outF],
        act,
      );
      expect(r.shape).toEqual([2, M / 2, outF]);
      const f = ([xx, ww, bb]: Float64Array[]) => cpuLinear(xx!, ww!, bb!, M, inF, outF, act);
      const inputs = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
      expectAllClose(r.y, f(inputs), { atol: 1e-5, rtol: 1e-4 });
      const [gx, gw, gb] = finiteDiff(f, inputs, g);
      expectAllClose(r.gx, gx!, { atol: 1e-4, rtol: 1e-3 });
      expectAllClose(r.gw, gw!, { atol: 1e-4, rtol: 1e-3 });
      expectAllClose(r.gb, gb!, { atol: 1e-4, rtol: 1e-3 });
      // The bias (and relu) ride in the matmul's epilogue: one forward launch, no separate add.
      if (act !== 'gelu') {
        expect(r.kernels.filter((k) => k === 'linear')).toHaveLength(1);
        expect(r.kernels).not.toContain('add');
      }
      expect(r.kernels).toContain('linear.grad_input');
      expect(r.kernels).toContain('linear.grad_weight');
    });
  }

  it('linear skips the gradient work of inputs that need none', async () => {
    const r = await gpu.run(async (E, H) => {
      const X = E.tensor(H.randomArray(4 * 5, 1), [4, 5]);
      const W = E.tensor(H.randomArray(3 * 5, 2), [3, 5]); // frozen
      const B = E.tensor(H.randomArray(3, 3), [3], { requiresGrad: true });
      const frozen = await E.extend.traceKernels(() => E.linear(X, W, B).sum().backward());
      const gb = Array.from(await B.grad!.data());
      W.requiresGrad = true;
      X.requiresGrad = true;
      const B2 = E.tensor(H.randomArray(3, 3), [3]); // no grad
      const full = await E.extend.traceKernels(() => E.linear(X, W, B2).sum().backward());
      const inference = await E.extend.traceKernels(() => E.noGrad(() => E.internal.linearAct(X, W, B2, 'gelu').dispose()));
      for (const t of [X, W, B, B2]) t.dispose();
      return { frozen, gb, full, inference };
    });
    expect(r.frozen).not.toContain('linear.grad_weight');
    expect(r.frozen).not.toContain('linear.grad_input');
    expectAllClose(r.gb, [4, 4, 4]);
    expect(r.full).toContain('linear.grad_weight');
    expect(r.full).toContain('linear.grad_input');
    // Without grad, gelu is fused: only the linear launch runs.
    expect(r.inference).toEqual(['linear']);
  });

  it('linear matches the PyTorch Linear fixtures (2-D, 3-D input, no bias)', async () => {
    const cases = layers.cases.filter((c) => c.module === 'Linear');
    expect(cases.length).toBeGreaterThanOrEqual(3);
    const results = await gpu.run(async (E, _H, cases) => {
      const out = [];
      for (const c of cases) {
        const X = E.tensor(c.input.data, c.input.shape, { requiresGrad: true });
        const W = E.tensor(c.params.weight!.data, c.params.weight!.shape, { requiresGrad: true });
        const B = c.params.bias ? E.tensor(c.params.bias.data, c.params.bias.shape, { requiresGrad: true }) : null;
        const y = E.linear(X, W, B);
        y.backward(E.tensor(c.g.data, c.g.shape));
        out.push({
          shape: y.shape,
          y: Array.from(await y.data()),
          gx: Array.from(await X.grad!.data()),
          gw: Array.from(await W.grad!.data()),
          gb: B ? Array.from(await B.grad!.data()) : null,
        });
        for (const t of [X, W, B, y]) t?.dispose();
      }
      return out;
    }, cases);
    cases.forEach((c, i) => {
      const r = results[i]!;
      expect(r.shape, c.name).toEqual(c.output.shape);
      expectAllClose(r.y, c.output.data, { atol: 1e-5, rtol: 1e-4 });
      expectAllClose(r.gx, c.grads.input!.data, { atol: 1e-5, rtol: 1e-4 });
      expectAllClose(r.gw, c.grads.weight!.data, { atol: 1e-5, rtol: 1e-4 });
      if (c.params.bias) expectAllClose(r.gb!, c.grads.bias!.data, { atol: 1e-5, rtol: 1e-4 });
    });
  });

  it('linear handles a 1-D input, zero input features and validates shapes', async () => {
    const r = await gpu.run(async (E, H) => {
      const y1 = E.linear(E.tensor([1, 2]), E.tensor([[1, 0], [0, 1], [1, 1]]), E.tensor([0.5, 0.5, 0.5]));
      const y0 = E.internal.linearAct(E.zeros([2, 0]), E.zeros([3, 0]), E.tensor([-1, 2, 3]), 'relu');
      const errors: string[] = [];
      const [x24, x25, w35, b4, w15] = [E.zeros([2, 4]), E.zeros([2, 5]), E.zeros([3, 5]), E.zeros([4]), E.zeros([15])];
      for (const f of [
        () => E.linear(x24, w35),
        () => E.linear(x25, w35, b4),
        () => E.linear(x25, w15),
      ]) {
        try {
          H.noLeak(E, f);
          errors.push('no error');
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      }
      return { y1: { shape: y1.shape, data: Array.from(await y1.data()) }, y0: { shape: y0.shape, data: Array.from(await y0.data()) }, errors };
    });
    expect(r.y1.shape).toEqual([3]);
    expectAllClose(r.y1.data, [1.5, 2.5, 3.5]);
    expect(r.y0.shape).toEqual([2, 3]);
    expectAllClose(r.y0.data, [0, 2, 3, 0, 2, 3]);
    expect(r.errors[0]).toBe('ShapeError: linear: input [2,4] does not end in 5 features (weight [3,5])');
    expect(r.errors[1]).toBe('ShapeError: linear: bias [4] does not match weight [3,5] (expected [3])');
    expect(r.errors[2]).toBe('ShapeError: linear: weight must be [out, in], got [15]');
  });
});
