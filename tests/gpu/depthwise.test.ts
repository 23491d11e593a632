// The dedicated depthwise conv2d kernels (src/engine/ops/depthwise.ts): forward, input and weight gradients
// of v1 (naive), v2 (workgroup tiles / split), v3 (register rows; the weight gradient's: vec4 row pieces) and the
// forward's v4 (vec4 loads) against the float64 CPU reference, on shapes that cross tile edges,
// both strides, odd sizes, padding 0 to 2, and the shapes v2 does not take (5×5, dilation) where 'auto' runs
// v1. Also checks that conv2d routes depthwise shapes to these kernels and that forcing v2 on a shape it
// cannot take is a clear error.

import { beforeAll, describe, expect, it } from 'vitest';
import { conv2dBackward, conv2dDims, conv2dForward, type Conv2dGeometry, type Pair } from '../harness/cpu-conv.ts';
import { randomArray } from '../harness/random.ts';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface Case {
  name: string;
  input: [number, number, number, number];
  k: number;
  stride: number;
  padding: number;
  dilation?: number;
  bias?: boolean;
  /** Whether v2 and v3 take the shape (3×3, dilation 1, stride 1 or 2) for forward and dgrad. */
  v2: boolean;
  /**
   * Whether the forward's v4 and the weight gradient's v3 take it (also padding 1 and an input width divisible
   * by 4); the input gradient's v4 too at stride 1, and at stride 2 when the width is divisible by 8.
   */
  v4?: boolean;
}

const CASES: Case[] = [
  { name: 'N2 C5 9×9 3×3 s1 p1 (bias)', input: [2, 5, 9, 9], k: 3, stride: 1, padding: 1, bias: true, v2: true },
  { name: 'N1 C3 37×70 3×3 s1 p1 (several tiles)', input: [1, 3, 37, 70], k: 3, stride: 1, padding: 1, v2: true },
  { name: 'N2 C4 17×33 3×3 s2 p1 (odd, several tiles)', input: [2, 4, 17, 33], k: 3, stride: 2, padding: 1, bias: true, v2: true },
  { name: 'N1 C2 16×16 3×3 s2 p0', input: [1, 2, 16, 16], k: 3, stride: 2, padding: 0, v2: true },
  { name: 'N2 C3 13×16 3×3 s1 p1 (bias; v4, odd rows)', input: [2, 3, 13, 16], k: 3, stride: 1, padding: 1, bias: true, v2: true, v4: true },
  { name: 'N1 C4 15×28 3×3 s2 p1 (v4, a partial last word of 14 outputs)', input: [1, 4, 15, 28], k: 3, stride: 2, padding: 1, v2: true, v4: true },
  { name: 'N2 C2 5×4 3×3 s2 p1 (v4, one word per row)', input: [2, 2, 5, 4], k: 3, stride: 2, padding: 1, bias: true, v2: true, v4: true },
  { name: 'N1 C3 11×16 3×3 s2 p1 (v4 input gradient at stride 2, odd rows)', input: [1, 3, 11, 16], k: 3, stride: 2, padding: 1, v2: true, v4: true },
  { name: 'N2 C2 8×8 3×3 s2 p1 (v4 input gradient, one gradient word per row)', input: [2, 2, 8, 8], k: 3, stride: 2, padding: 1, v2: true, v4: true },
  { name: 'N1 C2 6×7 3×3 s1 p2', input: [1, 2, 6, 7], k: 3, stride: 1, padding: 2, v2: true },
  { name: 'N1 C3 11×11 5×5 s2 p2 (v1 only)', input: [1, 3, 11, 11], k: 5, stride: 2, padding: 2, v2: false },
  { name: 'N1 C2 10×10 3×3 d2 p2 (v1 forward/dgrad)', input: [1, 2, 10, 10], k: 3, stride: 1, padding: 2, dilation: 2, v2: false },
];

interface Run {
  y: number[];
  dx: number[];
  dw: number[];
  db: number[] | null;
  labels: string[];
}

