// conv2d: every kernel version (naive v1, implicit-GEMM v2 with default and small tiles, forced split-K) against
// the float64 CPU reference on odd shapes, the backward against finite differences, PyTorch parity on the
// layers.json fixtures, which backward kernels run (traceKernels), validation before GPU work, and the
// registered versions (tests/unit/kernel-headers.test.ts checks the WGSL headers against them). Shapes stay small: SwiftShader runs at
// ~0.5 GFLOP/s.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';
import { randomArray } from '../harness/cpu.ts';
import { type Conv2dGeometry, type Pair, conv2dBackward, conv2dDims, conv2dForward } from '../harness/cpu-conv.ts';

interface ConvCase {
  name: string;
  input: [number, number, number, number];
  weight: [number, number, number, number];
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

const CASES: ConvCase[] = [
  { name: 'N1 1→1 k3 on 5×5', input: [1, 1, 5, 5], weight: [1, 1, 3, 3] },
  { name: 'N3 3→5 k3 p1 on 7×9', input: [3, 3, 7, 9], weight: [5, 3, 3, 3], padding: [1, 1], bias: true },
  { name: 'N1 5→3 k3 s2 p1 on 9×9', input: [1, 5, 9, 9], weight: [3, 5, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
  { name: 'N2 3→4 k3 s2 p0 on 8×8 (even)', input: [2, 3, 8, 8], weight: [4, 3, 3, 3], stride: [2, 2] },
  { name: 'N1 3→5 k3 d2 p2 on 9×7', input: [1, 3, 9, 7], weight: [5, 3, 3, 3], padding: [2, 2], dilation: [2, 2], bias: true },
  { name: 'N1 3→4 k3 s2 d2 p2 on 9×9 (stride and dilation)', input: [1, 3, 9, 9], weight: [4, 3, 3, 3], stride: [2, 2], padding: [2, 2], dilation: [2, 2] },
  { name: 'N2 4→6 k3 groups 2 p1 on 7×7', input: [2, 4, 7, 7], weight: [6, 2, 3, 3], padding: [1, 1], groups: 2, bias: true },
  { name: 'N2 5→5 depthwise k3 p1 on 9×9', input: [2, 5, 9, 9], weight: [5, 1, 3, 3], padding: [1, 1], groups: 5, bias: true },
  { name: 'N1 3→6 depthwise ×2 k3 s2 p1 on 7×7', input: [1, 3, 7, 7], weight: [6, 1, 3, 3], stride: [2, 2], padding: [1, 1], groups: 3 },
  { name: 'N3 5→7 1×1 on 5×5', input: [3, 5, 5, 5], weight: [7, 5, 1, 1], bias: true },
  { name: 'N2 3→4 1×1 s2 on 7×7 (phases without taps)', input: [2, 3, 7, 7], weight: [4, 3, 1, 1], stride: [2, 2] },
  { name: 'N1 2→3 k2 s3 on 9×9 (stride > kernel)', input: [1, 2, 9, 9], weight: [3, 2, 2, 2], stride: [3, 3] },
  { name: 'N1 3→5 k3×2 s2×1 p1×0 on 9×7 (rectangular)', input: [1, 3, 9, 7], weight: [5, 3, 3, 2], stride: [2, 1], padding: [1, 0], bias: true },
  { name: 'N2 2→3 k2×3 d2×1 p0×2 on 5×7', input: [2, 2, 5, 7], weight: [3, 2, 2, 3], padding: [0, 2], dilation: [2, 1] },
  { name: 'N3 3→2 k3 p1 on 1×1', input: [3, 3, 1, 1], weight: [2, 3, 3, 3], padding: [1, 1], bias: true },
  { name: 'N1 3→4 k5 on 5×5 (output 1×1)', input: [1, 3, 5, 5], weight: [4, 3, 5, 5] },
  { name: 'N2 8→70 k3 p1 on 11×13 (several tiles)', input: [2, 8, 11, 13], weight: [70, 8, 3, 3], padding: [1, 1], bias: true },
  { name: 'N1 70→6 k3 s2 p1 on 9×10 (several channel tiles)', input: [1, 70, 9, 10], weight: [6, 70, 3, 3], stride: [2, 2], padding: [1, 1] },
];

/** A kernel configuration: the version forced on every conv2d pass, optional v2 tiles and split-K count. */
interface KernelConfig {
  label: string;
  version: 'v1' | 'v2' | 'v3';
  tiles?: { WG_X: number; WG_Y: number; TILE_K: number };
  splits?: number;
  /** The forward pass forced to another version (the others keep `version`): 'matmul' takes dense convs only. */
  forward?: 'matmul';
  /** The backward passes (dgrad, wgrad) forced to another version, as `forward`. */
  backward?: 'matmul';
}

const CONFIGS: KernelConfig[] = [
  { label: 'v1', version: 'v1' },
  { label: 'v2', version: 'v2' },
  { label: 'v2 small tiles, split-K 3', version: 'v2', tiles: { WG_X: 4, WG_Y: 4, TILE_K: 4 }, splits: 3 },
  { label: 'v3', version: 'v3' },
  { label: 'v3, weight gradient in 3 row ranges', version: 'v3', splits: 3 },
  { label: 'forward as a matrix product (im2col · v7 or v6), v3 backward', version: 'v3', forward: 'matmul' },
  { label: 'forward and backward as matrix products (im2col, col2im)', version: 'v3', forward: 'matmul', backward: 'matmul' },
];

/** The configs a case runs: the matmul versions take groups = 1 only. */
const configsFor = (c: ConvCase): KernelConfig[] => CONFIGS.filter((k) => k.forward !== 'matmul' || (c.groups ?? 1) === 1);

interface ConvRunSpec {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array | null;
  g: Float32Array;
  xShape: number[];
  wShape: number[];
  options: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number };
  configs: KernelConfig[];
}

interface ConvRunResult {
  y: Float32Array;
  yShape: number[];
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array | null;
}

const gpu = useGpuPage();

/** Forward + backward (upstream `g`) under each kernel config, in the page. */
function runConv(spec: ConvRunSpec): Promise<ConvRunResult[]> {
  return gpu.run(async (E, _H, s: ConvRunSpec) => {
    const K = E.extend.kernelVersions;
    const out: ConvRunResult[] = [];
    for (const cfg of s.configs) {
      K.reset();
      K.force('conv2d', cfg.version);
      if (cfg.forward) K.force('conv2d.forward', cfg.forward);
      if (cfg.backward) for (const pass of ['conv2d.dgrad', 'conv2d.wgrad']) K.force(pass, cfg.backward);
      K.tune('conv2d', { tiles: cfg.tiles ?? null });
      K.tune('conv2d', { splits: cfg.splits ?? null }); // every pass: the forward and input gradient's split-K too
      try {
        const x = E.tensor(s.x, s.xShape, { requiresGrad: true });
        const w = E.tensor(s.w, s.wShape, { requiresGrad: true });
        const b = s.b ? E.tensor(s.b, [s.wShape[0]!], { requiresGrad: true }) : null;
        const y = E.conv2d(x, w, b, s.options);
        const g = E.tensor(s.g, y.shape);
        y.backward(g);
        out.push({
          y: (await y.data()) as Float32Array,
          yShape: [...y.shape],
          dx: (await x.grad!.data()) as Float32Array,
          dw: (await w.grad!.data()) as Float32Array,
          db: b ? ((await b.grad!.data()) as Float32Array) : null,
        });
        for (const t of [x, w, b, y, g]) t?.dispose();
      } finally {
        K.reset();
      }
    }
    return out;
  }, spec);
}

function geometryOf(c: ConvCase): Conv2dGeometry {
  return { input: c.input, weight: c.weight, stride: c.stride ?? [1, 1], padding: c.padding ?? [0, 0], dilation: c.dilation ?? [1, 1], groups: c.groups ?? 1 };
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('conv2d kernels vs the CPU reference', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const geo = geometryOf(c);
      const d = conv2dDims(geo);
      const x = randomArray(size(c.input), 100 + i);
      const w = randomArray(size(c.weight), 200 + i);
      const b = c.bias ? randomArray(c.weight[0], 300 + i) : null;
      const g = randomArray(d.N * d.O * d.OH * d.OW, 400 + i);
      const y = conv2dForward(x, w, b, geo);
      const ref = conv2dBackward(x, w, g, geo);
      const options = { stride: geo.stride!, padding: geo.padding!, dilation: geo.dilation!, groups: geo.groups! };
      const configs = configsFor(c);
      const results = await runConv({ x, w, b, g, xShape: c.input, wShape: c.weight, options, configs });
      results.forEach((r, k) => {
        const tag = `${c.name} [${configs[k]!.label}]`;
        const tol = { atol: 2e-5, rtol: 1e-4 };
        expect(r.yShape, tag).toEqual([d.N, d.O, d.OH, d.OW]);
        try {
          expectAllClose(r.y, y, { ...tol, shape: r.yShape });
          expectAllClose(r.dx, ref.dx, { ...tol, shape: c.input });
          expectAllClose(r.dw, ref.dw, { ...tol, shape: c.weight });
          if (b) expectAllClose(r.db!, ref.db, tol);
        } catch (e) {
          (e as Error).message = `${tag}: ${(e as Error).message}`;
          throw e;
        }
      });
    });
  });

  it('the fast and naive versions agree on a stride-2 layer with bias (N2 16→24 on 15×15)', async () => {
    const c: ConvCase = { name: 'agree', input: [2, 16, 15, 15], weight: [24, 16, 3, 3], stride: [2, 2], padding: [1, 1], bias: true };
    const geo = geometryOf(c);
    const d = conv2dDims(geo);
    const options = { stride: geo.stride!, padding: geo.padding!, dilation: geo.dilation!, groups: 1 };
    const [naive, fast] = await runConv({
      x: randomArray(size(c.input), 1),
      w: randomArray(size(c.weight), 2),
      b: randomArray(24, 3),
      g: randomArray(d.N * d.O * d.OH * d.OW, 4),
      xShape: c.input,
      wShape: c.weight,
      options,
      configs: CONFIGS.slice(0, 2),
    });
    expectAllClose(fast!.y, naive!.y, { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(fast!.dx, naive!.dx, { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(fast!.dw, naive!.dw, { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(fast!.db!, naive!.db!, { atol: 1e-5, rtol: 1e-5 });
  });
});

describe('conv2d backward vs finite differences', () => {
  it('dx, dw, db of sum(conv2d(x, w, b) · g) on N1 2→3 k3 s2 p1 on 5×5', async () => {
    const out = await gpu.run(async (E, H) => {
      const xShape = [1, 2, 5, 5];
      const wShape = [3, 2, 3, 3];
      const opts = { stride: 2, padding: 1 };
      const x0 = H.randomArray(50, 11);
      const w0 = H.randomArray(54, 12);
      const b0 = H.randomArray(3, 13);
      const g0 = H.randomArray(3 * 3 * 3, 14);
      const loss = async (xa: Float32Array, wa: Float32Array, ba: Float32Array): Promise<number> => {
        const [xt, wt, bt] = [E.tensor(xa, xShape), E.tensor(wa, wShape), E.tensor(ba, [3])];
        const y = E.conv2d(xt, wt, bt, opts);
        const v = await y.data();
        for (const t of [xt, wt, bt, y]) t.dispose();
        let s = 0;
        for (let i = 0; i < v.length; i++) s += v[i]! * g0[i]!;
        return s;
      };
      // The loss is linear in each operand, so a central difference with a large step is exact up to rounding.
      const eps = 0.25;
      const numeric = async (which: 0 | 1 | 2): Promise<number[]> => {
        const base = [x0, w0, b0][which]!;
        const grads: number[] = [];
        for (let i = 0; i < base.length; i++) {
          const plus = base.slice();
          const minus = base.slice();
          plus[i]! += eps;
          minus[i]! -= eps;
          const args = (a: Float32Array): [Float32Array, Float32Array, Float32Array] =>
            which === 0 ? [a, w0, b0] : which === 1 ? [x0, a, b0] : [x0, w0, a];
          grads.push(((await loss(...args(plus))) - (await loss(...args(minus)))) / (2 * eps));
        }
        return grads;
      };
      const x = E.tensor(x0, xShape, { requiresGrad: true });
      const w = E.tensor(w0, wShape, { requiresGrad: true });
      const b = E.tensor(b0, [3], { requiresGrad: true });
      E.conv2d(x, w, b, opts).backward(E.tensor(g0, [1, 3, 3, 3]));
      return {
        dx: Array.from(await x.grad!.data()), dw: Array.from(await w.grad!.data()), db: Array.from(await b.grad!.data()),
        nx: await numeric(0), nw: await numeric(1), nb: await numeric(2),
      };
    });
    expectAllClose(out.dx, out.nx, { atol: 1e-4, rtol: 1e-3 });
    expectAllClose(out.dw, out.nw, { atol: 1e-4, rtol: 1e-3 });
    expectAllClose(out.db, out.nb, { atol: 1e-4, rtol: 1e-3 });
  });
});

interface TorchTensor { shape: number[]; data: number[] }
interface TorchLayerCase {
  name: string;
  module: string;
  config: { kernel_size: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number; bias: boolean };
  params: { weight: TorchTensor; bias?: TorchTensor };
  input: TorchTensor;
  g: TorchTensor;
  output: TorchTensor;
  grads: { input: TorchTensor; weight: TorchTensor; bias?: TorchTensor };
}

const layers = JSON.parse(readFileSync(new URL('../fixtures/torch/layers.json', import.meta.url), 'utf8')) as { cases: TorchLayerCase[] };
const torchConvCases = layers.cases.filter((c) => c.module === 'Conv2d');

describe('conv2d matches PyTorch (layers.json)', () => {
  it('has the fixture cases', () => {
    expect(torchConvCases.length).toBeGreaterThanOrEqual(8);
  });
  for (const c of torchConvCases) {
    it(c.name, async () => {
      const f32 = (t: TorchTensor): Float32Array => Float32Array.from(t.data);
      const [r] = await runConv({
        x: f32(c.input),
        w: f32(c.params.weight),
        b: c.params.bias ? f32(c.params.bias) : null,
        g: f32(c.g),
        xShape: c.input.shape,
        wShape: c.params.weight.shape,
        options: { stride: c.config.stride, padding: c.config.padding, dilation: c.config.dilation, groups: c.config.groups },
        configs: [{ label: 'default', version: 'v2' }],
      });
      const tol = { atol: 1e-5, rtol: 1e-4 };
      expect(r!.yShape).toEqual(c.output.shape);
      expectAllClose(r!.y, c.output.data, { ...tol, shape: c.output.shape });
      expectAllClose(r!.dx, c.grads.input.data, { ...tol, shape: c.input.shape });
      expectAllClose(r!.dw, c.grads.weight.data, { ...tol, shape: c.params.weight.shape });
      if (c.grads.bias) expectAllClose(r!.db!, c.grads.bias.data, tol);
    });
  }
});

describe('conv2d backward runs only the passes that are needed', () => {
  it('frozen weight: no wgrad; input without grad: no dgrad; no bias grad unless asked', async () => {
    const out = await gpu.run(async (E) => {
      const trace = async (xGrad: boolean, wGrad: boolean, bGrad: boolean, forced: Record<string, string> = {}): Promise<string[]> => {
        const x = E.randn([2, 3, 6, 6], { seed: 1 });
        const w = E.randn([4, 3, 3, 3], { seed: 2 });
        const b = E.randn([4], { seed: 3 });
        x.requiresGrad = xGrad;
        w.requiresGrad = wGrad;
        b.requiresGrad = bGrad;
        const y = E.conv2d(x, w, b, { padding: 1 });
        const g = E.onesLike(y);
        const log = await E.extend.kernelVersions.using(forced, () => E.extend.traceKernels(() => y.backward(g)));
        for (const t of [x, w, b, y, g]) t.dispose();
        return log;
      };
      return {
        all: await trace(true, true, true, { 'conv2d.wgrad': 'v3' }),
        allMatmul: await trace(true, true, true, { 'conv2d.wgrad': 'matmul' }),
        frozenWeight: await trace(true, false, false),
        inputNoGrad: await trace(false, true, true, { 'conv2d.wgrad': 'v3' }),
        biasOnly: await trace(false, false, true),
      };
    });
    // The bias gradient rides in the weight gradient's pass when that runs (v1, v2, v3); the weight gradient as a
    // matrix product (the CPU rules' choice for most dense layers) sums it in one pass of its own.
    expect(out.all).toEqual(expect.arrayContaining(['conv2d.dgrad', 'conv2d.wgrad']));
    expect(out.all).not.toContain('conv2d.bias_grad');
    expect(out.allMatmul).toEqual(expect.arrayContaining(['conv2d.dgrad', 'conv2d.wgrad']));
    expect(out.allMatmul.filter((k) => k === 'conv2d.bias_grad')).toHaveLength(1);
    expect(out.frozenWeight).toContain('conv2d.dgrad');
    expect(out.frozenWeight.filter((k) => k.startsWith('conv2d.wgrad') || k === 'conv2d.bias_grad')).toEqual([]);
    expect(out.inputNoGrad).toContain('conv2d.wgrad');
    expect(out.inputNoGrad).not.toContain('conv2d.bias_grad');
    expect(out.inputNoGrad).not.toContain('conv2d.dgrad');
    expect(out.biasOnly.filter((k) => k.startsWith('conv2d.'))).toEqual(['conv2d.bias_grad']);
  });

  it('records no graph when nothing needs a gradient, and leaks no buffers', async () => {
    const out = await gpu.run(async (E) => {
      const before = E.memoryStats().inUse;
      const x = E.randn([2, 3, 6, 6], { seed: 1 });
      const w = E.randn([4, 3, 3, 3], { seed: 2 });
      const y = E.conv2d(x, w, null, { padding: 1 });
      const noNode = y.gradFn === null && !y.requiresGrad;
      x.requiresGrad = true;
      w.requiresGrad = true;
      const y2 = E.conv2d(x, w, null, { stride: 2, padding: 1 });
      const g = E.onesLike(y2);
      y2.backward(g);
      for (const t of [x, w, y, y2, g]) t.dispose();
      await E.sync();
      return { noNode, leaked: E.memoryStats().inUse - before };
    });
    expect(out.noNode).toBe(true);
    expect(out.leaked).toBe(0);
  });
});

describe('conv2d validation', () => {
  const cases: Array<[string, [number[], number[], number[] | null, Record<string, unknown>], RegExp]> = [
    ['channel mismatch', [[2, 3, 8, 8], [4, 5, 3, 3], null, {}], /conv2d: input \[2,3,8,8\] has 3 channels, weight \[4,5,3,3\] expects 5 \(groups 1\)/],
    [
      'groups not dividing the input channels',
      [[1, 3, 8, 8], [4, 1, 3, 3], null, { groups: 2 }],
      /conv2d: input \[1,3,8,8\] has 3 channels, which groups 2 does not divide/,
    ],
    [
      'groups not dividing the output channels',
      [[1, 4, 8, 8], [3, 2, 3, 3], null, { groups: 2 }],
      /conv2d: weight \[3,2,3,3\] has 3 output channels, which groups 2 does not divide/,
    ],
    ['output size ≤ 0', [[1, 3, 2, 2], [4, 3, 3, 3], null, {}], /conv2d: output size \[0,0\] ≤ 0 for input \[1,3,2,2\], kernel \[3,3\]/],
    ['input rank', [[3, 8, 8], [4, 3, 3, 3], null, {}], /conv2d: expected a 4-D input \[N,C,H,W\], got \[3,8,8\]/],
    ['weight rank', [[1, 3, 8, 8], [4, 3, 3], null, {}], /conv2d: expected a 4-D weight \[O,C\/groups,kH,kW\], got \[4,3,3\]/],
    ['bias shape', [[1, 3, 8, 8], [4, 3, 3, 3], [5], {}], /conv2d: bias \[5\] does not match weight \[4,3,3,3\]: expected \[4\]/],
    ['bad stride', [[1, 3, 8, 8], [4, 3, 3, 3], null, { stride: 0 }], /conv2d: stride must be an integer ≥ 1/],
    ['negative padding', [[1, 3, 8, 8], [4, 3, 3, 3], null, { padding: [1, -1] }], /conv2d: padding must be an integer ≥ 0/],
  ];
  for (const [name, args, pattern] of cases) {
    it(`rejects ${name} before any GPU work`, async () => {
      const out = await gpu.run(async (E, H, xs: number[], ws: number[], bs: number[] | null, opts: Record<string, unknown>) => {
        const x = E.zeros(xs);
        const w = E.zeros(ws);
        const b = bs ? E.zeros(bs) : null;
        const before = E.memoryStats().dispatches;
        let message = '';
        try {
          H.noLeak(E, () => E.conv2d(x, w, b, opts));
        } catch (e) {
          message = `${(e as Error).name}: ${(e as Error).message}`;
        }
        return { message, dispatched: E.memoryStats().dispatches - before };
      }, ...args);
      expect(out.message).toMatch(pattern);
      expect(out.message).toMatch(/^ShapeError/);
      expect(out.dispatched).toBe(0);
    });
  }

  it('rejects an unknown version, and a forced version that does not take the shape, before any GPU work', async () => {
    const out = await gpu.run(async (E, H) => {
      const K = E.extend.kernelVersions;
      const messages: string[] = [];
      try {
        H.noLeak(E, () => K.force('conv2d.forward', 'v7'));
      } catch (e) {
        messages.push((e as Error).message);
      }
      const x = E.zeros([1, 1, 3, 3]);
      const w = E.zeros([1, 1, 3, 3]);
      const before = E.memoryStats().dispatches;
      K.force('conv2d.forward', 'depthwise');
      try {
        H.noLeak(E, () => E.conv2d(x, w)).dispose();
        messages.push('no error');
      } catch (e) {
        messages.push((e as Error).message);
      } finally {
        K.reset();
      }
      const dispatched = E.memoryStats().dispatches - before;
      x.dispose();
      w.dispose();
      return { messages, dispatched };
    });
    expect(out.messages[0]).toMatch(/conv2d\.forward: no kernel version "v7"; registered: v1, v2, v3, depthwise, matmul/);
    expect(out.messages[1]).toMatch(/conv2d\.forward depthwise \(forced\): needs a depthwise conv \(groups = C = O\)/);
    expect(out.dispatched).toBe(0);
  });
});

describe('conv2d kernel versions', () => {
  it('registers v1 (naive) first and v2 as the default of every pass; using() forces and restores', async () => {
    const out = await gpu.run(async (E) => {
      const K = E.extend.kernelVersions;
      const passes = ['conv2d.forward', 'conv2d.dgrad', 'conv2d.wgrad'].map((n) => K.get(n));
      const inside = await K.using({ conv2d: 'v1', 'conv2d.wgrad': 'depthwise' }, async () => passes.map((p) => p.forced));
      return { names: passes.map((p) => p.versionNames), defaults: passes.map((p) => p.default), inside, after: passes.map((p) => p.forced) };
    });
    const names = ['v1', 'v2', 'v3', 'depthwise', 'matmul'];
    expect(out.names).toEqual([names, names, names]);
    expect(out.defaults).toEqual(['v2', 'v2', 'v2']);
    expect(out.inside).toEqual(['v1', 'v1', 'depthwise']);
    expect(out.after).toEqual([null, null, null]);
  });
});
