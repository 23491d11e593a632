// The PyTorch pieces users reach for first, against tests/fixtures/torch/pieces.json (torch 1.13, float32):
// where, clamp, minimum / maximum (ties), the comparisons (int32 0/1), gather and indexSelect over every dim,
// var / std, maxWithIndices / minWithIndices, adaptiveAvgPool2d to any size, nn.LayerNorm, nn.BatchNorm1d,
// and the state-dict keys of nn.ModuleList / nn.ModuleDict. Forward values and the gradients of Σ out·g.
// Then what the fixtures cannot show: deterministic backward passes, device-side index checks, nn.init's
// statistics and seed, and errors before any GPU work.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface T {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}
interface PieceCase {
  name: string;
  op: string;
  attrs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inputs: T[];
  output?: T;
  outputs?: Record<string, T>;
  g?: T;
  grads?: Array<T | null>;
  params?: { weight: T; bias: T };
  grads_params?: { weight: T; bias: T };
  buffers?: { running_mean: T; running_var: T };
  eval_input?: T;
  eval_output?: T;
  keys?: string[];
  shapes?: number[][];
  /** Set by the test: run with layerNorm.forward v2 forced, its rows cut into 3 ranges. */
  forceSplit?: boolean;
}

interface PieceResult {
  outputs: Record<string, { shape: number[]; dtype: string; data: number[] }>;
  grads: Array<number[] | null>;
  gradsParams: Record<string, number[]>;
  buffers: Record<string, number[]>;
  evalOutput: number[] | null;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/pieces.json', import.meta.url), 'utf8')) as { cases: PieceCase[] };
const gpu = useGpuPage();

function runCase(c: PieceCase): Promise<PieceResult> {
  return gpu.run(async (E, _H, c: PieceCase) => {
    type Tensor = InstanceType<typeof E.Tensor>;
    const made: Tensor[] = [];
    const up = (t: { shape: number[]; dtype: string; data: number[] }, grad: boolean): Tensor => {
      const isInt = t.dtype === 'int64';
      const x = E.tensor(t.data, t.shape, { dtype: isInt ? 'int32' : 'float32', requiresGrad: grad && !isInt });
      made.push(x);
      return x;
    };
    const withGrad = c.g !== undefined;
    const ins = c.inputs.map((t) => up(t, withGrad));
    const A = c.attrs;
    const outputs: Record<string, Tensor> = {};
    const result: PieceResult = { outputs: {}, grads: [], gradsParams: {}, buffers: {}, evalOutput: null };
    let layer: InstanceType<typeof E.nn.LayerNorm> | InstanceType<typeof E.nn.BatchNorm1d> | null = null;
    const [x, y, z] = ins as [Tensor, Tensor, Tensor];
    switch (c.op) {
      case 'where': outputs.out = A.other !== undefined ? E.where(x, y, A.other) : E.where(x, y, z); break;
      case 'clamp': outputs.out = E.clamp(x, A.min, A.max); break;
      case 'minimum': outputs.out = A.scalar !== undefined ? E.minimum(x, A.scalar) : E.minimum(x, y); break;
      case 'maximum': outputs.out = A.scalar !== undefined ? x.maximum(A.scalar) : x.maximum(y); break;
      case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
        outputs.out = A.scalar !== undefined ? E[c.op](x, A.scalar) : x[c.op](y);
        break;
      case 'eqArgmax': outputs.out = E.eq(E.argmax(x, 1), y); break;
      case 'gather': outputs.out = x.gather(A.dim, y); break;
      case 'indexSelect': outputs.out = E.indexSelect(x, A.dim, y); break;
      case 'var': outputs.out = A.dim === undefined ? x.var() : E.variance(x, A.dim, { keepdim: A.keepdim, correction: A.correction }); break;
      case 'std': outputs.out = A.dim === undefined ? E.std(x) : x.std(A.dim, { keepdim: A.keepdim, correction: A.correction }); break;
      case 'maxWithIndices': case 'minWithIndices': {
        const r = c.op === 'maxWithIndices' ? E.maxWithIndices(x, A.dim, A.keepdim) : x.minWithIndices(A.dim, A.keepdim);
        outputs.values = r.values;
        outputs.indices = r.indices;
        break;
      }
      case 'adaptiveAvgPool2d': outputs.out = new E.nn.AdaptiveAvgPool2d(A.outputSize).forward(x); break;
      case 'LayerNorm': {
        const m = new E.nn.LayerNorm(A.normalizedShape, { elementwiseAffine: A.affine });
        if (c.params) {
          E.copyInto(m.weight!, up(c.params.weight, false));
          E.copyInto(m.bias!, up(c.params.bias, false));
        }
        layer = m;
        if (c.forceSplit) {
          outputs.out = E.extend.kernelVersions.using({ 'layerNorm.forward': 'v2' }, () => {
            E.extend.kernelVersions.tune('layerNorm.forward', { chunks: 3 }); // several ranges on any rules
            return m.forward(x);
          });
        } else {
          outputs.out = m.forward(x);
        }
        break;
      }
      case 'BatchNorm1d': {
        const m = new E.nn.BatchNorm1d(A.numFeatures);
        const sd = m.stateDict();
        E.copyInto(sd.get('weight')!, up(c.params!.weight, false));
        E.copyInto(sd.get('bias')!, up(c.params!.bias, false));
        layer = m;
        outputs.out = m.forward(x);
        break;
      }
      default: throw new Error(`unknown op ${c.op}`);
    }
    for (const [k, t] of Object.entries(outputs)) result.outputs[k] = { shape: [...t.shape], dtype: t.dtype, data: Array.from(await t.data()) };
    if (withGrad) {
      const out = outputs.out ?? outputs.values!;
      const g = up(c.g!, false);
      out.backward(g);
      result.grads = await Promise.all(ins.map(async (t) => (t.grad ? Array.from(await t.grad.data()) : null)));
      if (layer) {
        for (const [k, p] of layer.namedParameters()) if (p.grad) result.gradsParams[k] = Array.from(await p.grad.data());
      }
    }
    if (layer instanceof E.nn.BatchNorm1d) {
      result.buffers.running_mean = Array.from(await layer.runningMean!.data());
      result.buffers.running_var = Array.from(await layer.runningVar!.data());
      layer.eval();
      const ye = layer.forward(up(c.eval_input!, false));
      result.evalOutput = Array.from(await ye.data());
      ye.dispose();
    }
    layer?.dispose();
    for (const t of [...made, ...Object.values(outputs)]) t.dispose();
    return result;
  }, c);
}

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('PyTorch pieces vs fixtures', () => {
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  // LayerNorm's cases once more with layerNorm.forward v2 forced (row ranges across workgroups; the backward reads its statistics).
  const split = fixture.cases.filter((c) => c.op === 'LayerNorm').map((c) => ({ ...c, name: `${c.name} (layerNorm.forward v2 forced)`, forceSplit: true }));
  for (const c of [...fixture.cases.filter((c) => c.op !== 'stateDictKeys'), ...split]) {
    it(c.name, async () => {
      const got = await runCase(c);
      const want = c.outputs ?? { out: c.output! };
      for (const [k, w] of Object.entries(want)) {
        const o = got.outputs[k]!;
        expect(o.shape, `${k} shape`).toEqual(w.shape);
        expect(o.dtype, `${k} dtype`).toBe(w.dtype === 'int64' ? 'int32' : 'float32');
        if (w.dtype === 'int64') expect(o.data, k).toEqual(w.data);
        else expectAllClose(o.data, w.data, { ...TOL, shape: w.shape });
      }
      c.grads?.forEach((w, i) => {
        if (!w) return;
        expect(got.grads[i], `grad ${i}`).not.toBeNull();
        expectAllClose(got.grads[i]!, w.data, { ...TOL, shape: w.shape });
      });
      for (const [k, w] of Object.entries(c.grads_params ?? {})) expectAllClose(got.gradsParams[k]!, w.data, { ...TOL, shape: w.shape });
      for (const [k, w] of Object.entries(c.buffers ?? {})) expectAllClose(got.buffers[k]!, w.data, { ...TOL, shape: w.shape });
      if (c.eval_output) expectAllClose(got.evalOutput!, c.eval_output.data, { ...TOL, shape: c.eval_output.shape });
    });
  }

  it('nn.ModuleList and nn.ModuleDict give PyTorch state-dict keys', async () => {
    const want = fixture.cases.find((c) => c.op === 'stateDictKeys')!;
    const got = await gpu.run((E) => {
      const { nn } = E;
      class Net extends nn.Module {
        layers = new nn.ModuleList([new nn.Linear(3, 4), new nn.LayerNorm(4), new nn.Linear(4, 2)]);
        heads = new nn.ModuleDict({ age: new nn.Linear(2, 1), gender: new nn.Linear(2, 2) });
        bn = new nn.BatchNorm1d(2);
        forward(x: InstanceType<typeof E.Tensor>): InstanceType<typeof E.Tensor> {
          let h = x;
          for (const l of this.layers) h = l.forward(h);
          return this.heads.get('age').forward(this.bn.forward(h));
        }
      }
      const net = new Net();
      const sd = net.stateDict();
      const out = {
        keys: [...sd.keys()],
        shapes: [...sd.values()].map((t) => [...t.shape]),
        len: net.layers.length,
        at: net.layers.at(-1).typeName,
        dictKeys: net.heads.keys(),
      };
      net.dispose();
      return out;
    });
    expect(got.keys).toEqual(want.keys);
    expect(got.shapes).toEqual(want.shapes);
    expect(got.len).toBe(3);
    expect(got.at).toBe('Linear');
    expect(got.dictKeys).toEqual(['age', 'gender']);
  });
});

describe('PyTorch pieces beyond the fixtures', () => {
  it('layerNorm.forward v1 and v2 (forced, 5 ranges) match a float64 reference on long offset rows (NaN, ±inf rows NaN), same gradients', async () => {
    const [R, D] = [4, 1301];
    const out = await gpu.run(async (E, H, [R, D]: number[]) => {
      const x = Array.from(H.randomArray(R! * D!, 3), (v) => 1000 + 3 * v); // an offset mean tests the variance's accuracy
      x[D! + 7] = NaN; // row 1
      x[2 * D! + 900] = Infinity; // row 2
      const w = Array.from(H.randomArray(D!, 4));
      const b = Array.from(H.randomArray(D!, 5));
      const g = Array.from(H.randomArray(R! * D!, 6));
      const res: Record<string, { y: number[]; dx: number[]; dw: number[]; db: number[] }> = {};
      for (const v of ['v1', 'v2']) {
        const xt = E.tensor(x, [R!, D!], { requiresGrad: true });
        const wt = E.tensor(w, [D!], { requiresGrad: true });
        const bt = E.tensor(b, [D!], { requiresGrad: true });
        const y = E.extend.kernelVersions.using({ 'layerNorm.forward': v }, () => {
          E.extend.kernelVersions.tune('layerNorm.forward', { chunks: 5 });
          return E.nn.layerNorm(xt, [D!], wt, bt);
        });
        const gt = E.tensor(g, [R!, D!]);
        y.backward(gt);
        const [dx, dw, db] = [xt.grad!, wt.grad!, bt.grad!].map(async (t) => Array.from(await t.data()));
        res[v] = { y: Array.from(await y.data()), dx: await dx!, dw: await dw!, db: await db! };
        for (const t of [xt, wt, bt, y, gt]) t.dispose();
      }
      return { x, w, b, res };
    }, [R, D]);
    const { x, w, b, res } = out;
    for (let r = 0; r < R; r++) {
      const row = x.slice(r * D, (r + 1) * D);
      const mu = row.reduce((a, v) => a + v, 0) / D;
      const rstd = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / D + 1e-5);
      for (const v of ['v1', 'v2']) {
        for (let j = 0; j < D; j++) {
          const got = res[v]!.y[r * D + j]!;
          if (!Number.isFinite(mu) || Number.isNaN(rstd)) expect(Number.isNaN(got), `${v} row ${r}`).toBe(true);
          else expect(Math.abs(got - ((row[j]! - mu) * rstd * w[j]! + b[j]!)), `${v} row ${r} col ${j}`).toBeLessThanOrEqual(2e-3);
        }
      }
    }
    // The rows without NaN/inf: v2's statistics feed the same backward passes as v1's.
    const finite = (a: number[]): number[] => a.slice(0, D).concat(a.slice(3 * D));
    expectAllClose(finite(res.v2!.dx), finite(res.v1!.dx), { atol: 1e-4, rtol: 1e-3 });
    expect(res.v2!.dw.map(Number.isNaN)).toEqual(res.v1!.dw.map(Number.isNaN));
    expect(res.v2!.db).toEqual(res.v1!.db); // Σg does not read the statistics
  });

  it('gather and indexSelect backward passes are bit-identical from run to run with many repeated indices', async () => {
    const same = await gpu.run(async (E) => {
      await E.init();
      const n = 2000;
      const idx = E.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 3), [n], { dtype: 'int32' });
      const idx2 = E.reshape(idx, [n, 1]);
      const vals = Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3 + 1e-3 * i);
      const runs: number[][] = [];
      for (let r = 0; r < 3; r++) {
        const x = E.tensor(new Float32Array(3 * 1), [3, 1], { requiresGrad: true });
        const g = E.tensor(vals, [n, 1]);
        E.indexSelect(x, 0, idx).backward(g);
        const xs = E.tensor(new Float32Array(3), [1, 3], { requiresGrad: true });
        const gg = E.tensor(vals, [1, n]);
        E.gather(xs, 1, E.reshape(idx2, [1, n])).backward(gg);
        runs.push([...Array.from(await x.grad!.data()), ...Array.from(await xs.grad!.data())]);
      }
      return runs;
    });
    expect(same[1]).toEqual(same[0]);
    expect(same[2]).toEqual(same[0]);
  });

  it('gather finds an out-of-range index on the GPU and names the op', async () => {
    const msg = await gpu.run(async (E, H) => {
      const x = E.tensor([1, 2, 3, 4], [2, 2]);
      const i = E.tensor([0, 2, 1, 0], [2, 2], { dtype: 'int32' });
      const y = E.gather(x, 1, i);
      try {
        await H.noLeak(E, () => y.data());
        return 'no error';
      } catch (e) {
        const ok = await E.tensor([5]).data(); // the engine keeps working
        return `${(e as Error).name}: ${(e as Error).message} | ${ok[0]}`;
      }
    });
    expect(msg).toMatch(/^IndexError: gather: index 2 is out of range: valid indices are \[0, 2\)/);
    expect(msg).toMatch(/\| 5$/);
  });

  it('indexSelect finds an out-of-range index on the GPU and names the op', async () => {
    const msg = await gpu.run(async (E, H) => {
      const x = E.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
      const y = E.indexSelect(x, 0, E.tensor([2, -1, 0], [3], { dtype: 'int32' }));
      try {
        await H.noLeak(E, () => y.data());
        return 'no error';
      } catch (e) {
        const ok = await E.indexSelect(x, 1, E.tensor([1], [1], { dtype: 'int32' })).data(); // the engine keeps working
        return `${(e as Error).name}: ${(e as Error).message} | ${Array.from(ok).join(',')}`;
      }
    });
    expect(msg).toMatch(/^IndexError: indexSelect: index -1 is out of range: valid indices are \[0, 3\)/);
    expect(msg).toMatch(/\| 2,4,6$/);
  });

  it('rejects bad input before any GPU work, naming the op and the shapes', async () => {
    const errors = await gpu.run((E, H) => {
      const x = E.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const attempt = (f: () => unknown): string => {
        try {
          H.noLeak(E, f);
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const ln = new E.nn.LayerNorm(4);
      const bn = new E.nn.BatchNorm1d(3);
      const z = E.zeros([2, 2]);
      const before = E.memoryStats().dispatches;
      // The operands, made first (uploads and views, no dispatches) and disposed after.
      const int = (v: number[], shape: number[]) => E.tensor(v, shape, { dtype: 'int32' });
      const t = {
        i2: int([0, 1], [2]), i32: int([0, 1, 0, 1, 0, 1], [3, 2]), f12: E.tensor([0, 1], [1, 2]), c2: int([1, 0], [2]), f3: E.tensor([1, 2, 3]),
        c3: int([1, 0, 1], [3]), n3: int([1, 2, 3], [3]), f2: E.tensor([1, 2]), img: E.reshape(x, [1, 1, 2, 3]), seq: E.reshape(x, [1, 2, 3]),
      };
      const dict = new E.nn.ModuleDict({ a: new E.nn.ReLU() });
      const out = [
        attempt(() => E.gather(x, 1, t.i2)),
        attempt(() => E.gather(x, 1, t.i32)),
        attempt(() => E.gather(x, 1, t.f12)),
        attempt(() => E.where(t.c2, x, t.f3)),
        attempt(() => E.where(t.c3, x, t.n3)),
        attempt(() => E.clamp(x)),
        attempt(() => E.eq(x, t.f2)),
        attempt(() => E.variance(x, 2)),
        attempt(() => E.std(x, 1, { unbiased: false } as never)),
        attempt(() => E.maxWithIndices(x, 3)),
        attempt(() => E.adaptiveAvgPool2d(t.img, [0, 2])),
        attempt(() => ln.forward(x)),
        attempt(() => bn.forward(t.seq)),
        attempt(() => dict.get('b')),
        attempt(() => E.nn.init.kaimingUniform(t.f3)),
        attempt(() => E.nn.init.kaimingNormal(z, { nonlinearity: 'leaky_relu' as never })),
      ];
      // The tensors made above were uploads, not dispatches; the checks threw before any kernel.
      const dispatches = E.memoryStats().dispatches - before;
      for (const u of Object.values(t)) u.dispose();
      ln.dispose();
      bn.dispose();
      return { out, dispatches };
    });
    expect(errors.out).toEqual([
      'ShapeError: gather: index [2] must have the input\'s rank 2 (input [2,3])',
      'ShapeError: gather: index [3,2] is larger than input [2,3] in dim 0 (only dim 1 may be larger)',
      'DTypeError: gather: index must be int32, got [1,2] float32',
      'ShapeError: where: shapes [2] and [2,3] cannot be broadcast (dim 1: 2 vs 3)',
      'DTypeError: where: operands must have one dtype, got [2,3] float32 and [3] int32',
      'EngineError: clamp: at least one of min and max must be given',
      'ShapeError: eq: shapes [2,3] and [2] cannot be broadcast (dim 1: 3 vs 2)',
      'ShapeError: variance: dim 2 is out of range for a tensor of rank 2',
      'EngineError: std: unknown option "unbiased"; accepted: correction, keepdim',
      'ShapeError: maxWithIndices: dim 3 is out of range for a tensor of rank 2',
      'ShapeError: adaptiveAvgPool2d: output size must be positive integers (or null to keep an input dim), got [0,2]',
      'ShapeError: LayerNorm: expected input [..., 4], got [2,3]',
      'ShapeError: BatchNorm1d: expected input [N, 3] or [N, 3, L], got [1,2,3]',
      'EngineError: ModuleDict: no module "b" (keys: a)',
      'ShapeError: init.kaimingUniform: fan in and fan out need a tensor with at least 2 dims, got [3]',
      'EngineError: calculateGain: unknown nonlinearity "leaky_relu"; known: linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu, selu',
    ]);
    expect(errors.dispatches).toBe(0);
  });

  it('nn.init fills in place with the right spread, repeatably under manualSeed', async () => {
    const r = await gpu.run(async (E) => {
      const stats = async (t: InstanceType<typeof E.Tensor>): Promise<{ mean: number; std: number; maxAbs: number }> => {
        const d = Array.from(await t.data());
        const mean = d.reduce((a, b) => a + b, 0) / d.length;
        const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
        return { mean, std, maxAbs: Math.max(...d.map(Math.abs)) };
      };
      const w = E.zeros([64, 32, 3, 3]); // fanIn 288, fanOut 576
      E.manualSeed(7);
      E.nn.init.kaimingUniform(w);
      const ku = await stats(w);
      const first = Array.from((await w.data()).slice(0, 8));
      E.manualSeed(7);
      E.nn.init.kaimingUniform(w);
      const again = Array.from((await w.data()).slice(0, 8));
      E.nn.init.kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu' });
      const kn = await stats(w);
      E.nn.init.xavierUniform(w, { gain: 2 });
      const xu = await stats(w);
      E.nn.init.xavierNormal(w);
      const xn = await stats(w);
      E.nn.init.constant(w, 0.25);
      const c = await stats(w);
      const lin = new E.nn.Linear(4, 3);
      E.nn.init.zeros(lin.bias!);
      E.nn.init.ones(lin.weight);
      const y = await lin.forward(E.ones([1, 4])).data();
      return { ku, first, again, kn, xu, xn, c, y: Array.from(y) };
    });
    const n = 64 * 32 * 9;
    const tol = (std: number): number => 4 * std / Math.sqrt(n); // 4 standard errors of a std estimate, roughly
    const kuBound = Math.sqrt(2) * Math.sqrt(3 / 288);
    expect(r.ku.maxAbs).toBeLessThanOrEqual(kuBound);
    expect(Math.abs(r.ku.std - kuBound / Math.sqrt(3))).toBeLessThan(tol(kuBound));
    expect(r.again).toEqual(r.first);
    expect(Math.abs(r.kn.std - Math.sqrt(2 / 576))).toBeLessThan(tol(Math.sqrt(2 / 576)));
    const xuBound = 2 * Math.sqrt(6 / (288 + 576));
    expect(r.xu.maxAbs).toBeLessThanOrEqual(xuBound);
    expect(Math.abs(r.xu.std - xuBound / Math.sqrt(3))).toBeLessThan(tol(xuBound));
    expect(Math.abs(r.xn.std - Math.sqrt(2 / 864))).toBeLessThan(tol(Math.sqrt(2 / 864)));
    expect(Math.abs(r.xn.mean)).toBeLessThan(tol(Math.sqrt(2 / 864)));
    expect(r.c).toEqual({ mean: 0.25, std: 0, maxAbs: 0.25 });
    expect(r.y).toEqual([4, 4, 4]);
  });

  it('eq(argmax(logits, 1), labels).float().mean() is an accuracy, and comparisons are int32', async () => {
    const r = await gpu.run(async (E) => {
      const logits = E.tensor([[1, 3, 2], [5, 0, 1], [0, 0, 9], [2, 1, 0]]);
      const labels = E.tensor([1, 0, 1, 2], [4], { dtype: 'int32' });
      const hit = E.eq(E.argmax(logits, 1), labels);
      return { dtype: hit.dtype, acc: await hit.float().mean().item(), ne: Array.from(await labels.ne(1).data()) };
    });
    expect(r).toEqual({ dtype: 'int32', acc: 0.5, ne: [0, 1, 0, 1] });
  });
});
