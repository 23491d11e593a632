// PyTorch parity for the nn layers and losses: every case of tests/fixtures/torch/layers.json and losses.json
// (torch 1.13, float32). Layers: forward, the gradients of Σ out·g for the input and every parameter, and the
// buffers after the call (BatchNorm running statistics, including a second train-mode call). Losses: the value
// and d loss / d input.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface T {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}
interface LayerCall {
  input: T;
  g: T;
  output: T;
  grads: Record<string, T>;
}
interface LayerCase extends LayerCall {
  name: string;
  module: string;
  config: Record<string, unknown>;
  train: boolean;
  params: Record<string, T>;
  buffers?: Record<string, T>;
  buffers_after?: Record<string, T>;
  next_calls?: Array<LayerCall & { buffers_after?: Record<string, T> }>;
}
interface LossCase {
  name: string;
  loss: string;
  attrs: Record<string, unknown>;
  input: T;
  target: T;
  pos_weight?: T;
  output: T;
  grads: { input: T };
}

const load = <C>(file: string): C[] => (JSON.parse(readFileSync(new URL(`../fixtures/torch/${file}`, import.meta.url), 'utf8')) as { cases: C[] }).cases;
const layerCases = load<LayerCase>('layers.json');
const lossCases = load<LossCase>('losses.json');
const engineIndex = readFileSync(new URL('../../src/engine/internal.ts', import.meta.url), 'utf8');
const hasConv = /\bconv2d\b/.test(engineIndex);
const hasPool = /\bmaxPool2d\b/.test(engineIndex);
const needs = (m: string): boolean => (m === 'Conv2d' ? hasConv : ['MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d'].includes(m) ? hasPool : true);

/** max |a − e| / max |e| per tensor, the figure reported per fixture file. */
const worst: Record<string, number> = {};
function track(file: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  worst[file] = Math.max(worst[file] ?? 0, scale > 0 ? err / scale : err);
}
function check(file: string, actual: ArrayLike<number>, want: T, what: string): void {
  expect(actual.length, what).toBe(want.data.length);
  track(file, actual, want.data);
  expectAllClose(actual, want.data, { atol: 1e-5, rtol: 1e-4, shape: want.shape });
}

