// A model out and back in (src/transfer/model-file.ts): transfer.save writes one .safetensors whose metadata
// follows the documented convention, transfer.load rebuilds the architecture with its classes and input spec,
// and torchvision loads the same file with strict=True and computes the same logits: the fixture
// tests/fixtures/saved-resnet18.json holds torch's logits and the sha256 of the file torch read (made by
// tools/check_saved_torchvision.py from the file this test writes when SAVED_TORCH_CHECK_DIR is set), so this
// test needs no torch: it saves the same seeded resnet18 (tests/harness/zoo-seed.ts), checks the bytes are
// the ones torch loaded, and that its logits after load agree with torch's within 1e-4. Bad files are refused
// with a message that says what is missing.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const FIXTURE = new URL('../fixtures/saved-resnet18.json', import.meta.url);
const INPUT = { shape: [2, 3, 32, 32], seed: 7 };

describe('transfer.save / load', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('a saved resnet18 with a new head is the file torchvision loads strictly, and agrees with its logits within 1e-4', async () => {
    const dir = process.env.SAVED_TORCH_CHECK_DIR;
    const got = await gpu.run(async (E, H, input, keepBytes) => {
      const model = E.models.resnet18({ numClasses: 3 });
      const entries = [...model.stateDict()].map(([key, t]) => ({ key, shape: [...t.shape] }));
      model.loadStateDict(new Map(entries.map((e, i) => {
        const seeded = H.seededValues(entries, i);
        // The new head at 1/16 of zoo-seed's scale (exact: a power of two), so the logits are O(1) and 1e-4 is tight.
        const data = e.key === 'fc.weight' ? seeded.map((v) => v / 16) : seeded;
        return [e.key, { dtype: data instanceof Int32Array ? 'int32' as const : 'float32' as const, shape: e.shape, data }];
      })));
      const mean = [...E.models.IMAGENET_MEAN];
      const std = [...E.models.IMAGENET_STD];
      const spec = { size: [32, 32] as [number, number], channels: 3 as const, resizeShorter: null, mean, std };
      const bytes = await E.transfer.save(model, { classes: ['cat', 'dog', 'bird'], input: spec, architecture: { name: 'resnet18', numClasses: 3 } });
      model.dispose();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      const loaded = await E.transfer.load(new Blob([bytes]));
      const x = E.tensor(H.randomArray(input.shape.reduce((a, b) => a * b, 1), input.seed), input.shape);
      const y = E.noGrad(() => loaded.model.forward(x));
      const logits = Array.from(await y.data()) as number[];
      const predictions = await E.transfer.predict(loaded.model, x);
      for (const t of [x, y]) t.dispose();
      loaded.model.dispose();
      let b64 = '';
      if (keepBytes) for (let i = 0; i < bytes.length; i += 0x8000) b64 += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return {
        sha256, logits, labels: predictions.map((p) => p.label), classes: loaded.classes, input: loaded.input, architecture: loaded.architecture,
        version: loaded.version, size: bytes.length, b64: keepBytes ? btoa(b64) : '',
      };
    }, INPUT, !!dir);
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/saved-resnet18.safetensors`, Buffer.from(got.b64, 'base64'));
      writeFileSync(`${dir}/saved-resnet18.json`, JSON.stringify({ input: INPUT, logits: got.logits }));
    }
    expect(got.classes).toEqual(['cat', 'dog', 'bird']);
    expect(got.architecture).toEqual({ name: 'resnet18', numClasses: 3 });
    expect(got.input.size).toEqual([32, 32]);
    expect(got.version).toBe('0.1.0');
    expect(got.labels.every((l) => ['cat', 'dog', 'bird'].includes(l))).toBe(true);
    expect(existsSync(FIXTURE), 'run tools/check_saved_torchvision.py (see its header) to make the fixture').toBe(true);
    type Fixture = { sha256: string; metadata: Record<string, string>; input: typeof INPUT; torch_logits: number[] };
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
    expect(fixture.input).toEqual(INPUT);
    expect(got.sha256).toBe(fixture.sha256); // the very file torchvision loaded with strict=True
    expect(JSON.parse(fixture.metadata.classes!)).toEqual(['cat', 'dog', 'bird']);
    const worst = Math.max(...got.logits.map((v, i) => Math.abs(v - fixture.torch_logits[i]!)));
    expect(got.logits.length).toBe(6);
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('refuses a file with no metadata and a model with nothing to describe it, naming what is missing', async () => {
    const got = await gpu.run(async (E, H) => {
      const errors: string[] = [];
      const model = E.transfer.digitsCnn(3);
      const plain = await E.nn.saveSafetensors(model);
      const input = { size: [28, 28] as [number, number], channels: 1 as const, resizeShorter: null, mean: [0], std: [1] };
      await H.noLeak(E, () => E.transfer.load(plain)).catch((e: Error) => errors.push(e.message));
      await H.noLeak(E, () => E.transfer.save(model)).catch((e: Error) => errors.push(e.message));
      await H.noLeak(E, () => E.transfer.save(model, { classes: ['a', 'b'], input, architecture: { name: 'digits-cnn', numClasses: 3 } }))
        .catch((e: Error) => errors.push(e.message));
      model.dispose();
      return errors;
    });
    expect(got).toEqual([
      expect.stringMatching(/load: the file has no "architecture" metadata: it was not saved by transfer.save/),
      expect.stringMatching(/save: DigitsCnn.* has no classes, input, architecture: pass them/),
      'save: the architecture has 3 classes, the class names 2',
    ]);
  });
});
