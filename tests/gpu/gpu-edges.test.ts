// What a GPU's builtins leave undefined or vendor-dependent, checked on the bits against PyTorch 1.13
// (tests/fixtures/torch/gpu-edges.json, from gen_torch_fixtures.py):
// - pow (src/shaders/pow.wgsl): WGSL's pow is exp2(e·log2(x)), undefined for x < 0 and for 0 with e ≤ 0, and
//   not exact for integer exponents. The grid of bases × exponents (NaN, ±inf, ±0 included) as tensor ** tensor,
//   tensor ** number and number ** tensor: a NaN must come out NaN, an infinity or a zero the same bits (sign
//   included), an integer exponent the same bits as PyTorch, the rest within 4e-6. And x ** 2 = x·x,
//   x ** 3 = x·x·x, x ** -1 = 1/x bit for bit on seeded values, as PyTorch computes them.
// - clip_grad_norm_ (nn_grad_norm.wgsl and the standalone clipGradNorm): a NaN gradient makes every gradient
//   NaN (the builtin min(1, NaN) returns 1 on NVIDIA, which would skip the clipping), an infinite norm a
//   coefficient of 0; both the standalone function and the optimizer's fused maxGradNorm.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

type Value = number | 'NaN' | 'Infinity' | '-Infinity';
interface T {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface PowCase {
  name: string;
  op: 'pow' | 'powScalar' | 'scalarPow';
  attrs: { scalar?: Value };
  inputs: T[];
  output: T;
}
interface ClipCase {
  name: string;
  op: 'clipGradNorm';
  attrs: { max_norm: number; lr: number };
  params: T[];
  grads: T[];
  output: T;
  clipped: T[];
  stepped: T[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/gpu-edges.json', import.meta.url), 'utf8')) as { cases: Array<PowCase | ClipCase> };
const powCases = fixture.cases.filter((c): c is PowCase => c.op !== 'clipGradNorm');
const clipCases = fixture.cases.filter((c): c is ClipCase => c.op === 'clipGradNorm');

const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const f32 = Math.fround;

/** Compares one float32 value: NaN for NaN, the same bits for a non-finite or zero want (or when `exact`), else close. */
function mismatch(got: number | undefined, want: number, exact: boolean, rtol = 4e-6): boolean {
  if (got === undefined) return true;
  if (Number.isNaN(want)) return !Number.isNaN(got);
  if (exact || !Number.isFinite(want) || want === 0) return !Object.is(got, f32(want));
  return !(Math.abs(got - want) <= rtol * Math.abs(want));
}

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('pow as PyTorch, edge cases and exact integer powers', () => {
  it('has the PyTorch table', () => {
    expect(powCases.length).toBe(1 + 18 + 16);
  });

  it('matches every case of the table on the bits', async () => {
    const got = await gpu.run(async (E, _H, cases: PowCase[]) => {
      const dec = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const out: Record<string, number[]> = {};
      for (const c of cases) {
        const xs = c.inputs.map((t) => E.tensor(t.data.map(dec), t.shape));
        const s = c.attrs.scalar === undefined ? 0 : dec(c.attrs.scalar);
        const y = c.op === 'pow' ? E.pow(xs[0]!, xs[1]!) : c.op === 'powScalar' ? E.pow(xs[0]!, s) : E.pow(s, xs[0]!);
        // -0 and NaN do not survive the trip back as JSON: send the bit patterns.
        out[c.name] = Array.from(new Uint32Array((await y.data()).buffer.slice(0)));
        for (const t of [y, ...xs]) t.dispose();
      }
      return out;
    }, powCases);
    const bad: string[] = [];
    for (const c of powCases) {
      const values = Array.from(new Float32Array(Uint32Array.from(got[c.name]!).buffer));
      const want = c.output.data.map(decode);
      want.forEach((w, i) => {
        // The exponent of element i: tensor ** tensor is [16, 1] ** [1, 18]; the others hold it in attrs or inputs.
        const e = c.op === 'pow' ? decode(c.inputs[1]!.data[i % 18]!) : c.op === 'powScalar' ? decode(c.attrs.scalar!) : decode(c.inputs[0]!.data[i]!);
        const exact = Number.isInteger(e) && Math.abs(e) <= 10;
        if (mismatch(values[i], w, exact)) bad.push(`${c.name}[${i}] (exponent ${e}): got ${values[i]}, want ${w}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('x ** 2, x ** 3, x ** -1 and x ** -2 are PyTorch\'s products, bit for bit, on seeded values', async () => {
    const n = 4096;
    const got = await gpu.run(async (E, H, n: number) => {
      const rnd = H.seededRandom(2026);
      // Magnitudes from 1e-4 to 1e4, both signs: products round differently from exp2(e·log2(x)) almost everywhere.
      const xs = Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1) * 10 ** (8 * rnd() - 4));
      const x = E.tensor(xs);
      const bits = async (t: InstanceType<typeof E.Tensor>) => Array.from(new Uint32Array((await t.data()).buffer.slice(0)));
      const two = E.full([n], 2);
      const outs = [E.pow(x, 2), E.pow(x, 3), E.pow(x, -1), E.pow(x, -2), E.pow(x, two)];
      const res = { x: await bits(x), outs: await Promise.all(outs.map(bits)) };
      for (const t of [x, two, ...outs]) t.dispose();
      return res;
    }, n);
    const asF32 = (b: number[]) => Array.from(new Float32Array(Uint32Array.from(b).buffer));
    const x = asF32(got.x);
    const [sq, cube, inv, invSq, sqTensor] = got.outs.map(asF32);
    const bad: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const x2 = f32(v * v);
      const checks: Array<[string, number, number]> = [
        ['x ** 2', sq![i]!, x2],
        ['x ** 3', cube![i]!, f32(x2 * v)],
        ['x ** -1', inv![i]!, f32(1 / v)],
        ['x ** -2', invSq![i]!, f32(1 / x2)],
        ['x ** tensor(2)', sqTensor![i]!, x2],
      ];
      for (const [what, g, w] of checks) if (!Object.is(g, w) && bad.length < 10) bad.push(`${what} at x = ${v}: got ${g}, want ${w}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('clip_grad_norm_ with NaN and infinite gradients, as PyTorch', () => {
  for (const c of clipCases) {
    it(`${c.name}: the norm, the clipped gradients and an SGD step (standalone and fused maxGradNorm)`, async () => {
      const got = await gpu.run(async (E, _H, c: ClipCase) => {
        const { nn, optim } = E;
        const dec = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
        const bits = async (t: InstanceType<typeof E.Tensor>) => Array.from(new Uint32Array((await t.data()).buffer.slice(0)));
        const make = () =>
          c.params.map((p, i) => {
            const param = new nn.Parameter(E.tensor(p.data.map(dec), p.shape));
            param.grad = E.tensor(c.grads[i]!.data.map(dec), c.grads[i]!.shape);
            return param;
          });
        // Standalone: clipGradNorm scales the gradients in place and returns the norm; then a plain SGD step.
        const a = make();
        const norm = optim.clipGradNorm(a, c.attrs.max_norm);
        const clipped = await Promise.all(a.map((p) => bits(p.grad!)));
        const sgd = new optim.SGD(a, { lr: c.attrs.lr });
        sgd.step();
        const stepped = await Promise.all(a.map((p) => bits(p)));
        // Fused: the optimizer's maxGradNorm clips inside the step (nn_grad_norm.wgsl).
        const b = make();
        const fused = new optim.SGD(b, { lr: c.attrs.lr, maxGradNorm: c.attrs.max_norm });
        fused.step();
        const fusedNorm = fused.lastGradNorm()!;
        const res = { norm: await bits(norm), clipped, stepped, fusedNorm: await bits(fusedNorm), fusedStepped: await Promise.all(b.map((p) => bits(p))) };
        for (const p of [...a, ...b]) p.grad?.dispose();
        sgd.dispose();
        fused.dispose();
        for (const t of [norm, fusedNorm, ...a, ...b]) t.dispose();
        return res;
      }, c);
      const asF32 = (b: number[]) => Array.from(new Float32Array(Uint32Array.from(b).buffer));
      const bad: string[] = [];
      const check = (what: string, bitsGot: number[], want: T) => {
        const values = asF32(bitsGot);
        want.data.map(decode).forEach((w, i) => {
          if (mismatch(values[i], w, false, 1e-6)) bad.push(`${what}[${i}]: got ${values[i]}, want ${w}`);
        });
      };
      check('norm', got.norm, c.output);
      check('fused norm', got.fusedNorm, c.output);
      c.clipped.forEach((w, k) => check(`clipped grad ${k}`, got.clipped[k]!, w));
      c.stepped.forEach((w, k) => check(`param ${k} after the step`, got.stepped[k]!, w));
      c.stepped.forEach((w, k) => check(`param ${k} after the fused step`, got.fusedStepped[k]!, w));
      expect(bad).toEqual([]);
    });
  }
});
