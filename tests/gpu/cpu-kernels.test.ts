// The CPU-adapter kernel versions (issue 21: reduce v2, softmax v3, maxPool2d.forward v2, chosen by the CPU
// rules only), forced against the versions a GPU runs and a float64 CPU reference on sizes that are not
// multiples of 4, of length 1, long enough to be split into ranges, with NaN, ±inf and padding.

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

/** Float32 results with the non-finite values as strings (the page's results come back as JSON). */
type Out = Array<number | string>;
function expectClose(got: Out, want: number[], tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (!Number.isFinite(w)) expect(g, `${what} [${i}]`).toBe(String(w));
    else expect(Math.abs((g as number) - w), `${what} [${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  }
}

/** x viewed as [outer, R, inner], reduced over R with `f` from `init`. */
function refReduce(x: number[], outer: number, R: number, inner: number, f: (a: number, b: number) => number, init: number): number[] {
  const y: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let a = init;
      for (let r = 0; r < R; r++) a = f(a, x[(o * R + r) * inner + i]!);
      y.push(a);
    }
  }
  return y;
}
const nanMax = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

function inputs(n: number, seed: number, special: boolean): number[] {
  const x = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed) * 3)); // as the page's float32
  if (special && n > 40) {
    x[7] = -Infinity;
    x[n - 3] = Infinity;
    x[Math.floor(n / 2) + 1] = NaN;
  }
  return x;
}

describe('reduce v1 / v2 (forced)', () => {
  // [shape, dim]: length-1 rows, odd rows, a long row split into interleaved ranges, a column reduction split
  // into chunks (inner 3), and everything.
  const cases: Array<{ shape: number[]; dim: number | null; special: boolean }> = [
    { shape: [1, 1], dim: 1, special: false },
    { shape: [3, 7], dim: 1, special: false },
    { shape: [3, 7], dim: 0, special: false },
    { shape: [5, 4099], dim: 1, special: true },
    { shape: [5, 4099], dim: null, special: false },
    { shape: [2, 3001, 3], dim: 1, special: true },
    { shape: [1, 70001], dim: 1, special: true },
  ];
  it('sum, max and min match a float64 reference on odd sizes, NaN and ±inf included', async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const res: Record<string, Out[]> = {};
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
      for (const v of ['v1', 'v2']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + k) * 3);
          if (c.special && n > 40) {
            x[7] = -Infinity;
            x[n - 3] = Infinity;
            x[Math.floor(n / 2) + 1] = NaN;
          }
          const t = E.tensor(x, c.shape);
          await E.extend.kernelVersions.using({ reduce: v }, async () => {
            await H.noLeak(E, async () => {
              const d = c.dim ?? undefined;
              const ys = c.special ? [E.max(t, d), E.min(t, d)] : [E.sum(t, d), E.max(t, d), E.min(t, d)];
              for (const y of ys) {
                res[v]!.push(enc(await y.data()));
                y.dispose();
              }
            });
          });
          t.dispose();
        }
      }
      return res;
    }, cases);
    for (const v of ['v1', 'v2']) {
      let j = 0;
      for (const [k, c] of cases.entries()) {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const x = inputs(n, k, c.special);
        const d = c.dim;
        const outer = d === null ? 1 : c.shape.slice(0, d).reduce((a, b) => a * b, 1);
        const R = d === null ? n : c.shape[d]!;
        const inner = d === null ? 1 : c.shape.slice(d + 1).reduce((a, b) => a * b, 1);
        const what = `${v} ${JSON.stringify(c.shape)} dim ${d}`;
        if (!c.special) expectClose(out[v]![j++]!, refReduce(x, outer, R, inner, (a, b) => a + b, 0), 1e-5 * Math.sqrt(R), `${what} sum`);
        expectClose(out[v]![j++]!, refReduce(x, outer, R, inner, nanMax, -Infinity), 0, `${what} max`);
        expectClose(out[v]![j++]!, refReduce(x, outer, R, inner, nanMin, Infinity), 0, `${what} min`);
      }
    }
  });
});

/** Softmax (or log) of x viewed as [outer, R, inner] over R, in float64, with PyTorch's NaN / inf rules. */
function refSoftmax(x: number[], outer: number, R: number, inner: number, log: boolean): number[] {
  const y = new Array<number>(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number): number => (o * R + r) * inner + i;
      let m = -Infinity;
      for (let r = 0; r < R; r++) m = nanMax(m, x[at(r)]!);
      let s = 0;
      for (let r = 0; r < R; r++) s += Math.exp(x[at(r)]! - m);
      for (let r = 0; r < R; r++) y[at(r)] = log ? x[at(r)]! - m - Math.log(s) : Math.exp(x[at(r)]! - m) / s;
    }
  }
  return y;
}

describe('softmax v1 / v3 (forced)', () => {
  const cases: Array<{ shape: number[]; dim: number; special: boolean }> = [
    { shape: [1, 1], dim: 1, special: false },
    { shape: [3, 7], dim: 1, special: false },
    { shape: [2, 5, 3], dim: 1, special: false },
    { shape: [6, 1001], dim: 1, special: true },
    { shape: [3, 45, 2], dim: 1, special: true },
  ];
  it('softmax and logSoftmax match a float64 reference on odd sizes; a NaN or +inf row is NaN, -inf gives 0', async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const res: Record<string, Out[]> = {};
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
      for (const v of ['v1', 'v3']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + k) * 3);
          if (c.special && n > 40) {
            x[7] = -Infinity;
            x[n - 3] = Infinity;
            x[Math.floor(n / 2) + 1] = NaN;
          }
          const t = E.tensor(x, c.shape);
          await E.extend.kernelVersions.using({ softmax: v }, async () => {
            await H.noLeak(E, async () => {
              for (const y of [E.softmax(t, c.dim), E.logSoftmax(t, c.dim)]) {
                res[v]!.push(enc(await y.data()));
                y.dispose();
              }
            });
          });
          t.dispose();
        }
      }
      return res;
    }, cases);
    for (const v of ['v1', 'v3']) {
      let j = 0;
      for (const [k, c] of cases.entries()) {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const x = inputs(n, k, c.special);
        const outer = c.shape.slice(0, c.dim).reduce((a, b) => a * b, 1);
        const inner = c.shape.slice(c.dim + 1).reduce((a, b) => a * b, 1);
        const R = c.shape[c.dim]!;
        for (const log of [false, true]) {
          expectClose(out[v]![j++]!, refSoftmax(x, outer, R, inner, log), 1e-5, `${v} ${JSON.stringify(c.shape)} log ${log}`);
        }
      }
    }
  });
});

describe('maxPool2d.forward v1 / v2 (forced)', () => {
  const cases = [
    { shape: [1, 1, 1, 1], k: 1, opts: {} },
    { shape: [2, 3, 7, 9], k: 3, opts: { stride: 2, padding: 1 } },
    { shape: [1, 2, 11, 6], k: 2, opts: { stride: 1, padding: 1, dilation: 2 } },
    { shape: [1, 3, 5, 5], k: 3, opts: { stride: 3, padding: 1 } },
  ];
  it('values, reluMaxPool2d and the gradient routed by the argmax agree with v1 bit for bit and with a reference', async () => {
    const out = await gpu.run(async (E, H, list: typeof cases) => {
      await E.init();
      const res: Record<string, Out[]> = {};
      const enc = (a: ArrayLike<number>): Out => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
      for (const v of ['v1', 'v2']) {
        res[v] = [];
        for (const [k, c] of list.entries()) {
          const n = c.shape.reduce((a, b) => a * b, 1);
          const x = Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898 + k) * 4)); // ties
          if (n > 40) x[5] = NaN;
          await E.extend.kernelVersions.using({ 'maxPool2d.forward': v }, async () => {
            await H.noLeak(E, async () => {
              const t = E.tensor(x, c.shape, { requiresGrad: true });
              const y = E.maxPool2d(t, c.k, c.opts);
              const r = E.noGrad(() => E.internal.reluMaxPool2d(t, c.k, c.opts));
              const s = E.sum(y);
              s.backward();
              for (const u of [y, r, t.grad!]) res[v]!.push(enc(await u.data()));
              for (const u of [t, y, r, s]) u.dispose();
            });
          });
        }
      }
      return res;
    }, cases);
    expect(out.v2).toEqual(out.v1);
    // The reference for the values of the 3×3/2 p1 case.
    const [N, C, Hh, W] = cases[1]!.shape as [number, number, number, number];
    const x = Array.from({ length: N * C * Hh * W }, (_, i) => Math.round(Math.sin(i * 12.9898 + 1) * 4));
    x[5] = NaN;
    const OH = Math.floor((Hh + 2 - 3) / 2) + 1;
    const OW = Math.floor((W + 2 - 3) / 2) + 1;
    const want: number[] = [];
    for (let p = 0; p < N * C; p++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let m = -Infinity;
          for (let kh = 0; kh < 3; kh++) {
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh * 2 - 1 + kh;
              const iw = ow * 2 - 1 + kw;
              if (ih >= 0 && ih < Hh && iw >= 0 && iw < W) m = nanMax(m, x[(p * Hh + ih) * W + iw]!);
            }
          }
          want.push(m);
        }
      }
    }
    expectClose(out.v2![3]!, want, 0, 'v2 3×3/2 p1');
  });
});

