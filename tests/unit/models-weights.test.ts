// The zoo's weights in Node, no GPU: timm's MobileNetV2 names mapped to torchvision's (checked on a key list
// generated from timm's architecture definition against torchvision's keys and shapes in zoo.json), and
// models.readWeights from bytes, a File, a path and a URL on a local static server (tests/harness/static-server.ts):
// progress, the cache folder (a second load makes no request), and the errors for a 404, a download cut short,
// a truncated file, a file that is not safetensors, a missing path and bad "input" metadata.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../src/index.ts';
import { timmMobileNetV2Key } from '../../src/models/timm-layout.ts';
import { defaultFolder } from '../../src/models/weights-cache.ts';
import { startStaticServer, type StaticServer } from '../harness/static-server.ts';
import { seededFile, timmMobileNetV2Entries, torchvisionEntries } from '../harness/zoo-files.ts';

const MNV2 = 'mobilenet_v2 widthMult 0.5 numClasses 10';
type Data = { data: Float32Array | Int32Array };
const sameBytes = (a: unknown, b: unknown): boolean => {
  const [x, y] = [(a as Data | undefined)?.data, (b as Data).data];
  return !!x && x.constructor === y.constructor && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
};
const shapesOf = (s: Map<string, { shape: readonly number[] }>): Array<[string, number[]]> => [...s].map(([k, v]) => [k, [...v.shape]]);

describe("timm's key layouts", () => {
  for (const [mult, classes, name] of [[1, 1000, 'mobilenet_v2'], [0.5, 10, MNV2]] as const) {
    it(`timm's mobilenetv2 (multiplier ${mult}, ${classes} classes) maps to torchvision's ${name}: keys, order and shapes`, () => {
      const timm = new Map(timmMobileNetV2Entries(mult, classes).map(([k, shape]) => [k, { shape }]));
      const { state, layout } = models.toTorchvisionLayout(timm);
      expect(layout).toBe('timm');
      expect(shapesOf(state)).toEqual(torchvisionEntries(name).map(([k, shape]) => [k, shape]));
    });
  }

  it("leaves torchvision's keys (and timm's ResNets, which share them) as they are; a timm layout with a key of no counterpart stays unmapped", () => {
    const resnet = new Map(torchvisionEntries('resnet18').map(([k, shape]) => [k, { shape }]));
    const r = models.toTorchvisionLayout(resnet);
    expect(r.layout).toBe('torchvision');
    expect(r.state).toBe(resnet);
    expect(timmMobileNetV2Key('blocks.6.1.conv_pw.weight')).toBeNull(); // stage 6 has one block
    expect(timmMobileNetV2Key('blocks.1.0.se.conv_reduce.weight')).toBeNull(); // squeeze-excite: an EfficientNet
    expect(timmMobileNetV2Key('blocks.3.2.conv_pwl.weight')).toBe('features.9.conv.2.weight');
    const effnet = new Map([...timmMobileNetV2Entries(1, 1000), ['blocks.1.0.se.conv_reduce.weight', [4], 'float32']].map(([k]) => [k, 1]));
    const e = models.toTorchvisionLayout(effnet as Map<string, number>);
    expect(e.layout).toBe('timm');
    expect(e.state.has('conv_stem.weight')).toBe(true);
  });
});

