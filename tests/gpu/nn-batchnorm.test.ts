// BatchNorm2d's fused kernels: what a train-mode step dispatches, and the frozen cases (no input gradient
// for a first layer, no weight/bias gradient when frozen); the ReLU / ReLU6 folded into the normalization
// kernel (forwardWithActivation, what nn.Sequential runs for BatchNorm → ReLU) against the unfused path, train
// and eval, NaN and values past 6 included. Parity with PyTorch is in nn-layers.test.ts.

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('BatchNorm2d kernels', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('a train step is 3 forward kernels and 2 backward kernels plus the two parameter-gradient rows', async () => {
    // The kernel trace under each profile's rules (pinned, as under either WEBGPU_TENSOR_RULES): the GPU rules
    // add the statistics' combine pass (batchNorm.stats v2) and the backward sums' (batchNorm.backwardSums v2).
    const traceUnder = (rules: 'cpu' | 'gpu') =>
      gpu.run(async (E, H, profile: 'cpu' | 'gpu') => {
        await E.init({ rules: profile });
        try {
          const bn = new E.nn.BatchNorm2d(3);
          const x = E.randn([2, 3, 4, 5], { seed: 3, requiresGrad: true });
          let y: InstanceType<typeof E.Tensor> | null = null;
          const forward = await E.extend.traceKernels(() => {
            y = bn.forward(x);
          });
          const g = E.randn([2, 3, 4, 5], { seed: 4 });
          const backward = await E.extend.traceKernels(() => y!.backward(g));
          // Frozen affine parameters and an input that needs no gradient: nothing to compute at all.
          bn.freeze();
          const x2 = E.randn([2, 3, 4, 5], { seed: 5 });
          const y2 = bn.forward(x2);
          return { forward, backward, frozenRecordsGraph: y2.requiresGrad };
        } finally {
          await E.init(); // back to the run's rules
        }
      }, rules);
    const out = await traceUnder('cpu');
    expect(out.forward).toEqual(['batchnorm.stats', 'batchnorm.running', 'batchnorm.forward']);
    expect(out.backward.filter((k) => k.startsWith('batchnorm'))).toEqual(['batchnorm.backward_sums', 'batchnorm.backward_input']);
    expect(out.frozenRecordsGraph).toBe(false);
    const onGpu = await traceUnder('gpu');
    expect(onGpu.forward).toEqual(['batchnorm.stats', 'batchnorm.stats_combine', 'batchnorm.running', 'batchnorm.forward']);
    const gpuBackward = ['batchnorm.backward_sums', 'batchnorm.backward_sums_combine', 'batchnorm.backward_input'];
    expect(onGpu.backward.filter((k) => k.startsWith('batchnorm'))).toEqual(gpuBackward);
    expect(onGpu.frozenRecordsGraph).toBe(false);
  });

  it('batch statistics: v1 (a workgroup per channel) and v2 (ranges across workgroups, forced) match a float64 reference', async () => {
    // Shapes with 5 ranges (some short, the last shorter), and one with fewer elements than ranges; an offset mean (1000 + x) checks the variance's
    // accuracy through the ranges' combination.
    const shapes: Array<[number, number, number, number]> = [[1, 3, 2, 1], [2, 3, 4, 5], [3, 2, 33, 31], [5, 4, 20, 21]];
    const out = await gpu.run(async (E, H, list: typeof shapes) => {
      const res: Array<{ v: string; mean: number[]; variance: number[]; x: number[] }> = [];
      for (const shape of list) {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from(H.randomArray(n, 9), (v) => 1000 + v);
        const x = E.tensor(values, shape);
        for (const v of ['v1', 'v2']) {
          const s = E.extend.kernelVersions.using({ 'batchNorm.stats': v }, () => {
            E.extend.kernelVersions.tune('batchNorm.stats', { chunks: 5 }); // several ranges on any rules
            return E.internal.batchStatisticsByRules(x);
          });
          res.push({ v, mean: Array.from(await s.mean.data()), variance: Array.from(await s.variance.data()), x: v === 'v1' ? values : [] });
          s.mean.dispose();
          s.variance.dispose();
        }
        x.dispose();
      }
      return res;
    }, shapes);
    shapes.forEach(([N, C, Hh, W], i) => {
      const x = out[2 * i]!.x;
      for (const r of [out[2 * i]!, out[2 * i + 1]!]) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let n = 0; n < N; n++) for (let j = 0; j < Hh * W; j++) sum += x[(n * C + c) * Hh * W + j]!;
          const m = N * Hh * W;
          const mean = sum / m;
          let sq = 0;
          for (let n = 0; n < N; n++) for (let j = 0; j < Hh * W; j++) sq += (x[(n * C + c) * Hh * W + j]! - mean) ** 2;
          expect(Math.abs(r.mean[c]! - mean), `${r.v} mean c${c}`).toBeLessThanOrEqual(1e-3);
          expect(Math.abs(r.variance[c]! - sq / m), `${r.v} variance c${c}`).toBeLessThanOrEqual(2e-3 * (sq / m) + 1e-4);
        }
      }
    });
  });

  it('backward sums: v1 (a workgroup per channel) and v2 (ranges across workgroups, forced) give a float64 reference\'s gradients', async () => {
    // Train mode with a fused ReLU (the gradient through the activation in both versions) and plain; shapes with 5
    // ranges (the last shorter) and one with fewer elements than ranges.
    const shapes: Array<[number, number, number, number]> = [[1, 3, 2, 1], [3, 2, 33, 31], [5, 4, 20, 21]];
    const out = await gpu.run(async (E, H, list: typeof shapes) => {
      const res: Array<{ v: string; act: string; x: number[]; g: number[]; w: number[]; dx: number[]; dw: number[]; db: number[] }> = [];
      for (const shape of list) {
        const n = shape.reduce((a, b) => a * b, 1);
        const xs = Array.from(H.randomArray(n, 5));
        const gs = Array.from(H.randomArray(n, 6));
        for (const act of ['none', 'relu'] as const) {
          for (const v of ['v1', 'v2']) {
            E.manualSeed(2);
            const bn = new E.nn.BatchNorm2d(shape[1]);
            const ws = Array.from({ length: shape[1] }, (_, c) => 1.5 - 0.7 * c);
            E.copyInto(bn.weight!, E.tensor(ws));
            const x = E.tensor(xs, shape, { requiresGrad: true });
            const g = E.tensor(gs, shape);
            E.extend.kernelVersions.using({ 'batchNorm.backwardSums': v }, () => {
              E.extend.kernelVersions.tune('batchNorm.backwardSums', { chunks: 5 }); // several ranges on any rules
              const y = bn.forwardWithActivation(x, act === 'relu' ? 'relu' : 'none');
              y.backward(g);
              y.dispose();
            });
            res.push({
              v, act, x: xs, g: gs, w: ws,
              dx: Array.from(await x.grad!.data()), dw: Array.from(await bn.weight!.grad!.data()), db: Array.from(await bn.bias!.grad!.data()),
            });
            for (const t of [x, g]) t.dispose();
            bn.dispose();
          }
        }
      }
      return res;
    }, shapes);
    let k = 0;
    for (const [N, C, Hh, W] of shapes) {
      const m = N * Hh * W;
      for (let r = 0; r < 4; r++, k++) {
        const o = out[k]!;
        const at = (n: number, c: number, j: number): number => (n * C + c) * Hh * W + j;
        for (let c = 0; c < C; c++) {
          let mean = 0;
          for (let n = 0; n < N; n++) for (let j = 0; j < Hh * W; j++) mean += o.x[at(n, c, j)]! / m;
          let vr = 0;
          for (let n = 0; n < N; n++) for (let j = 0; j < Hh * W; j++) vr += (o.x[at(n, c, j)]! - mean) ** 2 / m;
          const istd = 1 / Math.sqrt(vr + 1e-5);
          // g through the ReLU (bias 0: y > 0 exactly where w·x̂ > 0), then the sums.
          const gp = (i: number): number => (o.act === 'relu' && o.w[c]! * (o.x[i]! - mean) * istd <= 0 ? 0 : o.g[i]!);
          let sg = 0;
          let sgx = 0;
          for (let n = 0; n < N; n++) {
            for (let j = 0; j < Hh * W; j++) {
              const i = at(n, c, j);
              sg += gp(i);
              sgx += gp(i) * (o.x[i]! - mean) * istd;
            }
          }
          const tag = `${o.v} ${o.act} [${N},${C},${Hh},${W}] c${c}`;
          expect(Math.abs(o.db[c]! - sg), `${tag} db`).toBeLessThanOrEqual(1e-3 + 1e-4 * Math.abs(sg));
          expect(Math.abs(o.dw[c]! - sgx), `${tag} dw`).toBeLessThanOrEqual(1e-3 + 1e-4 * Math.abs(sgx));
          for (let n = 0; n < N; n++) {
            for (let j = 0; j < Hh * W; j++) {
              const i = at(n, c, j);
              const want = o.w[c]! * istd * (gp(i) - (sg + (o.x[i]! - mean) * istd * sgx) / m);
              expect(Math.abs(o.dx[i]! - want), `${tag} dx[${i}]`).toBeLessThanOrEqual(1e-3 + 1e-3 * Math.abs(want));
            }
          }
        }
      }
    }
  });

  it('eval-mode gradients match finite differences of the eval forward', async () => {
    const out = await gpu.run(async (E) => {
      const bn = new E.nn.BatchNorm2d(2);
      E.copyInto(bn.runningMean!, E.tensor([0.3, -0.2]));
      E.copyInto(bn.runningVar!, E.tensor([1.5, 0.7]));
      E.copyInto(bn.weight!, E.tensor([1.2, -0.8]));
      E.copyInto(bn.bias!, E.tensor([0.1, 0.4]));
      bn.eval();
      const xs = [0.5, -1, 2, 0.25, 1.5, -0.5, 0.75, -2];
      const gs = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5];
      const x = E.tensor(xs, [1, 2, 2, 2], { requiresGrad: true });
      bn.forward(x).backward(E.tensor(gs, [1, 2, 2, 2]));
      return { dx: Array.from(await x.grad!.data()), dw: Array.from(await bn.weight!.grad!.data()), db: Array.from(await bn.bias!.grad!.data()) };
    });
    // y = (x − rm)/sqrt(rv + eps)·w + b: dx = g·w/sqrt(rv + eps), dw = Σ g·(x − rm)/sqrt(rv + eps), db = Σ g
    const rm = [0.3, -0.2];
    const rv = [1.5, 0.7];
    const w = [1.2, -0.8];
    const xs = [0.5, -1, 2, 0.25, 1.5, -0.5, 0.75, -2];
    const gs = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5];
    const istd = rv.map((v) => 1 / Math.sqrt(v + 1e-5));
    const c = (i: number): number => Math.floor(i / 4);
    expect(out.dx.map((v) => +v.toFixed(5))).toEqual(gs.map((g, i) => +(g * w[c(i)]! * istd[c(i)]!).toFixed(5)));
    const dw = [0, 1].map((ch) => xs.reduce((acc, x, i) => (c(i) === ch ? acc + gs[i]! * (x - rm[ch]!) * istd[ch]! : acc), 0));
    const db = [0, 1].map((ch) => gs.reduce((acc, g, i) => (c(i) === ch ? acc + g : acc), 0));
    out.dw.forEach((v, i) => expect(v).toBeCloseTo(dw[i]!, 5));
    out.db.forEach((v, i) => expect(v).toBeCloseTo(db[i]!, 5));
  });

  it('batchNorm.apply v1 and v2 (forced; vec4 words) give the same bits and a float64 reference; v2 refuses H·W % 4 ≠ 0', async () => {
    type Value = number | string;
    const out = await gpu.run(async (E, H) => {
      const { nn } = E;
      const enc = (v: number): Value => (Number.isFinite(v) ? v : String(v));
      const res: Record<string, { y: Value[]; x: number[]; mean: number[]; variance: number[]; w: number[] | null; b: number[] | null }> = {};
      for (const affine of [true, false]) {
        for (const training of [false, true]) {
          for (const v of ['v1', 'v2']) {
            const bn = new nn.BatchNorm2d(3, { affine });
            const x = E.tensor(Array.from({ length: 2 * 3 * 4 * 6 }, (_, i) => (i === 9 ? NaN : Math.sin(i * 0.7) * 3 + (i % 5))), [2, 3, 4, 6]);
            const state: Record<string, InstanceType<typeof E.Tensor>> = {
              running_mean: E.tensor([0.5, -1, 2], [3]),
              running_var: E.tensor([1.5, 0.25, 4], [3]),
            };
            if (affine) Object.assign(state, { weight: E.tensor([2, -0.5, 1], [3]), bias: E.tensor([0.1, 3, -2], [3]) });
            bn.loadStateDict(state, { strict: false });
            bn.train(training);
            const forward = async () => (affine ? bn.forwardWithActivation(x, 'relu6') : bn.forward(x));
            const y = await E.extend.kernelVersions.using({ 'batchNorm.apply': v }, forward);
            const xs = Array.from(await x.data());
            let mean = [0.5, -1, 2];
            let variance = [1.5, 0.25, 4];
            if (training) {
              // Batch statistics of the finite channels (channel 0 holds the NaN), biased variance.
              const of = (c: number): number[] => xs.filter((_, i) => Math.floor(i / 24) % 3 === c);
              mean = [0, 1, 2].map((c) => of(c).reduce((p, q) => p + q, 0) / of(c).length);
              variance = [0, 1, 2].map((c) => of(c).reduce((p, q) => p + (q - mean[c]!) ** 2, 0) / of(c).length);
            }
            res[`${affine ? 'affine' : 'plain'} ${training ? 'train' : 'eval'} ${v}`] = {
              y: Array.from(await y.data()).map(enc), x: xs, mean, variance, w: affine ? [2, -0.5, 1] : null, b: affine ? [0.1, 3, -2] : null,
            };
            for (const t of [x, y]) t.dispose();
            bn.dispose();
          }
        }
      }
      const odd = E.tensor(Array.from({ length: 3 * 3 * 3 }, (_, i) => i), [1, 3, 3, 3]);
      const bnOdd = new nn.BatchNorm2d(3);
      bnOdd.eval();
      let refused = '';
      try {
        H.noLeak(E, () => E.extend.kernelVersions.using({ 'batchNorm.apply': 'v2' }, () => bnOdd.forward(odd)));
      } catch (e) {
        refused = String(e);
      }
      odd.dispose();
      bnOdd.dispose();
      return { res, refused };
    });
    expect(out.refused).toMatch(/batchNorm\.apply.*H·W a multiple of 4, got 9/);
    for (const tag of ['affine eval', 'affine train', 'plain eval', 'plain train']) {
      const a = out.res[`${tag} v1`]!;
      const b = out.res[`${tag} v2`]!;
      expect(b.y, tag).toEqual(a.y);
      a.y.forEach((got, i) => {
        const c = Math.floor(i / 24) % 3;
        let want = (a.x[i]! - a.mean[c]!) / Math.sqrt(a.variance[c]! + 1e-5);
        if (a.w) want = Math.min(Math.max(want * a.w[c]! + a.b![c]!, 0), 6);
        if (!Number.isFinite(want)) expect(got, `${tag} [${i}]`).toBe(String(want));
        else expect(Math.abs((got as number) - want), `${tag} [${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
      });
    }
  });

  it('BatchNorm → ReLU / ReLU6 folded: the unfused values and gradients (train and eval, NaN, past 6), fewer kernels', async () => {
    type Value = number | 'NaN';
    const out = await gpu.run(async (E) => {
      const { nn } = E;
      const encode = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v);
      const res: Array<{ tag: string; fused: Value[]; composed: Value[]; forward: string[]; backward: string[] }> = [];
      for (const act of ['relu', 'relu6'] as const) {
        for (const training of [true, false]) {
          const run = async (fused: boolean) => {
            E.manualSeed(11);
            const bn = new nn.BatchNorm2d(3);
            const values = Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i * 1.3) * 4 + (i % 3));
            if (!training) values[7] = NaN; // eval: the NaN stays in its element (train: it would fill the channel)
            const x = E.tensor(values, [2, 3, 4, 5], { requiresGrad: true });
            // A scale and shift that put outputs on both sides of 0 and past 6.
            bn.loadStateDict({ weight: E.tensor([3, -2, 1.5], [3]), bias: E.tensor([2, 0.5, -1], [3]) }, { strict: false });
            bn.train(training);
            let y!: InstanceType<typeof E.Tensor>;
            const forward = await E.extend.traceKernels(() => {
              if (fused) y = bn.forwardWithActivation(x, act);
              else {
                const pre = bn.forward(x);
                y = act === 'relu' ? E.relu(pre) : E.relu6(pre);
                pre.dispose();
              }
            });
            const g = E.tensor(Array.from({ length: y.size }, (_, i) => ((i % 5) - 2) * 0.5), y.shape);
            const backward = await E.extend.traceKernels(() => y.backward(g));
            const flat: Value[] = [];
            for (const t of [y, x.grad!, bn.weight!.grad!, bn.bias!.grad!]) flat.push(...Array.from(await t.data()).map(encode));
            for (const t of [x, y, g]) t.dispose();
            bn.dispose();
            return { flat, forward, backward };
          };
          const f = await run(true);
          const u = await run(false);
          res.push({ tag: `${act} ${training ? 'train' : 'eval'}`, fused: f.flat, composed: u.flat, forward: f.forward, backward: f.backward });
        }
      }
      return res;
    });
    for (const r of out) {
      expect(r.fused.length, r.tag).toBe(r.composed.length);
      r.fused.forEach((v, i) => {
        const want = r.composed[i]!;
        if (v === 'NaN' || want === 'NaN') expect(v, `${r.tag} element ${i}`).toBe(want);
        else expect(Math.abs(v - want), `${r.tag} element ${i}: ${v} vs ${want}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want));
      });
      if (r.tag.endsWith('eval')) expect(r.fused, r.tag).toContain('NaN');
      expect(r.forward.filter((k) => k === 'relu' || k === 'relu6'), r.tag).toEqual([]);
      expect(r.backward.filter((k) => k.endsWith('Grad')), r.tag).toEqual([]);
    }
  });
});
