// conv2d's backward as matrix products (src/engine/ops/conv-matmul-grad.ts, the `matmul` version of conv2d.dgrad
// and conv2d.wgrad): forced on odd shapes (stride 2, padding, dilation, channels that are not multiples of 4,
// N > 1, 1×1 with and without stride) with the product forced to v6 and, where every operand row is a whole
// number of vec4 words, v7 (8 rows per thread once M ≥ 64), and once with the product split along K, against the
// float64 CPU reference: dx, dw and db (the bias gradient's own pass). The forward stays on v3, so only the
// backward's products run on the forced matmul version. tests/gpu/conv.test.ts runs the same path with the
// matmul auto rule on its cases.

import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { randomArray } from '../harness/cpu.ts';
import { type Conv2dGeometry, type Pair, conv2dBackward, conv2dDims } from '../harness/cpu-conv.ts';

interface Case {
  name: string;
  input: [number, number, number, number];
  weight: [number, number, number, number];
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** The matmul versions to force on the products (v7 only where K·taps and pixel rows are multiples of 4). */
  matmul: Array<'v6' | 'v7'>;
  splits?: number;
}

const CASES: Case[] = [
  { name: 'N3 5→7 k3 s2 p1 on 9×9', input: [3, 5, 9, 9], weight: [7, 5, 3, 3], stride: [2, 2], padding: [1, 1], matmul: ['v6'] },
  { name: 'N2 8→7 k3 s2 p1 on 15×15 (taps 72, pixels 64)', input: [2, 8, 15, 15], weight: [7, 8, 3, 3], stride: [2, 2], padding: [1, 1], matmul: ['v6', 'v7'] },
  { name: 'N2 3→6 k3 d2 p2 on 9×7, K split in 3', input: [2, 3, 9, 7], weight: [6, 3, 3, 3], padding: [2, 2], dilation: [2, 2], matmul: ['v6'], splits: 3 },
  { name: 'N3 8→10 1×1 on 6×6 (no patches)', input: [3, 8, 6, 6], weight: [10, 8, 1, 1], matmul: ['v6', 'v7'] },
  { name: 'N1 12→5 1×1 on 8×8 (no patches, no permute)', input: [1, 12, 8, 8], weight: [5, 12, 1, 1], matmul: ['v7'] },
  { name: 'N2 5→3 1×1 s2 on 7×7', input: [2, 5, 7, 7], weight: [3, 5, 1, 1], stride: [2, 2], matmul: ['v6'] },
];

interface Spec {
  x: Float32Array; w: Float32Array; b: Float32Array; g: Float32Array;
  xShape: number[]; wShape: number[];
  options: { stride: Pair; padding: Pair; dilation: Pair };
  matmul: string[];
  splits: number | null;
}

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('conv2d backward as matrix products (forced) vs the CPU reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const geo: Conv2dGeometry = {
        input: c.input, weight: c.weight, stride: c.stride ?? [1, 1], padding: c.padding ?? [0, 0], dilation: c.dilation ?? [1, 1], groups: 1,
      };
      const d = conv2dDims(geo);
      const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
      const spec: Spec = {
        x: randomArray(size(c.input), 1), w: randomArray(size(c.weight), 2), b: randomArray(c.weight[0], 3), g: randomArray(d.N * d.O * d.OH * d.OW, 4),
        xShape: c.input, wShape: c.weight, options: { stride: geo.stride!, padding: geo.padding!, dilation: geo.dilation! },
        matmul: c.matmul, splits: c.splits ?? null,
      };
      const ref = conv2dBackward(spec.x, spec.w, spec.g, geo);
      const out = await gpu.run(async (E, _H, s: Spec) => {
        const K = E.extend.kernelVersions;
        const results = [];
        for (const version of s.matmul) {
          const x = E.tensor(s.x, s.xShape, { requiresGrad: true });
          const w = E.tensor(s.w, s.wShape, { requiresGrad: true });
          const b = E.tensor(s.b, [s.wShape[0]!], { requiresGrad: true });
          const forced = { 'conv2d.forward': 'v3', 'conv2d.dgrad': 'matmul', 'conv2d.wgrad': 'matmul', matmul: version };
          const kernels = await K.using(forced, async () => {
            K.tune('matmul', { splits: s.splits });
            try {
              const y = E.conv2d(x, w, b, s.options);
              const g = E.tensor(s.g, y.shape);
              const log = await E.extend.traceKernels(() => y.backward(g));
              y.dispose();
              g.dispose();
              return log;
            } finally {
              K.tune('matmul', { splits: null });
            }
          });
          results.push({
            version, kernels,
            dx: Array.from(await x.grad!.data()), dw: Array.from(await w.grad!.data()), db: Array.from(await b.grad!.data()),
          });
          for (const t of [x, w, b]) t.dispose();
        }
        return results;
      }, spec);
      for (const r of out) {
        const tag = `${c.name} [matmul ${r.version}]`;
        expect(r.kernels, tag).toEqual(expect.arrayContaining(['conv2d.dgrad', 'conv2d.wgrad', 'conv2d.bias_grad']));
        const tol = { atol: 2e-5, rtol: 1e-4 };
        try {
          expectAllClose(r.dx, ref.dx, { ...tol, shape: c.input });
          expectAllClose(r.dw, ref.dw, { ...tol, shape: c.weight });
          expectAllClose(r.db, ref.db, tol);
        } catch (e) {
          (e as Error).message = `${tag}: ${(e as Error).message}`;
          throw e;
        }
      }
    });
  }
});
