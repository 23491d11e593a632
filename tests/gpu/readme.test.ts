// The code blocks of the README and the guides (docs/*.md) run verbatim in the page (only the import line
// becomes a destructuring of the engine module, and a block may get a preamble defining the names its text
// says it is given), and what they log matches the values written in their comments. A block is named by its
// id, '<file>#<name>' for the block after `<!-- name -->` (tests/harness/doc-blocks.ts); tests/unit/docs.test.ts
// fails on a ts block that no test runs and that is not marked `<!-- not run: reason -->`. Also run elsewhere:
// README.md#fine-tuning (tests/gpu/nn-train.test.ts), README.md#node (tests/package/run.mjs).

import { beforeAll, describe, expect, it } from 'vitest';
import { docBlock } from '../harness/doc-blocks.ts';
import { useGpuPage, type GpuPage } from '../harness/gpu.ts';

/** `import { a, b } from 'webgpu-tensor';` → `const { a, b } = E;` so the block runs against the page's engine. */
function runnable(code: string): string {
  return code.replace(/import\s*\{([^}]*)\}\s*from\s*'webgpu-tensor';/g, 'const {$1} = E;');
}

/** The values the block's `console.log(...); // value` lines promise. */
function promised(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
}

/** Runs the block `id` (between `preamble` and `postamble`, page-side JavaScript that shares its scope) and
 * returns what it logged. */
async function runBlock(gpu: GpuPage, id: string, preamble = '', postamble = ''): Promise<{ logged: string[]; expected: string[] }> {
  const code = docBlock(id);
  const logged = await gpu.run(async (E, _H, src) => {
    const lines: string[] = [];
    const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
    await new AsyncFunction('E', 'console', src)(E, fakeConsole);
    return lines;
  }, `${preamble}\n${runnable(code)}\n${postamble}`);
  return { logged, expected: promised(code) };
}

const squash = (lines: string[]): string[] => lines.map((l) => l.replace(/\s/g, ''));

describe('README and guides', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('custom-kernel example (the extend namespace) runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, 'docs/embedding.md#extend');
    expect(expected.length).toBe(2);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('multi-task example runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, 'docs/multitask.md#multitask-masks');
    expect(expected.length).toBe(2);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it("the README's short multi-task example runs verbatim and logs what its comment says", async () => {
    const { logged, expected } = await runBlock(gpu, 'README.md#multitask');
    expect(expected).toEqual(['["digit","angle"]']);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('quickstart runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, 'README.md#quickstart');
    expect(expected.length).toBeGreaterThan(0);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('the transfer example runs verbatim on 32 digits and logs what its comment says', async () => {
    // The names the guide says the block gets: 32 random "digits" in two batches, labels 0..2.
    const preamble = `
      const count = 32;
      const noise = E.rand([count * 784], { seed: 3 });
      const images = await noise.data();
      noise.dispose();
      const batches = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => 16 + i)];
      const labelsOf = (idx) => E.tensor(idx.map((i) => i % 3), [idx.length], { dtype: 'int32' });`;
    const { logged, expected } = await runBlock(gpu, 'docs/transfer.md#transfer', preamble);
    expect(expected).toEqual(['1 2 2']);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('the model-zoo path runs verbatim: a served checkpoint, a picture, fine_tune with the transfer API', async () => {
    // What the guide says the block gets: a server with the exported checkpoint (here one saved from a
    // freshly initialised MobileNetV2) and a picture of an odd size with its label (only one: each 224²
    // MobileNetV2 step takes seconds on a CPU adapter). Afterwards (postamble): the pretrained BatchNorm
    // statistics are kept (batchNorm 'eval'), the stem trained in the unfrozen epoch, the head is the new
    // 3-class one, and the prediction is a class.
    const preamble = `
      const source = E.models.mobilenetV2();
      const checkpoint = await E.nn.saveSafetensors(source);
      const before = source.stateDict();
      const stemBefore = Array.from(await before.get('features.0.0.weight').data());
      const meanBefore = Array.from(await before.get('features.5.conv.1.1.running_mean').data());
      source.dispose();
      const fetch = async () => new Response(checkpoint);
      const picture = (w, h, seed) => {
        const px = new Uint8ClampedArray(w * h * 4);
        for (let i = 0; i < px.length; i++) px[i] = (i * 7919 + seed * 104729) % 251;
        return new ImageData(px, w, h);
      };
      const pictures = [picture(40, 30, 1)];
      const labels = [2];`;
    const postamble = `
      const after = model.stateDict();
      const stemAfter = await after.get('features.0.0.weight').data();
      const meanAfter = await after.get('features.5.conv.1.1.running_mean').data();
      console.log({
        xShape: x.shape,
        predicted: Array.from(await predicted.data()),
        head: [...after.get('classifier.1.weight').shape],
        stemChanged: stemBefore.filter((v, i) => v !== stemAfter[i]).length,
        meanMaxDiff: meanBefore.reduce((m, v, i) => Math.max(m, Math.abs(v - meanAfter[i])), 0),
      });
      for (const t of [x, y, predicted]) t.dispose();
      model.dispose();
      opt.dispose();`;
    const { logged, expected } = await runBlock(gpu, 'docs/model-zoo.md#zoo', preamble, postamble);
    expect(expected).toEqual(['9 [8, 0]']);
    expect(logged.length).toBe(2);
    expect(squash(logged.slice(0, 1))).toEqual(squash(expected));
    const after = JSON.parse(logged[1]!) as { xShape: number[]; predicted: number[]; head: number[]; stemChanged: number; meanMaxDiff: number };
    expect(after.xShape).toEqual([1, 3, 224, 224]);
    expect(after.predicted.length).toBe(1);
    expect(after.predicted.every((c) => [0, 1, 2].includes(c))).toBe(true);
    expect(after.head).toEqual([3, 1280]);
    expect(after.stemChanged).toBeGreaterThan(100); // 864 weights, lr 1e-5 in the unfrozen epoch
    expect(after.meanMaxDiff).toBe(0);
  }, 600_000);

  it('checkpoint example runs verbatim: the resumed run equals the one that never stopped', async () => {
    const { logged, expected } = await runBlock(gpu, 'docs/transfer.md#checkpoint');
    expect(logged).toEqual(expected);
  });

  it('the interop example runs verbatim on an app device and logs what its comments say', async () => {
    // The name the guide says the block gets: the app's GPUDevice.
    const preamble = 'const device = await (await navigator.gpu.requestAdapter()).requestDevice();';
    const { logged, expected } = await runBlock(gpu, 'docs/embedding.md#interop', preamble);
    await gpu.run(async (E) => {
      await E.init();
    });
    expect(expected.length).toBe(4);
    expect(squash(logged)).toEqual(squash(expected));
  });
});
