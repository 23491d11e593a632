// NaN and ±inf as PyTorch 1.13 has them: every case of tests/fixtures/torch/nonfinite.json (one per op
// family: activations, exp/log/sqrt, maximum/minimum and arithmetic, reductions and arg-reductions, softmax,
// max-pooling with its gradient, crossEntropy with a -inf logit, matmul). A NaN must come out NaN, an
// infinity the same infinity, everything else close.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

type Value = number | 'NaN' | 'Infinity' | '-Infinity';
interface T {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface Case {
  name: string;
  op: string;
  attrs: { dim?: number; scalar?: number; kernel_size?: number };
  inputs: T[];
  output: T;
  grads?: Array<T | null>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/nonfinite.json', import.meta.url), 'utf8')) as { cases: Case[] };

function matches(got: Value, want: Value): boolean {
  if (typeof want === 'string' || typeof got === 'string') return got === want;
  return Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want);
}

describe('NaN and infinity vs PyTorch fixtures', () => {
  const gpu = useGpuPage();
  let results: Record<string, { out: Value[]; shape: number[]; grads: Value[][] }> = {};
  beforeAll(async () => {
    results = await gpu.run(async (E, _H, cases: Case[]) => {
      await E.init();
      const decode = (v: Value): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
      const out: Record<string, { out: Value[]; shape: number[]; grads: Value[][] }> = {};
      for (const c of cases) {
        const grad = c.grads !== undefined;
        const xs = c.inputs.map((t) =>
          t.dtype === 'int64' ? E.tensor(t.data.map(decode), t.shape, { dtype: 'int32' }) : E.tensor(t.data.map(decode), t.shape, { requiresGrad: grad }),
        );
        const [a, b] = [xs[0]!, xs[1]!];
        const dim = c.attrs.dim;
        let y: InstanceType<typeof E.Tensor>;
        switch (c.op) {
          case 'relu': case 'tanh': case 'sigmoid': case 'exp': case 'log': case 'sqrt': case 'neg': case 'abs':
            y = E[c.op](a);
            break;
          case 'maximum': case 'minimum': case 'add': case 'sub': case 'mul': case 'div': case 'matmul':
            y = E[c.op](a, b);
            break;
          case 'maximumScalar': y = E.maximum(a, c.attrs.scalar!); break;
          case 'minimumScalar': y = E.minimum(a, c.attrs.scalar!); break;
          case 'sum': case 'max': case 'min': case 'argmax': case 'argmin':
            y = E[c.op](a, dim);
            break;
          case 'softmax': y = E.softmax(a, dim); break;
          case 'logSoftmax': y = E.logSoftmax(a, dim); break;
          case 'maxPool2d': y = E.maxPool2d(a, c.attrs.kernel_size!); break;
          case 'crossEntropy': y = E.crossEntropy(a, b); break;
          default: throw new Error(`unknown op ${c.op}`);
        }
        const grads: Value[][] = [];
        if (grad) {
          const s = y.size === 1 ? y : y.sum();
          s.backward();
          for (const x of xs) if (x.grad) grads.push(Array.from(await x.grad.data()).map(encode));
        }
        out[c.name] = { out: Array.from(await y.data()).map(encode), shape: [...y.shape], grads };
        for (const x of xs) x.dispose();
      }
      // The engine computes correctly right after.
      out.after = { out: Array.from(await E.tensor([1, 2]).mul(3).data()).map(encode), shape: [2], grads: [] };
      return out;
    }, fixture.cases);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const got = results[c.name]!;
      expect(got.shape).toEqual(c.output.shape);
      const bad = c.output.data.map((w, i) => [i, got.out[i]!, w] as const).filter(([, g, w]) => !matches(g, w));
      expect(bad, `${c.name}: [index, got, want]`).toEqual([]);
      (c.grads ?? []).filter((g): g is T => g !== null).forEach((want, k) => {
        const g = got.grads[k]!;
        const badGrad = want.data.map((w, i) => [i, g[i]!, w] as const).filter(([, gv, w]) => !matches(gv, w));
        expect(badGrad, `${c.name} grad ${k}`).toEqual([]);
      });
    });
  }

  it('computes correctly after the non-finite cases', () => {
    expect(results.after!.out).toEqual([3, 6]);
  });
});
