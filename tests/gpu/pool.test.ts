// Pooling: maxPool2d, avgPool2d (countIncludePad both ways) and adaptiveAvgPool2d(1), forward and backward,
// against the float64 CPU reference on odd shapes and against PyTorch (layers.json); ties, the index-free
// inference path, which kernels run, and validation before GPU work.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { randomArray } from '../harness/cpu.ts';
import {
  type Pair, type PoolGeometry, avgPool2dBackward, avgPool2dForward, globalAvgPoolBackward, globalAvgPoolForward,
  maxPool2dBackward, maxPool2dForward, windowOutputSize,
} from '../harness/cpu-conv.ts';

type Kind = 'max' | 'avg' | 'avgExcludePad' | 'global';

interface PoolSpec {
  kind: Kind;
  x: Float32Array;
  g: Float32Array;
  xShape: number[];
  kernel: Pair;
  options: { stride?: Pair; padding?: Pair; dilation?: Pair };
}

interface PoolResult {
  y: Float32Array;
  yShape: number[];
  dx: Float32Array;
}

const gpu = useGpuPage();

function runPool(spec: PoolSpec): Promise<PoolResult> {
  return gpu.run(async (E, _H, s: PoolSpec) => {
    const x = E.tensor(s.x, s.xShape, { requiresGrad: true });
    const y =
      s.kind === 'max' ? E.maxPool2d(x, s.kernel, s.options)
      : s.kind === 'global' ? E.adaptiveAvgPool2d(x, 1)
      : E.avgPool2d(x, s.kernel, { ...s.options, countIncludePad: s.kind === 'avg' });
    const g = E.tensor(s.g, y.shape);
    y.backward(g);
    const out = { y: (await y.data()) as Float32Array, yShape: [...y.shape], dx: (await x.grad!.data()) as Float32Array };
    for (const t of [x, y, g]) t.dispose();
    return out;
  }, spec);
}

