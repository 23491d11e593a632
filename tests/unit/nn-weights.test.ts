// The Node side of the weight helpers (src/nn/weights.ts): saving a state dict to a .safetensors file and
// loading it back by path, with a stand-in module (no GPU in Node): what the helpers read and what they pass
// to loadStateDict.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, type HostTensor } from '../../src/nn/safetensors.ts';
import { loadSafetensors, saveSafetensors, saveSafetensorsFile, type WeightsModule } from '../../src/nn/weights.ts';

const dir = mkdtempSync(join(tmpdir(), 'nn-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeModule(values: Record<string, HostTensor>): WeightsModule & { loaded: Array<Map<string, HostTensor>> } {
  const loaded: Array<Map<string, HostTensor>> = [];
  return {
    loaded,
    stateDict: () => new Map(Object.entries(values).map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype, data: async () => t.data }])),
    loadStateDict: (source) => {
      loaded.push(source);
      return { missingKeys: [], unexpectedKeys: [] };
    },
  };
}

const state: Record<string, HostTensor> = {
  'trunk.0.weight': { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  'bn.num_batches_tracked': { dtype: 'int32', shape: [], data: Int32Array.from([7]) },
  'head.bias': { dtype: 'float32', shape: [2], data: Float32Array.from([-1.5, 0.25]) },
};

describe('safetensors weights in Node', () => {
  it('saves a state dict to a file and loads it back by path, in order, with { format: "pt" }', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensorsFile(fakeModule(state), path);
    const parsed = parseSafetensors(readFileSync(path));
    expect([...parsed.tensors.keys()]).toEqual(Object.keys(state));
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.tensors.get('bn.num_batches_tracked')).toEqual(state['bn.num_batches_tracked']);

    const target = fakeModule(state);
    await loadSafetensors(target, path, { strict: false });
    expect([...target.loaded[0]!.entries()]).toEqual(Object.entries(state));
    // The file bytes equal the in-memory serialization.
    expect(new Uint8Array(readFileSync(path))).toEqual(await saveSafetensors(fakeModule(state)));
  });

  it('loads PyTorch\'s fixture file by path (I64 num_batches_tracked arrives as int32)', async () => {
    const target = fakeModule({});
    await loadSafetensors(target, new URL('../fixtures/torch/model.safetensors', import.meta.url).pathname);
    const got = target.loaded[0]!;
    expect(got.get('features.1.num_batches_tracked')).toEqual({ dtype: 'int32', shape: [], data: Int32Array.from([2]) });
    expect(got.get('classifier.2.weight')!.shape).toEqual([10, 72]);
  });

  it('rejects a malformed file and a wrong source type cleanly', async () => {
    const path = join(dir, 'bad.safetensors');
    const bytes = await saveSafetensors(fakeModule(state));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    await expect(loadSafetensors(fakeModule({}), path)).rejects.toThrow(/^safetensors: /);
    await expect(loadSafetensors(fakeModule({}), 42 as never)).rejects.toThrow(/source must be an ArrayBuffer, a Uint8Array, a Blob or a file path/);
  });
});