const gpu = useGpuPage();
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('depthwise conv2d kernels vs the CPU reference', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const C = c.input[1];
      const geo: Conv2dGeometry = {
        input: c.input, weight: [C, 1, c.k, c.k], stride: [c.stride, c.stride] as Pair, padding: [c.padding, c.padding] as Pair,
        dilation: [c.dilation ?? 1, c.dilation ?? 1] as Pair, groups: C,
      };
      const d = conv2dDims(geo);
      const x = randomArray(size(c.input), 10 + i);
      const w = randomArray(C * c.k * c.k, 20 + i);
      const b = c.bias ? randomArray(C, 30 + i) : null;
      const g = randomArray(d.N * C * d.OH * d.OW, 40 + i);
      const ref = conv2dBackward(x, w, g, geo);
      const y = conv2dForward(x, w, b, geo);
      // v1 everywhere; v2 and v3 where they apply (the weight gradient's v2 takes any 3×3); 'auto'.
      const configs: Array<Record<string, string>> = [
        { depthwise: 'v1' },
        { 'depthwise.forward': c.v2 ? 'v2' : 'v1', 'depthwise.dgrad': c.v2 ? 'v2' : 'v1', 'depthwise.wgrad': c.k === 3 ? 'v2' : 'v1' },
        ...(c.v2 ? [{ 'depthwise.forward': 'v3', 'depthwise.dgrad': 'v3', 'depthwise.wgrad': 'v1' }] : []),
        ...(c.v4 ? [{ 'depthwise.forward': 'v4', 'depthwise.dgrad': c.stride === 1 || c.input[3] % 8 === 0 ? 'v4' : 'v1', 'depthwise.wgrad': 'v3' }] : []),
        {}, // the auto rule
      ];
      const runs = await gpu.run(
        async (E, _H, s) => {
          const out: Run[] = [];
          for (const use of s.configs) {
            for (const [name, version] of Object.entries(use)) E.extend.kernelVersions.force(name, version);
            try {
              const xt = E.tensor(s.x, s.xShape, { requiresGrad: true });
              const wt = E.tensor(s.w, s.wShape, { requiresGrad: true });
              const bt = s.b ? E.tensor(s.b, [s.wShape[0]!], { requiresGrad: true }) : null;
              let yt: InstanceType<typeof E.Tensor> | null = null;
              const labels = await E.extend.traceKernels(() => {
                yt = E.conv2d(xt, wt, bt, s.options);
                yt.backward(E.tensor(s.g, yt.shape));
              });
              out.push({
                y: Array.from(await yt!.data()), dx: Array.from(await xt.grad!.data()), dw: Array.from(await wt.grad!.data()),
                db: bt ? Array.from(await bt.grad!.data()) : null, labels,
              });
              for (const t of [xt, wt, bt, yt]) t?.dispose();
            } finally {
              E.extend.kernelVersions.reset();
            }
          }
          return out;
        },
        { x: Array.from(x), w: Array.from(w), b: b && Array.from(b), g: Array.from(g), xShape: [...c.input], wShape: [C, 1, c.k, c.k], configs,
          options: { stride: c.stride, padding: c.padding, dilation: c.dilation ?? 1, groups: C } },
      );
      const tol = { atol: 2e-5, rtol: 1e-4 };
      runs.forEach((r, k) => {
        const tag = `${c.name} [${JSON.stringify(configs[k])}]`;
        expect(r.labels, `${tag}: kernels`).toEqual(expect.arrayContaining(['depthwise.forward', 'depthwise.dgrad', 'depthwise.wgrad']));
        expect(r.labels.some((l) => /^conv2d\.(forward|dgrad|wgrad)/.test(l)), `${tag}: ${r.labels.join(', ')}`).toBe(false);
        expectAllClose(r.y, y, { ...tol, shape: [d.N, C, d.OH, d.OW] });
        expectAllClose(r.dx, ref.dx, { ...tol, shape: c.input });
        expectAllClose(r.dw, ref.dw, { ...tol, atol: 1e-4 });
        if (b) expectAllClose(r.db!, ref.db, { ...tol, atol: 1e-4 });
      });
    });
  });

  it('v2 splits a large weight gradient over N·OH·OW and sums the splits (N2 C2 64×64)', async () => {
    const input: [number, number, number, number] = [2, 2, 64, 64];
    const geo: Conv2dGeometry = { input, weight: [2, 1, 3, 3], stride: [1, 1], padding: [1, 1], groups: 2 };
    const x = randomArray(size(input), 5);
    const w = randomArray(18, 6);
    const g = randomArray(size(input), 7);
    const ref = conv2dBackward(x, w, g, geo);
    const got = await gpu.run(async (E, _H, s) => {
      const xt = E.tensor(s.x, [2, 2, 64, 64]);
      const wt = E.tensor(s.w, [2, 1, 3, 3], { requiresGrad: true });
      let y: InstanceType<typeof E.Tensor> | null = null;
      E.extend.kernelVersions.force('depthwise.wgrad', 'v2');
      const labels = await E.extend.traceKernels(() => {
        y = E.conv2d(xt, wt, null, { padding: 1, groups: 2 });
        y.backward(E.tensor(s.g, y.shape));
      });
      E.extend.kernelVersions.reset();
      const dw = Array.from(await wt.grad!.data());
      for (const t of [xt, wt, y!]) t.dispose();
      return { dw, labels };
    }, { x: Array.from(x), w: Array.from(w), g: Array.from(g) });
    expect(got.labels).toContain('depthwise.wgrad');
    expect(got.labels).toContain('depthwise.wgrad_reduce');
    expect(got.labels).not.toContain('depthwise.dgrad'); // the input needs no gradient
    expectAllClose(got.dw, ref.dw, { atol: 5e-4, rtol: 1e-4 });
  });

  it('forcing v2 on a shape it does not take is an error naming the pass and the shape', async () => {
    const msg = await gpu.run(async (E, H) => {
      E.extend.kernelVersions.force('depthwise.forward', 'v2');
      const x = E.zeros([1, 2, 8, 8]);
      const w = E.zeros([2, 1, 5, 5]);
      try {
        H.noLeak(E, () => E.conv2d(x, w, null, { padding: 2, groups: 2 })).dispose();
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      } finally {
        E.extend.kernelVersions.reset();
        x.dispose();
        w.dispose();
      }
    });
    expect(msg).toMatch(/depthwise\.forward v2 \(forced\): needs a 3×3 kernel.*got kernel \[5,5\]/);
  });

  it('the auto rules: forward v4 where it applies, else v3 for 3×3, else v1; dgrad v4 at stride 1 (and 2 on widths divisible by 8), else v3; ' +
    'wgrad v3; forcing outside the shapes is an error', async () => {
    // The CPU profile's rules (what SwiftShader runs), also under WEBGPU_TENSOR_RULES=gpu; the GPU profile's
    // choices are checked in tests/unit/kernel-rules.test.ts and the snapshot tests/unit/rules/choices.json.
    const got = await gpu.run(async (E, H) => {
      await E.init({ rules: 'cpu' });
      const kernelFor = async (input: number[], k: number, padding: number, stride = 1): Promise<string[]> => {
        const x = E.zeros(input);
        const w = E.zeros([input[1]!, 1, k, k]);
        try {
          const launches = await E.extend.traceLaunches(() => E.conv2d(x, w, null, { padding, stride, groups: input[1]! }).dispose());
          return launches.map((l) => l.kernel);
        } finally {
          x.dispose();
          w.dispose();
        }
      };
      const picks = {
        w8: await kernelFor([1, 3, 8, 8], 3, 1),
        w8s2: await kernelFor([1, 3, 9, 8], 3, 1, 2),
        w7: await kernelFor([1, 3, 8, 7], 3, 1),
        p0: await kernelFor([1, 3, 8, 8], 3, 0),
        k5: await kernelFor([1, 3, 8, 8], 5, 2),
      };
      // The backward kernels (the input gradient's v4 runs the forward v4 kernel, flipped, at stride 1).
      const backwardKernels = async (width: number, stride: number): Promise<string[]> => {
        const x = E.zeros([1, 3, 9, width], { requiresGrad: true });
        const w = E.zeros([3, 1, 3, 3], { requiresGrad: true });
        const y = E.conv2d(x, w, null, { padding: 1, stride, groups: 3 });
        const g = E.onesLike(y);
        try {
          const launches = await E.extend.traceLaunches(() => y.backward(g));
          return launches.map((l) => l.kernel).filter((k) => k.startsWith('depthwise'));
        } finally {
          for (const t of [x, w, y, g, x.grad, w.grad]) t?.dispose();
        }
      };
      const backward = { s1: await backwardKernels(8, 1), s2: await backwardKernels(8, 2), s2w12: await backwardKernels(12, 2) };
      E.extend.kernelVersions.force('depthwise.dgrad', 'v4');
      let dgradS2 = 'no error';
      try {
        await H.noLeak(E, () => backwardKernels(12, 2));
      } catch (e) {
        dgradS2 = (e as Error).message;
      } finally {
        E.extend.kernelVersions.reset();
      }
      E.extend.kernelVersions.force('depthwise.forward', 'v4');
      let forced = 'no error';
      try {
        await H.noLeak(E, () => kernelFor([1, 3, 8, 7], 3, 1));
      } catch (e) {
        forced = (e as Error).message;
      } finally {
        E.extend.kernelVersions.reset();
      }
      await E.init(); // back to the run's rules
      return { picks, forced, backward, dgradS2 };
    });
    expect(got.picks).toEqual({
      w8: ['depthwise_fwd_vec4'], w8s2: ['depthwise_fwd_vec4'], w7: ['depthwise_fwd_rows'], p0: ['depthwise_fwd_rows'], k5: ['depthwise_fwd_naive'],
    });
    expect(got.forced).toMatch(/depthwise\.forward v4 \(forced\): needs padding 1 and an input width divisible by 4, got padding \[1,1\] width 7/);
    expect(got.backward).toEqual({
      s1: ['depthwise_fwd_vec4', 'depthwise_wgrad_rows'],
      s2: ['depthwise_dgrad_vec4', 'depthwise_wgrad_rows'],
      s2w12: ['depthwise_dgrad_rows', 'depthwise_wgrad_rows'],
    });
    expect(got.dgradS2).toMatch(/depthwise\.dgrad v4 \(forced\): needs an input width divisible by 8 at stride 2, got width 12/);
  });
});