interface PoolCase {
  name: string;
  kind: Kind;
  input: [number, number, number, number];
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

const CASES: PoolCase[] = [
  { name: 'max k2 on N1 C1 5×5 (odd edge dropped)', kind: 'max', input: [1, 1, 5, 5], kernel: [2, 2] },
  { name: 'max k3 s2 p1 on N3 C5 9×7', kind: 'max', input: [3, 5, 9, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { name: 'max k3 s1 p1 on N2 C3 7×7 (overlapping windows)', kind: 'max', input: [2, 3, 7, 7], kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
  { name: 'max k3 s1 d2 p1 on N1 C3 9×9 (dilation)', kind: 'max', input: [1, 3, 9, 9], kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [2, 2] },
  { name: 'max k2×3 s1×2 p0×1 on N2 C3 5×9 (rectangular)', kind: 'max', input: [2, 3, 5, 9], kernel: [2, 3], stride: [1, 2], padding: [0, 1] },
  { name: 'max k1 on N1 C2 1×1', kind: 'max', input: [1, 2, 1, 1], kernel: [1, 1] },
  { name: 'avg k2 on N3 C3 7×9', kind: 'avg', input: [3, 3, 7, 9], kernel: [2, 2] },
  { name: 'avg k3 s2 p1 include pad on N2 C5 9×9', kind: 'avg', input: [2, 5, 9, 9], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { name: 'avg k3 s2 p1 exclude pad on N2 C5 9×9', kind: 'avgExcludePad', input: [2, 5, 9, 9], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { name: 'avg k3×2 s1 p1×1 exclude pad on N1 C3 5×7', kind: 'avgExcludePad', input: [1, 3, 5, 7], kernel: [3, 2], stride: [1, 1], padding: [1, 1] },
  { name: 'avg k3 s1 p1 include pad on N1 C1 1×1', kind: 'avg', input: [1, 1, 1, 1], kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
  { name: 'global on N3 C5 7×9', kind: 'global', input: [3, 5, 7, 9], kernel: [1, 1] },
  { name: 'global on N2 C3 1×1', kind: 'global', input: [2, 3, 1, 1], kernel: [1, 1] },
  { name: 'global on N3 C30 5×5 (thread per plane, two workgroups)', kind: 'global', input: [3, 30, 5, 5], kernel: [1, 1] },
  { name: 'global on N1 C3 17×19 (workgroup per plane)', kind: 'global', input: [1, 3, 17, 19], kernel: [1, 1] },
  { name: 'global on N2 C64 16×17 (CPU rules: a thread per plane; GPU rules: a workgroup)', kind: 'global', input: [2, 64, 16, 17], kernel: [1, 1] },
];

function reference(c: PoolCase, x: Float32Array, g: Float32Array | null): { y: Float64Array; dx: Float64Array | null; yShape: number[] } {
  const [N, C, H, W] = c.input;
  if (c.kind === 'global') {
    return { y: globalAvgPoolForward(x, c.input), dx: g && globalAvgPoolBackward(g, c.input), yShape: [N, C, 1, 1] };
  }
  const geo: PoolGeometry = { input: c.input, kernel: c.kernel, stride: c.stride ?? c.kernel, padding: c.padding ?? [0, 0], dilation: c.dilation ?? [1, 1] };
  const OH = windowOutputSize(H, c.kernel[0], geo.stride![0], geo.padding![0], geo.dilation![0]);
  const OW = windowOutputSize(W, c.kernel[1], geo.stride![1], geo.padding![1], geo.dilation![1]);
  const yShape = [N, C, OH, OW];
  if (c.kind === 'max') {
    const { y, indices } = maxPool2dForward(x, geo);
    return { y, dx: g && maxPool2dBackward(g, indices, geo), yShape };
  }
  const include = c.kind === 'avg';
  return { y: avgPool2dForward(x, geo, include), dx: g && avgPool2dBackward(g, geo, include), yShape };
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('pooling vs the CPU reference', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const x = randomArray(size(c.input), 500 + i);
      const { yShape } = reference(c, x, null);
      const g = randomArray(size(yShape), 600 + i);
      const ref = reference(c, x, g);
      const options = {
        ...(c.stride ? { stride: c.stride } : {}),
        ...(c.padding ? { padding: c.padding } : {}),
        ...(c.dilation ? { dilation: c.dilation } : {}),
      };
      const r = await runPool({ kind: c.kind, x, g, xShape: c.input, kernel: c.kernel, options });
      expect(r.yShape).toEqual(yShape);
      expectAllClose(r.y, ref.y, { atol: 1e-6, rtol: 1e-5, shape: yShape });
      expectAllClose(r.dx, ref.dx!, { atol: 1e-6, rtol: 1e-5, shape: c.input });
    });
  });

  it('max pooling sends a tie to the first maximum of each window, adding up over overlapping windows', async () => {
    const r = await runPool({
      kind: 'max',
      x: new Float32Array(16).fill(1),
      g: new Float32Array(9).fill(1),
      xShape: [1, 1, 4, 4],
      kernel: [2, 2],
      options: { stride: [1, 1] },
    });
    expectAllClose(r.y, new Array(9).fill(1));
    // Window (oh, ow) picks (oh, ow): the top-left 3×3 pixels get one window each.
    expectAllClose(r.dx, [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  });
});

interface TorchTensor { shape: number[]; data: number[] }
interface TorchPoolCase {
  name: string;
  module: 'MaxPool2d' | 'AvgPool2d' | 'AdaptiveAvgPool2d';
  config: { kernel_size?: number; stride?: number; padding?: number; dilation?: number; count_include_pad?: boolean; output_size?: number };
  input: TorchTensor;
  g: TorchTensor;
  output: TorchTensor;
  grads: { input: TorchTensor };
}

const layers = JSON.parse(readFileSync(new URL('../fixtures/torch/layers.json', import.meta.url), 'utf8')) as {
  cases: Array<TorchPoolCase | { module: string }>;
};
const torchPoolCases = layers.cases.filter((c): c is TorchPoolCase => ['MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d'].includes(c.module));

describe('pooling matches PyTorch (layers.json)', () => {
  it('has the fixture cases', () => {
    expect(torchPoolCases.length).toBeGreaterThanOrEqual(7);
  });
  for (const c of torchPoolCases) {
    it(c.name, async () => {
      const k = c.config.kernel_size ?? 1;
      const pair = (v: number | undefined, fallback: number): Pair => [v ?? fallback, v ?? fallback];
      const kind: Kind =
        c.module === 'MaxPool2d'
          ? 'max'
          : c.module === 'AdaptiveAvgPool2d'
            ? 'global'
            : c.config.count_include_pad === false
              ? 'avgExcludePad'
              : 'avg';
      const options = {
        stride: pair(c.config.stride, k),
        padding: pair(c.config.padding, 0),
        ...(kind === 'max' ? { dilation: pair(c.config.dilation, 1) } : {}),
      };
      const r = await runPool({ kind, x: Float32Array.from(c.input.data), g: Float32Array.from(c.g.data), xShape: c.input.shape, kernel: [k, k], options });
      expect(r.yShape).toEqual(c.output.shape);
      expectAllClose(r.y, c.output.data, { atol: 1e-6, rtol: 1e-4, shape: c.output.shape });
      expectAllClose(r.dx, c.grads.input.data, { atol: 1e-6, rtol: 1e-4, shape: c.input.shape });
    });
  }
});

describe('pooling kernels and graph', () => {
  it('maxPool2d under noGrad gives the same values without recording indices or a graph', async () => {
    const out = await gpu.run(async (E) => {
      const x = E.randn([2, 3, 7, 7], { seed: 5 });
      x.requiresGrad = true;
      const withGrad = E.maxPool2d(x, 3, { stride: 2, padding: 1 });
      const without = E.noGrad(() => E.maxPool2d(x, 3, { stride: 2, padding: 1 }));
      const a = Array.from(await withGrad.data());
      const b = Array.from(await without.data());
      const graph = without.gradFn === null;
      for (const t of [x, withGrad, without]) t.dispose();
      return { a, b, graph };
    });
    expect(out.b).toEqual(out.a);
    expect(out.graph).toBe(true);
  });

  it('each op dispatches exactly its forward and backward kernels, and leaks no buffers', async () => {
    const out = await gpu.run(async (E) => {
      const before = E.memoryStats().inUse;
      const logs: string[][] = [];
      for (const make of [
        (x: InstanceType<typeof E.Tensor>) => E.maxPool2d(x, 2),
        (x: InstanceType<typeof E.Tensor>) => E.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
        (x: InstanceType<typeof E.Tensor>) => E.adaptiveAvgPool2d(x, [1, 1]),
      ]) {
        const x = E.randn([2, 3, 6, 6], { seed: 9 });
        x.requiresGrad = true;
        let y: InstanceType<typeof E.Tensor> | undefined;
        const fwd = await E.extend.traceKernels(() => {
          y = make(x);
        });
        const g = E.onesLike(y!);
        const bwd = await E.extend.traceKernels(() => y!.backward(g));
        logs.push([...fwd, '|', ...bwd.filter((k) => k !== 'fill')]);
        for (const t of [x, y!, g]) t.dispose();
      }
      await E.sync();
      return { logs, leaked: E.memoryStats().inUse - before };
    });
    expect(out.logs).toEqual([
      ['maxPool2d.forward', '|', 'maxPool2d.backward'],
      ['avgPool2d.forward', '|', 'avgPool2d.backward'],
      ['adaptiveAvgPool2d.forward', '|', 'adaptiveAvgPool2d.backward'],
    ]);
    expect(out.leaked).toBe(0);
  });
});

describe('pooling validation', () => {
  const cases: Array<[string, string, number[], unknown, Record<string, unknown>, RegExp]> = [
    ['maxPool2d rank', 'max', [3, 8, 8], 2, {}, /^ShapeError: maxPool2d: expected a 4-D input \[N,C,H,W\], got \[3,8,8\]/],
    ['maxPool2d output size ≤ 0', 'max', [1, 1, 2, 2], 3, {}, /^ShapeError: maxPool2d: output size \[0,0\] ≤ 0 for input \[1,1,2,2\], kernel \[3,3\]/],
    [
      'maxPool2d padding > half the kernel',
      'max',
      [1, 1, 8, 8],
      2,
      { padding: 2 },
      /^ShapeError: maxPool2d: padding \[2,2\] must be at most half the kernel size \[2,2\]/,
    ],
    ['maxPool2d zero stride', 'max', [1, 1, 8, 8], 2, { stride: 0 }, /^ShapeError: maxPool2d: stride must be an integer ≥ 1/],
    ['avgPool2d bad kernel', 'avg', [1, 1, 8, 8], [2, 0], {}, /^ShapeError: avgPool2d: kernelSize must be an integer ≥ 1/],
    [
      'adaptiveAvgPool2d output size 0',
      'global',
      [1, 1, 8, 8],
      0,
      {},
      /^ShapeError: adaptiveAvgPool2d: output size must be positive integers \(or null to keep an input dim\), got 0/,
    ],
    ['adaptiveAvgPool2d rank', 'global', [8, 8], 1, {}, /^ShapeError: adaptiveAvgPool2d: expected a 4-D input/],
  ];
  for (const [name, kind, shape, kernel, options, pattern] of cases) {
    it(`rejects ${name} before any GPU work`, async () => {
      const out = await gpu.run(async (E, H, kind: string, shape: number[], kernel: unknown, options: Record<string, unknown>) => {
        const x = E.zeros(shape);
        const before = E.memoryStats().dispatches;
        let message = 'no error';
        try {
          H.noLeak(E, () => {
            if (kind === 'max') E.maxPool2d(x, kernel as number, options);
            else if (kind === 'avg') E.avgPool2d(x, kernel as number, options);
            else E.adaptiveAvgPool2d(x, kernel as 1);
          });
        } catch (e) {
          message = `${(e as Error).name}: ${(e as Error).message}`;
        }
        x.dispose();
        return { message, dispatched: E.memoryStats().dispatches - before };
      }, kind, shape, kernel, options);
      expect(out.message).toMatch(pattern);
      expect(out.dispatched).toBe(0);
    });
  }
});

describe('pooling kernel versions', () => {
  it('registers each pass with v1 as its default, and forcing a version the pass does not have is an error', async () => {
    const out = await gpu.run(async (E, H) => {
      const K = E.extend.kernelVersions;
      const names = K.names().filter((n) => /Pool2d\./.test(n));
      let message = '';
      try {
        H.noLeak(E, () => K.force('maxPool2d', 'v3')); // the forward has a v3, the backward not: all or nothing
      } catch (e) {
        message = (e as Error).message;
      }
      return { names, defaults: names.map((n) => K.get(n).default), message };
    });
    expect(out.names.sort()).toEqual([
      'adaptiveAvgPool2d.backward', 'adaptiveAvgPool2d.forward', 'avgPool2d.backward', 'avgPool2d.forward', 'maxPool2d.backward', 'maxPool2d.forward',
    ]);
    expect(out.defaults).toEqual(out.names.map(() => 'v1'));
    expect(out.message).toBe('maxPool2d.backward: no kernel version "v3"; registered: v1, v2');
  });
});