describe('nn layers and losses vs PyTorch fixtures', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });
  afterAll(() => {
    console.log(`[nn parity] max |err| / max |ref| per file: ${JSON.stringify(worst)}`);
  });

  for (const c of layerCases) {
    it.skipIf(!needs(c.module))(`layer ${c.name}`, async () => {
      const got = await gpu.run(async (E, _H, c) => {
        const host = (t: { shape: number[]; dtype: string; data: number[] }) =>
          t.dtype === 'int64'
            ? { dtype: 'int32' as const, shape: t.shape, data: Int32Array.from(t.data) }
            : { dtype: 'float32' as const, shape: t.shape, data: Float32Array.from(t.data) };
        const cfg = c.config as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const { nn } = E;
        const make = (): InstanceType<typeof nn.Module> => {
          switch (c.module) {
            case 'Linear': return new nn.Linear(cfg.in_features, cfg.out_features, { bias: cfg.bias });
            case 'Conv2d':
              return new nn.Conv2d(cfg.in_channels, cfg.out_channels, cfg.kernel_size, {
                stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation, groups: cfg.groups, bias: cfg.bias,
              });
            case 'MaxPool2d': return new nn.MaxPool2d(cfg.kernel_size, { stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation });
            case 'AvgPool2d': return new nn.AvgPool2d(cfg.kernel_size, { stride: cfg.stride, padding: cfg.padding, countIncludePad: cfg.count_include_pad });
            case 'AdaptiveAvgPool2d': return new nn.AdaptiveAvgPool2d(cfg.output_size);
            case 'BatchNorm2d':
              return new nn.BatchNorm2d(cfg.num_features, {
                eps: cfg.eps, momentum: cfg.momentum, affine: cfg.affine, trackRunningStats: cfg.track_running_stats,
              });
            case 'GELU': return new nn.GELU();
            case 'Sigmoid': return new nn.Sigmoid();
            case 'Tanh': return new nn.Tanh();
            case 'ReLU': return new nn.ReLU();
            case 'Flatten': return new nn.Flatten(cfg.start_dim, cfg.end_dim);
            default: throw new Error(`no module ${c.module}`);
          }
        };
        const m = make();
        const state = Object.fromEntries([...Object.entries(c.params), ...Object.entries(c.buffers ?? {})].map(([k, t]) => [k, host(t)]));
        m.loadStateDict(state);
        m.train(c.train);
        const calls = [c, ...(c.next_calls ?? [])];
        const results: Array<{ shape: number[]; output: number[]; grads: Record<string, number[]> }> = [];
        for (const call of calls) {
          for (const p of m.parameters()) p.grad = null;
          const x = E.tensor(call.input.data, call.input.shape, { requiresGrad: true });
          const y = m.forward(x);
          const g = E.tensor(call.g.data, call.g.shape);
          E.tidy(() => y.mul(g).sum()).backward();
          const grads: Record<string, number[]> = { input: Array.from(await x.grad!.data()) };
          for (const [k, p] of m.namedParameters()) grads[k] = Array.from(await p.grad!.data());
          results.push({ shape: [...y.shape], output: Array.from(await y.data()), grads });
          for (const t of [x, y, g]) t.dispose();
        }
        const buffers: Record<string, number[]> = {};
        for (const [k, b] of m.namedBuffers()) buffers[k] = Array.from(await b.data());
        m.dispose();
        return { results, buffers };
      }, c);
      const calls = [c, ...(c.next_calls ?? [])];
      calls.forEach((call, i) => {
        const r = got.results[i]!;
        expect(r.shape).toEqual(call.output.shape);
        check('layers.json', r.output, call.output, `${c.name} call ${i} output`);
        for (const [k, want] of Object.entries(call.grads)) check('layers.json', r.grads[k]!, want, `${c.name} call ${i} grad ${k}`);
      });
      const after = c.next_calls?.at(-1)?.buffers_after ?? c.buffers_after;
      for (const [k, want] of Object.entries(after ?? {})) check('layers.json', got.buffers[k]!, want, `${c.name} buffer ${k}`);
    });
  }

  for (const c of lossCases) {
    it(`loss ${c.name}`, async () => {
      const got = await gpu.run(async (E, _H, c) => {
        const x = E.tensor(c.input.data, c.input.shape, { requiresGrad: true });
        const t = E.tensor(c.target.data, c.target.shape, { dtype: c.target.dtype === 'int64' ? 'int32' : 'float32' });
        const reduction = c.attrs.reduction as 'mean' | 'sum';
        // attrs.mask: the engine's per-sample label mask (a host array here); attrs.ignore_index: crossEntropy's.
        const mask = c.attrs.mask as number[] | undefined;
        const m = mask ? { mask } : {};
        let loss;
        switch (c.loss) {
          case 'cross_entropy': {
            const ignore = c.attrs.ignore_index as number | undefined;
            loss = E.crossEntropy(x, t, {
              reduction, labelSmoothing: c.attrs.label_smoothing as number, ...m, ...(ignore !== undefined ? { ignoreIndex: ignore } : {}),
            });
            break;
          }
          case 'binary_cross_entropy_with_logits': {
            const posWeight = c.pos_weight ? E.tensor(c.pos_weight.data, c.pos_weight.shape) : undefined;
            loss = E.bceWithLogits(x, t, { reduction, ...(posWeight ? { posWeight } : {}), ...m });
            break;
          }
          case 'mse_loss': loss = E.mseLoss(x, t, { reduction, ...m }); break;
          case 'l1_loss': loss = E.l1Loss(x, t, { reduction, ...m }); break;
          case 'huber_loss': loss = E.huberLoss(x, t, { reduction, delta: c.attrs.delta as number, ...m }); break;
          default: throw new Error(`no loss ${c.loss}`);
        }
        loss.backward();
        return { shape: [...loss.shape], value: await loss.item(), grad: Array.from(await x.grad!.data()) };
      }, c);
      expect(got.shape).toEqual([]);
      check('losses.json', [got.value], c.output, `${c.name} value`);
      check('losses.json', got.grad, c.grads.input, `${c.name} grad`);
    });
  }

  it('Dropout: drops about p, scales the rest by 1/(1 − p), new mask per call, identity in eval', async () => {
    const got = await gpu.run(async (E) => {
      const d = new E.nn.Dropout(0.25, { seed: 7 });
      const x = E.ones([64, 64], { requiresGrad: true });
      const y1 = d.forward(x);
      const y2 = d.forward(x);
      y1.sum().backward();
      const a = Array.from(await y1.data());
      const b = Array.from(await y2.data());
      const g = Array.from(await x.grad!.data());
      d.eval();
      const same = d.forward(x) === x;
      return { a, b, g, same };
    });
    const zeros = got.a.filter((v) => v === 0).length / got.a.length;
    expect(zeros).toBeGreaterThan(0.22);
    expect(zeros).toBeLessThan(0.28);
    expect(new Set(got.a)).toEqual(new Set([0, 1 / 0.75].map(Math.fround)));
    expect(got.a).not.toEqual(got.b);
    expect(got.g).toEqual(got.a); // d(Σ x·mask)/dx = mask
    expect(got.same).toBe(true);
  });

  it('BatchNorm2d with momentum null keeps a cumulative average; eval uses the running statistics', async () => {
    const got = await gpu.run(async (E) => {
      const bn = new E.nn.BatchNorm2d(2, { momentum: null, affine: false });
      const x1 = E.randn([3, 2, 2, 2], { seed: 1, mean: 2 });
      const x2 = E.randn([3, 2, 2, 2], { seed: 2, mean: -1 });
      E.tidy(() => bn.forward(x1));
      E.tidy(() => bn.forward(x2));
      const m1 = Array.from(await E.mean(x1, [0, 2, 3]).data());
      const m2 = Array.from(await E.mean(x2, [0, 2, 3]).data());
      const running = Array.from(await bn.runningMean!.data());
      const count = await bn.numBatchesTracked!.item();
      bn.eval();
      const y = Array.from(await bn.forward(x1).data());
      const rv = Array.from(await bn.runningVar!.data());
      const xs = Array.from(await x1.data());
      const want = xs.map((v, i) => { const c = Math.floor(i / 4) % 2; return (v - running[c]!) / Math.sqrt(rv[c]! + 1e-5); });
      return { m1, m2, running, count, y, want, params: bn.parameters().length, keys: [...bn.stateDict().keys()] };
    });
    expect(got.count).toBe(2);
    expectAllClose(got.running, got.m1.map((v, i) => (v + got.m2[i]!) / 2), { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(got.y, got.want, { atol: 1e-5, rtol: 1e-4 });
    expect(got.params).toBe(0);
    expect(got.keys).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  });
});
