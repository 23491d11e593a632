// State dicts and weights: keys, shapes and order vs PyTorch (state_dict.json), loading PyTorch's
// model.safetensors into BNNet, save → load round trips (bytes and Blob), strict / non-strict errors for
// missing, unexpected and mis-shaped keys, malformed files, and the bad-input messages of layers.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/nn/safetensors.ts';
import { useGpuPage } from '../harness/gpu.ts';

interface Entry {
  key: string;
  shape: number[];
  dtype: 'float32' | 'int64';
  kind: 'parameter' | 'buffer';
}
const stateCases = (
  JSON.parse(readFileSync(new URL('../fixtures/torch/state_dict.json', import.meta.url), 'utf8')) as { cases: Array<{ name: string; entries: Entry[] }> }
).cases;
const fileBytes = Array.from(readFileSync(new URL('../fixtures/torch/model.safetensors', import.meta.url)));
const fileJson = JSON.parse(readFileSync(new URL('../fixtures/torch/model.safetensors.json', import.meta.url), 'utf8')) as {
  tensors: Record<string, { dtype: string; shape: number[]; data: number[] }>;
};

describe('nn state dicts and safetensors weights', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
      // The two fixture models, kept on the page for the tests below.
      const { nn } = E;
      class OptimNet extends nn.Module {
        trunk = this.registerModule('trunk', new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 6)));
        head = this.registerModule('head', new nn.Linear(6, 3));
        forward(x: InstanceType<typeof E.Tensor>) {
          return this.head.forward(this.trunk.forward(x));
        }
      }
      const bnnet = () => new nn.Sequential({
        features: new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2)),
        classifier: new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(72, 10)),
      });
      (globalThis as Record<string, unknown>).models = { OptimNet, bnnet };
    });
  });

  it('state dict keys, shapes, dtypes and order match PyTorch', async () => {
    const got = await gpu.run(async (E) => {
      const { OptimNet, bnnet } = (globalThis as Record<string, any>).models; // eslint-disable-line @typescript-eslint/no-explicit-any
      const describe = (m: InstanceType<typeof E.nn.Module>) => {
        const params = new Set<unknown>(m.parameters());
        return [...m.stateDict()].map(([key, t]) => ({ key, shape: [...t.shape], dtype: t.dtype, kind: params.has(t) ? 'parameter' : 'buffer' }));
      };
      const a = new OptimNet();
      const b = bnnet();
      const out = { optim_model: describe(a), bn_model: describe(b) };
      a.dispose();
      b.dispose();
      return out;
    });
    for (const c of stateCases) {
      const want = c.entries.map((e) => ({ ...e, dtype: e.dtype === 'int64' ? 'int32' : e.dtype }));
      expect(got[c.name as keyof typeof got]).toEqual(want);
    }
  });

  it("loads PyTorch's model.safetensors (bytes and Blob) into BNNet", async () => {
    const got = await gpu.run(async (E, _H, bytes) => {
      const { bnnet } = (globalThis as Record<string, any>).models; // eslint-disable-line @typescript-eslint/no-explicit-any
      const read = async (m: InstanceType<typeof E.nn.Module>) =>
        Object.fromEntries(await Promise.all([...m.stateDict()].map(async ([k, t]) => [k, Array.from(await t.data())] as const)));
      const a = bnnet();
      const ra = await E.nn.loadSafetensors(a, new Uint8Array(bytes).buffer);
      const b = bnnet();
      await E.nn.loadSafetensors(b, new Blob([new Uint8Array(bytes)]));
      const out = { a: await read(a), b: await read(b), result: ra };
      a.dispose();
      b.dispose();
      return out;
    }, fileBytes);
    expect(got.result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, t] of Object.entries(fileJson.tensors)) {
      // The JSON holds 9 significant digits: exactly the float32 values after Math.fround.
      expect(got.a[k]).toEqual(t.data.map(Math.fround));
      expect(got.b[k]).toEqual(t.data.map(Math.fround));
    }
    expect(got.a['features.1.num_batches_tracked']).toEqual([2]);
  });

  it('save → load round trip: bytes and Blob, F32 and I32, PyTorch key order', async () => {
    const got = await gpu.run(async (E, _H, bytes) => {
      const { bnnet } = (globalThis as Record<string, any>).models; // eslint-disable-line @typescript-eslint/no-explicit-any
      const { nn } = E;
      const read = async (m: InstanceType<typeof nn.Module>) =>
        Object.fromEntries(await Promise.all([...m.stateDict()].map(async ([k, t]) => [k, Array.from(await t.data())] as const)));
      const src = bnnet();
      await nn.loadSafetensors(src, new Uint8Array(bytes));
      const saved = await nn.saveSafetensors(src);
      const blob = await nn.saveSafetensorsBlob(src);
      const viaBytes = bnnet();
      await nn.loadSafetensors(viaBytes, saved);
      const viaBlob = bnnet();
      await nn.loadSafetensors(viaBlob, blob);
      const out = { src: await read(src), viaBytes: await read(viaBytes), viaBlob: await read(viaBlob), saved: Array.from(saved), blobSize: blob.size };
      for (const m of [src, viaBytes, viaBlob]) m.dispose();
      return out;
    }, fileBytes);
    expect(got.viaBytes).toEqual(got.src);
    expect(got.viaBlob).toEqual(got.src);
    expect(got.blobSize).toBe(got.saved.length);
    const parsed = parseSafetensors(new Uint8Array(got.saved));
    expect([...parsed.tensors.keys()]).toEqual(stateCases.find((c) => c.name === 'bn_model')!.entries.map((e) => e.key));
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.tensors.get('features.1.num_batches_tracked')).toEqual({ dtype: 'int32', shape: [], data: new Int32Array([2]) });
    // The header names the dtypes F32 and I32.
    const headerLen = new DataView(new Uint8Array(got.saved).buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(got.saved).subarray(8, 8 + headerLen))) as Record<string, { dtype: string }>;
    expect(header['features.0.weight']!.dtype).toBe('F32');
    expect(header['features.1.num_batches_tracked']!.dtype).toBe('I32');
  });

  it('strict and non-strict loading: missing, unexpected and mis-shaped keys', async () => {
    const got = await gpu.run(async (E, H, bytes) => {
      const { bnnet } = (globalThis as Record<string, any>).models; // eslint-disable-line @typescript-eslint/no-explicit-any
      const { nn } = E;
      const full = E.parseSafetensors(new Uint8Array(bytes)).tensors;
      const m = bnnet();
      const before = Array.from(await m.stateDict().get('classifier.2.bias')!.data());
      const attempt = (dict: Map<string, unknown>, strict?: boolean) => {
        try {
          const r = H.noLeak(E, () => m.loadStateDict(dict as never, strict === undefined ? {} : { strict }));
          return { ok: r };
        } catch (e) {
          const err = e as InstanceType<typeof nn.StateDictError>;
          return {
            name: err.name,
            message: err.message,
            missing: err.missingKeys,
            unexpected: err.unexpectedKeys,
            mismatched: err.mismatchedKeys,
            isStateDictError: e instanceof nn.StateDictError,
          };
        }
      };
      const missing = new Map(full);
      missing.delete('classifier.2.bias');
      missing.delete('features.1.running_var');
      const unexpected = new Map(full);
      unexpected.set('classifier.3.weight', { dtype: 'float32', shape: [2, 2], data: new Float32Array(4) });
      const misShaped = new Map(full);
      misShaped.set('classifier.2.weight', { dtype: 'float32', shape: [10, 70], data: new Float32Array(700) });
      const wrongDtype = new Map(full);
      wrongDtype.set('features.1.num_batches_tracked', { dtype: 'float32', shape: [], data: new Float32Array(1) });
      const both = new Map(unexpected);
      both.delete('classifier.2.bias');
      const results = {
        missing: attempt(missing),
        unexpected: attempt(unexpected),
        misShaped: attempt(misShaped),
        wrongDtype: attempt(wrongDtype),
        misShapedLoose: attempt(misShaped, false),
      };
      const unchanged = Array.from(await m.stateDict().get('classifier.2.bias')!.data());
      const loose = attempt(both, false);
      const loaded = Array.from(await m.stateDict().get('features.0.bias')!.data());
      const keptBias = Array.from(await m.stateDict().get('classifier.2.bias')!.data());
      let malformed = '';
      try {
        await H.noLeak(E, () => nn.loadSafetensors(m, new Uint8Array(bytes).slice(0, 100)));
      } catch (e) {
        malformed = `${(e as Error).name}: ${(e as Error).message}`;
      }
      m.dispose();
      return { results, loose, before, unchanged, loaded, keptBias, malformed };
    }, fileBytes);
    const r = got.results;
    expect(r.missing).toMatchObject({
      name: 'StateDictError',
      isStateDictError: true,
      missing: ['features.1.running_var', 'classifier.2.bias'],
      unexpected: [],
      mismatched: [],
    });
    expect(r.missing.message).toContain('missing keys (2): "features.1.running_var" [8], "classifier.2.bias" [10]');
    expect(r.missing.message).toContain('pass { strict: false }');
    expect(r.unexpected.message).toContain('unexpected keys (1): "classifier.3.weight" [2,2]');
    expect(r.misShaped.message).toContain('"classifier.2.weight": checkpoint [10,70] float32, model [10,72] float32');
    expect(r.wrongDtype.message).toContain('"features.1.num_batches_tracked": checkpoint [] float32, model [] int32');
    // Non-strict still refuses mis-shaped keys, and a refused load writes nothing.
    expect(r.misShapedLoose.mismatched).toEqual(['classifier.2.weight']);
    expect(got.unchanged).toEqual(got.before);
    // Non-strict: loads what matches, reports the rest.
    expect(got.loose).toEqual({ ok: { missingKeys: ['classifier.2.bias'], unexpectedKeys: ['classifier.3.weight'] } });
    expect(got.loaded).toEqual(fileJson.tensors['features.0.bias']!.data.map(Math.fround));
    expect(got.keptBias).toEqual(got.before);
    expect(got.malformed).toMatch(/^SafetensorsError: safetensors: /);
  });

  it('a wrong input shape names the layer path and the expected shape, before any GPU work', async () => {
    const got = await gpu.run(async (E, H) => {
      const { OptimNet, bnnet } = (globalThis as Record<string, any>).models; // eslint-disable-line @typescript-eslint/no-explicit-any
      const { nn } = E;
      const net = new OptimNet();
      const bn = bnnet();
      const [linear, conv] = [new nn.Linear(6, 3), new nn.Conv2d(3, 4, 5)];
      const errors: string[] = [];
      const attempt = (fn: () => unknown) => {
        try {
          H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      };
      const dispatches = E.memoryStats().dispatches;
      const inputs = [[4, 5], [4, 3, 4, 4], [2, 4, 8, 8], [2, 5, 4, 4], [8, 6, 6], [2]].map((shape) => E.zeros(shape));
      const [intInput, small] = [E.zeros([4, 6], { dtype: 'int32' }), E.zeros([1, 3, 4, 4])];
      attempt(() => net.head.forward(inputs[0]!));
      attempt(() => net.forward(inputs[1]!));
      attempt(() => bn.forward(inputs[2]!));
      attempt(() => bn.getSubmodule('features.1').forward(inputs[3]!));
      attempt(() => bn.getSubmodule('features.3').forward(inputs[4]!));
      attempt(() => linear.forward(inputs[5]!));
      attempt(() => net.head.forward(intInput));
      attempt(() => conv.forward(small));
      const recorded = E.memoryStats().dispatches - dispatches;
      // Through Sequential: the error names the inner layer.
      const x = E.zeros([2, 3, 10, 10]);
      attempt(() => bn.forward(x));
      for (const t of [...inputs, intInput, small, x]) t.dispose();
      for (const l of [net, bn, linear, conv]) l.dispose();
      return { errors, recorded };
    });
    expect(got.errors).toEqual([
      'ShapeError: Linear "head": expected input [..., 6], got [4,5]',
      'ShapeError: Conv2d "trunk.0": expected input [N, 1, H, W], got [4,3,4,4]',
      'ShapeError: Conv2d "features.0": expected input [N, 3, H, W], got [2,4,8,8]',
      'ShapeError: BatchNorm2d "features.1": expected input [N, 8, H, W], got [2,5,4,4]',
      'ShapeError: MaxPool2d "features.3": expected input [N, C, H, W], got [8,6,6]',
      'ShapeError: Linear: expected input [..., 6], got [2]',
      'DTypeError: Linear "head": expected a float32 input, got [4,6] int32',
      'ShapeError: Conv2d: expected input [N, 3, H, W], got [1,3,4,4] (the 5 kernel does not fit the padded input)',
      'ShapeError: Linear "classifier.2": expected input [..., 72], got [2,128]',
    ]);
    // Only the zeros() fills of the inputs ran (8 of them): the layers recorded nothing.
    expect(got.recorded).toBe(8);
  });
});