describe('models.readWeights in Node', () => {
  let server: StaticServer;
  let dir: string;
  const tv = seededFile(torchvisionEntries(MNV2));
  const timm = seededFile(torchvisionEntries(MNV2), timmMobileNetV2Entries(0.5, 10).map(([k]) => k));
  const spec = { size: [192, 160], channels: 3, resizeShorter: 200, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zoo-weights-'));
    server = await startStaticServer(new Map([
      ['tv.safetensors', tv],
      ['timm.safetensors', timm],
      ['spec.safetensors', seededFile(torchvisionEntries(MNV2), undefined, { format: 'pt', input: JSON.stringify(spec) })],
      ['short.safetensors', tv.subarray(0, tv.byteLength - 100)],
      ['model.pth', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 1, 2, 3, 4])],
      ['page.safetensors', new TextEncoder().encode('<!doctype html><html><body>model.safetensors</body></html>')],
      ['badspec.safetensors', seededFile([['w', [1], 'float32']], undefined, { input: '{"size": [224], "channels": 3}' })],
    ]));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads bytes, a File and a path alike; a file in timm layout gives the same tensors under torchvision names', async () => {
    const path = join(dir, 'tv.safetensors');
    writeFileSync(path, tv);
    const fromBytes = await models.readWeights(tv.slice().buffer);
    const fromFile = await models.readWeights(new File([tv], 'tv.safetensors'));
    const fromPath = await models.readWeights(path);
    const fromTimm = await models.readWeights(timm);
    expect([fromBytes.from, fromFile.from, fromPath.from]).toEqual(['bytes', 'file "tv.safetensors"', `file ${path}`]);
    expect([fromBytes.layout, fromTimm.layout]).toEqual(['torchvision', 'timm']);
    expect([...fromTimm.tensors.keys()]).toEqual(torchvisionEntries(MNV2).map(([k]) => k));
    for (const other of [fromFile, fromPath, fromTimm]) {
      const differ = [...fromBytes.tensors].filter(([k, t]) => !sameBytes(other.tensors.get(k), t)).map(([k]) => k);
      expect(differ).toEqual([]);
    }
    const kind = models.identifyCheckpoint(new Map([...fromTimm.tensors].map(([k, t]) => [k, t.shape])));
    expect(kind).toEqual({ arch: 'mobilenet_v2', numClasses: 10, widthMult: 0.5 });
    expect(fromBytes.input).toBeNull();
    expect(await models.readWeights(fromTimm)).toBe(fromTimm); // read once, build from it
  });

  it('downloads a URL with progress into the cache folder; the second load reads the cache (no request)', async () => {
    const cache = join(dir, 'cache-a');
    const url = `${server.url}/timm.safetensors`;
    const seen: Array<{ received: number; total: number | null; cached: boolean }> = [];
    const onProgress = (p: { url: string; received: number; total: number | null; cached: boolean }): void => {
      expect(p.url).toBe(url);
      seen.push({ received: p.received, total: p.total, cached: p.cached });
    };
    const first = await models.readWeights(url, { cache, onProgress });
    expect(server.count('/timm.safetensors')).toBe(1);
    expect(first.layout).toBe('timm');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p) => p.total === timm.byteLength && !p.cached)).toBe(true);
    expect(seen.every((p, i) => i === 0 || p.received >= seen[i - 1]!.received)).toBe(true);
    expect(seen.at(-1)!.received).toBe(timm.byteLength);
    expect(readdirSync(cache)).toHaveLength(1);
    seen.length = 0;
    const second = await models.readWeights(url, { cache, onProgress });
    expect(server.count('/timm.safetensors')).toBe(1);
    expect(seen).toEqual([{ received: timm.byteLength, total: timm.byteLength, cached: true }]);
    expect([...second.tensors.keys()]).toEqual([...first.tensors.keys()]);
    await models.readWeights(url, { cache: false });
    expect(server.count('/timm.safetensors')).toBe(2);
    await models.clearWeightsCache({ url, cache });
    expect(readdirSync(cache)).toHaveLength(0);
  });

  it("the default cache folder is $WEBGPU_TENSOR_CACHE, else ~/.cache/webgpu-tensor; a download without Content-Length reports total null", async () => {
    const before = process.env.WEBGPU_TENSOR_CACHE;
    process.env.WEBGPU_TENSOR_CACHE = join(dir, 'cache-env');
    try {
      expect(await defaultFolder()).toBe(join(dir, 'cache-env'));
      const totals: Array<number | null> = [];
      await models.readWeights(`${server.url}/nolength/tv.safetensors`, { onProgress: (p) => totals.push(p.total) });
      expect(totals.every((t) => t === null)).toBe(true);
      expect(readdirSync(join(dir, 'cache-env'))).toHaveLength(1);
      await models.readWeights(`${server.url}/nolength/tv.safetensors`);
      expect(server.count('/nolength/tv.safetensors')).toBe(1);
    } finally {
      if (before === undefined) delete process.env.WEBGPU_TENSOR_CACHE;
      else process.env.WEBGPU_TENSOR_CACHE = before;
    }
    const xdg = process.env.XDG_CACHE_HOME;
    delete process.env.XDG_CACHE_HOME;
    expect(await defaultFolder()).toMatch(/\.cache[/\\]webgpu-tensor$/);
    if (xdg !== undefined) process.env.XDG_CACHE_HOME = xdg;
  });

  it("reads the file's InputSpec from its metadata; malformed metadata is an error naming the key", async () => {
    const cache = join(dir, 'cache-b');
    expect((await models.readWeights(`${server.url}/spec.safetensors`, { cache })).input).toEqual(spec);
    await expect(models.readWeights(`${server.url}/badspec.safetensors`, { cache })).rejects.toMatchObject({
      name: 'WeightsError', code: 'bad-metadata', message: expect.stringMatching(/metadata "input" has size \[224\], not \[height, width\]/),
    });
  });

  it('errors say what happened: a 404 (URL and status), a download cut short and a truncated file (bytes), not safetensors, no such path; ' +
    'nothing is cached', async () => {
    const cache = join(dir, 'cache-c');
    const fail = async (source: string): Promise<InstanceType<typeof models.WeightsError>> => {
      const e = await models.readWeights(source, { cache }).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(models.WeightsError);
      return e as InstanceType<typeof models.WeightsError>;
    };
    const missing = await fail(`${server.url}/nope.safetensors`);
    expect(missing.code).toBe('http-status');
    expect(missing.message).toContain(`${server.url}/nope.safetensors: HTTP 404 Not Found: there is no file at this address`);
    const cut = await fail(`${server.url}/cut/tv.safetensors`);
    expect(cut.code).toBe('truncated');
    expect(cut.message).toMatch(new RegExp(`truncated: expected ${tv.byteLength} bytes, got (\\d+)`));
    expect(Number(/got (\d+)/.exec(cut.message)![1])).toBeLessThan(tv.byteLength);
    const short = await fail(`${server.url}/short.safetensors`);
    expect(short.code).toBe('truncated');
    expect(short.message).toContain(`the file is truncated: its safetensors header describes ${tv.byteLength} bytes, it has ${tv.byteLength - 100}`);
    const pth = await fail(`${server.url}/model.pth`);
    expect([pth.code, pth.message]).toEqual(['not-safetensors', expect.stringContaining('a PyTorch checkpoint saved with torch.save')]);
    const page = await fail(`${server.url}/page.safetensors`);
    expect(page.message).toContain('a web page (HTML), not .safetensors');
    const path = await fail(join(dir, 'absent.safetensors'));
    expect([path.code, path.message]).toEqual(['not-found', expect.stringContaining(`weights file not found: ${join(dir, 'absent.safetensors')}`)]);
    const closed = await startStaticServer();
    await closed.close();
    const down = await fail(`${closed.url}/tv.safetensors`);
    expect([down.code, down.message]).toEqual(['network', expect.stringContaining(`could not download ${closed.url}/tv.safetensors: fetch failed`)]);
    const stop = new AbortController();
    stop.abort();
    await expect(models.readWeights(`${server.url}/tv.safetensors`, { cache, signal: stop.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(models.readWeights(`${server.url}/cut/tv.safetensors`, { cache })).rejects.toThrow(/truncated/);
    expect(server.count('/cut/tv.safetensors')).toBe(2);
    expect(readdirSync(dir)).not.toContain('cache-c');
  });
});
