// The zoo's weights in the page: models.mobilenetV2({ weights: URL }) downloads through the browser's fetch with
// progress into Cache Storage, from a local static server this file starts (tests/harness/static-server.ts:
// seeded-weight files made here, in torchvision's and timm's layouts, nothing from outside). The timm file gives
// PyTorch's logits (tests/fixtures/torch/zoo.json, the same seeded weights); a second load makes no request; a
// relative URL resolves against the document; a File works; the file's "input" metadata becomes inputSpec; a
// 404, a download cut short and a checkpoint of another architecture are errors that say so, leaving nothing behind.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';
import { startStaticServer, type StaticServer } from '../harness/static-server.ts';
import { seededFile, timmMobileNetV2Entries, torchvisionEntries, zooFixture } from '../harness/zoo-files.ts';

const MNV2 = 'mobilenet_v2 widthMult 0.5 numClasses 10';
const SPEC = { size: [96, 80], channels: 3, resizeShorter: 112, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
const parity = zooFixture.parity.find((p) => p.name === 'mobilenet_v2 widthMult 0.5')!;
const torchLogits = Array.from(new Float32Array(new Uint8Array(Buffer.from(parity.eval_logits.b64, 'base64')).buffer));

const gpu = useGpuPage();
let server: StaticServer;

beforeAll(async () => {
  const tv = torchvisionEntries(MNV2);
  server = await startStaticServer(new Map([
    ['tv.safetensors', seededFile(tv)],
    ['timm.safetensors', seededFile(tv, timmMobileNetV2Entries(0.5, 10).map(([k]) => k))],
    ['spec.safetensors', seededFile(tv, undefined, { format: 'pt', input: JSON.stringify(SPEC) })],
  ]));
  await gpu.run(async (E) => {
    await E.init();
    await E.models.clearWeightsCache(); // the browser's profile lives for the whole run
  });
});

afterAll(async () => {
  await server?.close();
});

/** max|a − b| / max|b|. */
function relErr(got: readonly number[], want: readonly number[]): number {
  expect(got.length).toBe(want.length);
  let err = 0;
  let ref = 0;
  want.forEach((w, i) => {
    err = Math.max(err, Math.abs(got[i]! - w));
    ref = Math.max(ref, Math.abs(w));
  });
  return err / ref;
}

describe('model zoo: weights from a URL in the page', () => {
  it("timm's layout over http: progress, PyTorch's logits, stored in Cache Storage; the second load makes no request", async () => {
    const url = `${server.url}/timm.safetensors`;
    const got = await gpu.run(async (E, H, url, shape, seed) => {
      const run = async (): Promise<{ logits: number[]; events: Array<{ received: number; total: number | null; cached: boolean }> }> => {
        const events: Array<{ received: number; total: number | null; cached: boolean }> = [];
        const onProgress = (p: { received: number; total: number | null; cached: boolean }): number => events.push({ ...p });
        const m = await E.models.mobilenetV2({ widthMult: 0.5, numClasses: 10, weights: url, onProgress });
        m.eval();
        const x = E.tensor(H.randomArray(shape.reduce((a, b) => a * b, 1), seed), shape);
        const y = m.forward(x);
        const logits = Array.from(await y.data());
        for (const t of [x, y]) t.dispose();
        m.dispose();
        return { logits, events };
      };
      const first = await run();
      const cached = (await (await caches.open('webgpu-tensor-weights')).keys()).map((r) => r.url);
      const second = await run();
      return { first, second, cached };
    }, url, parity.input.shape, parity.input.seed);
    const size = server.files.get('timm.safetensors')!.byteLength;
    expect(server.count('/timm.safetensors')).toBe(1);
    expect(got.cached).toEqual([url]);
    const ev = got.first.events;
    expect(ev.length).toBeGreaterThanOrEqual(2);
    expect(ev.every((p) => p.total === size && !p.cached)).toBe(true);
    expect(ev.every((p, i) => i === 0 || p.received >= ev[i - 1]!.received)).toBe(true);
    expect(ev.at(-1)!.received).toBe(size);
    expect(got.second.events).toEqual([{ url, received: size, total: size, cached: true }]);
    const err = relErr(got.first.logits, torchLogits);
    console.log(`timm-layout mobilenet_v2 widthMult 0.5 over http vs PyTorch: eval logits max|err|/max|ref| ${err.toExponential(1)}`);
    expect(err).toBeLessThan(1e-4);
    expect(got.second.logits).toEqual(got.first.logits);
  });

  it('a relative URL resolves against the document (its <base>); a File loads; the file\'s "input" metadata becomes inputSpec', async () => {
    const got = await gpu.run(async (E, _H, base, specUrl) => {
      const el = document.createElement('base');
      el.href = base;
      document.head.prepend(el);
      let rel;
      try {
        rel = await E.models.readWeights('tv.safetensors', { cache: false });
      } finally {
        el.remove();
      }
      const bytes = await (await fetch(`${base}tv.safetensors`)).arrayBuffer();
      const fromFile = await E.models.mobilenetV2({ widthMult: 0.5, numClasses: 10, weights: new File([bytes], 'tv.safetensors') });
      const withSpec = await E.models.mobilenetV2({ widthMult: 0.5, numClasses: 10, weights: specUrl, cache: false });
      const out = {
        from: rel.from, layout: rel.layout, keys: rel.tensors.size,
        defaultSpec: fromFile.inputSpec, spec: withSpec.inputSpec, imagenet: E.models.IMAGENET_INPUT,
      };
      fromFile.dispose();
      withSpec.dispose();
      return out;
    }, `${server.url}/`, `${server.url}/spec.safetensors`);
    expect(got.from).toBe(`${server.url}/tv.safetensors`);
    expect(got.layout).toBe('torchvision');
    expect(got.keys).toBe(torchvisionEntries(MNV2).length);
    expect(server.count('/tv.safetensors')).toBe(2);
    expect(got.defaultSpec).toEqual({ size: [224, 224], channels: 3, resizeShorter: 256, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(got.imagenet).toEqual(got.defaultSpec);
    expect(got.spec).toEqual(SPEC);
  });

  it('a 404, a download cut short and a checkpoint of another architecture say what happened; nothing leaks or is cached', async () => {
    const got = await gpu.run(async (E, H, base) => {
      const msg = async (p: () => Promise<unknown>): Promise<string> => {
        try {
          await H.noLeak(E, p);
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}${(e as { code?: string }).code ? ` (${(e as { code?: string }).code})` : ''}: ${(e as Error).message}`;
        }
      };
      const out = {
        missing: await msg(() => E.models.resnet18({ weights: `${base}nope.safetensors` })),
        cut: await msg(() => E.models.mobilenetV2({ widthMult: 0.5, numClasses: 10, weights: `${base}cut/tv.safetensors` })),
        arch: await msg(() => E.models.resnet18({ numClasses: 10, weights: `${base}timm.safetensors` })),
      };
      const cached = (await (await caches.open('webgpu-tensor-weights')).keys()).map((r) => r.url);
      return { ...out, cached, ok: Array.from(await E.add(E.tensor([1, 2]), 1).data()) };
    }, `${server.url}/`);
    expect(got.missing).toBe(`WeightsError (http-status): could not download ${server.url}/nope.safetensors: ` +
      'HTTP 404 Not Found: there is no file at this address ' +
      '(check the path; on the Hugging Face Hub a file is at https://huggingface.co/<repo>/resolve/main/model.safetensors)');
    const size = server.files.get('tv.safetensors')!.byteLength;
    const cut = `^WeightsError \\(truncated\\): the download of ${server.url}/cut/tv\\.safetensors is truncated: ` +
      `expected ${size} bytes, got \\d+ \\(the connection ended`;
    expect(got.cut).toMatch(new RegExp(cut));
    expect(got.arch).toMatch(/^StateDictError: resnet18: the checkpoint is torchvision's mobilenet_v2, not resnet18: build models\.mobilenetV2\(\) for it\./);
    expect(got.arch).toContain("(the file is in timm's layout: its names were mapped to torchvision's)");
    expect(got.cached).toEqual([`${server.url}/timm.safetensors`]);
    expect(got.ok).toEqual([2, 3]);
  });

  it('transfer.loadTrunk: the architecture from the keys, or named and checked before building; the input spec; a copy from its weights', async () => {
    const got = await gpu.run(async (E, H, base) => {
      const t = await E.transfer.loadTrunk(`${base}spec.safetensors`, { cache: false });
      const again = await E.transfer.loadTrunk(t.weights);
      const w = (m: typeof t.model): Promise<Float32Array> => m.namedParameters('features.0.0.weight')[0]![1].data() as Promise<Float32Array>;
      const [a, b] = await Promise.all([w(t.model), w(again.model)]);
      const out = {
        arch: t.arch, input: t.input, widthMult: (t.model as unknown as { widthMult: number }).widthMult, same: a.every((v, i) => v === b[i]),
        copy: again.model !== t.model, from: again.from,
      };
      t.model.dispose();
      again.model.dispose();
      let wrong = 'no error';
      try {
        await H.noLeak(E, () => E.transfer.loadTrunk(`${base}tv.safetensors`, { arch: 'resnet18', cache: false }));
      } catch (e) {
        wrong = (e as Error).message;
      }
      let unknown = 'no error';
      try {
        await H.noLeak(E, () => E.transfer.loadTrunk(new Uint8Array(0), { arch: 'vgg16' }));
      } catch (e) {
        unknown = (e as Error).message;
      }
      return { ...out, wrong, unknown };
    }, `${server.url}/`);
    expect(got).toMatchObject({ arch: 'mobilenet_v2', input: SPEC, widthMult: 0.5, same: true, copy: true, from: `${server.url}/spec.safetensors` });
    expect(got.wrong).toBe(`loadTrunk: the weights from ${server.url}/tv.safetensors hold mobilenet_v2, not resnet18: `
      + 'choose mobilenet_v2 as the architecture, or give a resnet18 file');
    expect(got.unknown).toBe('loadTrunk: unknown architecture "vgg16"; choose one of resnet18, resnet34, mobilenet_v2, digits-cnn');
  });
});
