// The zoo's API around the numerics (tests/gpu/models.test.ts has the PyTorch parity): the cut-point
// contract (cutPoints, forwardFeatures, truncateAfter, layerGroups), .safetensors round trips through
// models.*({ weights }), the errors for a checkpoint of another architecture, width or class count, and for
// bad inputs (thrown before any GPU work; the engine keeps working).

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();

beforeAll(async () => {
  await gpu.run(async (E) => {
    await E.init();
  });
});

describe('model zoo: the cut-point contract', () => {
  it('resnet18: cut points, feature shapes, truncateAfter keeps keys and output, layer groups', async () => {
    const got = await gpu.run(async (E, H) => {
      const m = E.models.resnet18({ numClasses: 10 });
      m.eval();
      const x = E.tensor(H.randomArray(3 * 32 * 32, 3), [1, 3, 32, 32]);
      const shapes: Record<string, number[]> = {};
      for (const at of ['conv1', 'maxpool', 'layer2', 'avgpool']) {
        const f = m.forwardFeatures(x, at);
        shapes[at] = [...f.shape];
        f.dispose();
      }
      const f3 = m.forwardFeatures(x, 'layer3');
      const want = Array.from(await f3.data());
      const logits = m.forward(x);
      const logitShape = [...logits.shape];
      const keysBefore = [...m.stateDict().keys()];
      const isFeature = E.nn.isFeatureModel(m);
      const params = m.namedParameters().map(([p]) => p);
      const groups = m.layerGroups();
      const perParam = params.map((p) => groups.filter((g) => E.nn.globMatches(g, p)).length);
      let badCut = '';
      try {
        H.noLeak(E, () => m.forwardFeatures(x, 'layer5'));
      } catch (e) {
        badCut = (e as Error).message;
      }
      const t = m.truncateAfter('layer3') as InstanceType<typeof E.models.ResNet>;
      const y = t.forward(x);
      const out = {
        shapes, logitShape, isFeature, perParam, groups, badCut,
        truncated: {
          isResNet: t instanceof E.models.ResNet,
          cutPoints: t.cutPoints(),
          keys: [...t.stateDict().keys()],
          groups: t.layerGroups(),
          maxDiff: Array.from(await y.data()).reduce((a: number, v: number, i: number) => Math.max(a, Math.abs(v - want[i]!)), 0),
          shape: [...y.shape],
        },
        keysBefore,
      };
      for (const z of [x, f3, logits, y]) z.dispose();
      t.dispose();
      return out;
    });
    expect(got.isFeature).toBe(true);
    expect(got.shapes).toEqual({ conv1: [1, 64, 16, 16], maxpool: [1, 64, 8, 8], layer2: [1, 128, 4, 4], avgpool: [1, 512, 1, 1] });
    expect(got.logitShape).toEqual([1, 10]);
    expect(got.groups).toEqual([['conv1', 'bn1'], ['layer1'], ['layer2'], ['layer3'], ['layer4'], ['fc']]);
    expect(got.perParam.every((n) => n === 1), 'every parameter in exactly one layer group').toBe(true);
    expect(got.badCut).toMatch(
      /resnet18\.forwardFeatures: "layer5" is not a cut point; cut points: conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool/,
    );
    expect(got.truncated.isResNet).toBe(true);
    expect(got.truncated.cutPoints).toEqual(['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3']);
    expect(got.truncated.keys).toEqual(got.keysBefore.filter((k) => !/^(layer4|fc)\./.test(k)));
    expect(got.truncated.groups).toEqual([['conv1', 'bn1'], ['layer1'], ['layer2'], ['layer3']]);
    expect(got.truncated.shape).toEqual([1, 256, 2, 2]);
    expect(got.truncated.maxDiff).toBe(0);
  });

  it('mobilenetV2: cut points features.0 … features.18 and avgpool, truncation inside features, layer groups; ' +
    'saveSafetensors → mobilenetV2({ weights }) (bytes and Blob) gives the same logits', async () => {
    const got = await gpu.run(async (E, H) => {
      const m = E.models.mobilenetV2({ widthMult: 0.35, numClasses: 4 });
      m.eval();
      const x = E.tensor(H.randomArray(3 * 32 * 32, 4), [1, 3, 32, 32]);
      // The round trip first, while m is whole: its bytes as an ArrayBuffer-like and as a Blob.
      const ya = Array.from(await m.forward(x).data());
      const bytes = await E.nn.saveSafetensors(m);
      const b = await E.models.mobilenetV2({ widthMult: 0.35, numClasses: 4, weights: bytes });
      const c = await E.models.mobilenetV2({ widthMult: 0.35, numClasses: 4, weights: new Blob([bytes]) });
      b.eval();
      c.eval();
      const yb = Array.from(await b.forward(x).data());
      const yc = Array.from(await c.forward(x).data());
      b.dispose();
      c.dispose();
      const f = m.forwardFeatures(x, 'features.6');
      const want = Array.from(await f.data());
      const pooled = m.forwardFeatures(x, 'avgpool');
      const cutPoints = m.cutPoints();
      const params = m.namedParameters().map(([p]) => p);
      const groups = m.layerGroups();
      const perParam = params.map((p) => groups.filter((g) => E.nn.globMatches(g, p)).length);
      const keysBefore = [...m.stateDict().keys()];
      const t = m.truncateAfter('features.6') as InstanceType<typeof E.models.MobileNetV2>;
      const y = t.forward(x);
      const out = {
        featShape: [...f.shape], pooledShape: [...pooled.shape], cutPoints, perParam, groups: groups.length, firstGroups: groups.slice(0, 3),
        keysBefore, keys: [...t.stateDict().keys()], tCut: t.cutPoints(), tGroups: t.layerGroups(), ya, yb, yc,
        maxDiff: Array.from(await y.data()).reduce((a: number, v: number, i: number) => Math.max(a, Math.abs(v - want[i]!)), 0),
      };
      for (const z of [x, f, pooled, y]) z.dispose();
      t.dispose();
      return out;
    });
    expect(got.featShape).toEqual([1, 16, 4, 4]);
    expect(got.pooledShape).toEqual([1, 1280, 1, 1]);
    expect(got.cutPoints).toEqual([...Array.from({ length: 19 }, (_, i) => `features.${i}`), 'avgpool']);
    expect(got.perParam.every((n) => n === 1), 'every parameter in exactly one layer group').toBe(true);
    expect(got.groups).toBe(9);
    expect(got.firstGroups).toEqual([['features.0'], ['features.1'], ['features.2', 'features.3']]);
    expect(got.keys).toEqual(got.keysBefore.filter((k) => /^features\.[0-6]\./.test(k)));
    expect(got.tCut).toEqual(Array.from({ length: 7 }, (_, i) => `features.${i}`));
    expect(got.tGroups).toEqual([['features.0'], ['features.1'], ['features.2', 'features.3'], ['features.4', 'features.5', 'features.6']]);
    expect(got.maxDiff).toBe(0);
    expect(got.ya.length).toBe(4);
    expect(got.yb).toEqual(got.ya);
    expect(got.yc).toEqual(got.ya);
  });
});

describe('model zoo: weights', () => {
  it('a checkpoint of another architecture, width or class count names what it is and the first mismatched keys', async () => {
    const got = await gpu.run(async (E, H) => {
      const msg = async (p: () => Promise<unknown>): Promise<string> => {
        try {
          await H.noLeak(E, p);
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const mnv2 = E.models.mobilenetV2({ widthMult: 0.5, numClasses: 10 });
      const bytes = await E.nn.saveSafetensors(mnv2);
      const r18 = E.models.resnet18({ numClasses: 10 });
      const r18bytes = await E.nn.saveSafetensors(r18);
      const out = {
        arch: await msg(() => E.models.mobilenetV2({ weights: r18bytes, widthMult: 0.5, numClasses: 10 })),
        width: await msg(() => E.models.mobilenetV2({ weights: bytes, numClasses: 10 })),
        classes: await msg(() => E.models.mobilenetV2({ weights: bytes, widthMult: 0.5 })),
        depth: await msg(() => E.models.resnet34({ weights: r18bytes, numClasses: 10 })),
        garbage: await msg(() => E.models.mobilenetV2({ widthMult: 0.35, weights: new Uint8Array([1, 2, 3]) })),
      };
      // The engine still works afterwards.
      const ok = Array.from(await E.add(E.tensor([1, 2]), 1).data());
      mnv2.dispose();
      r18.dispose();
      return { ...out, ok };
    });
    expect(got.arch).toMatch(
      /^StateDictError: mobilenet_v2 \(widthMult 0\.5\): the checkpoint is torchvision's resnet18, not mobilenet_v2: build models\.resnet18\(\) for it\./,
    );
    expect(got.arch).toMatch(/missing from the checkpoint \(314\):\n {4}"features\.0\.0\.weight" \[16,3,3,3\]/);
    expect(got.arch).toMatch(/… and 309 more/);
    expect(got.arch).toMatch(/not in the model \(122\):\n {4}"conv1\.weight" \[64,3,7,7\]/);
    expect(got.width).toMatch(
      /mobilenet_v2: the checkpoint is a mobilenet_v2 with widthMult 0\.5, this model has widthMult 1: build it with \{ widthMult: 0\.5 \}/,
    );
    expect(got.width).toMatch(/mismatched shapes \(\d+\):\n {4}"features\.0\.0\.weight": checkpoint \[16,3,3,3\], model \[32,3,3,3\]/);
    expect(got.classes).toMatch(/the checkpoint's classifier has 10 classes, this model's 1000: build it with \{ numClasses: 10 \}/);
    expect(got.classes).toMatch(/"classifier\.1\.weight": checkpoint \[10,1280\], model \[1000,1280\]/);
    expect(got.depth).toMatch(/the checkpoint is torchvision's resnet18, not resnet34: build models\.resnet18\(\) for it/);
    expect(got.garbage).toMatch(/^SafetensorsError: /);
    expect(got.ok).toEqual([2, 3]);
  });
});

describe('model zoo: bad inputs', () => {
  it('wrong channel count, too small an image, wrong rank, an unknown option: clear errors before any GPU work', async () => {
    const got = await gpu.run(async (E, H) => {
      const m = E.models.mobilenetV2({ widthMult: 0.35, numClasses: 2 });
      const small = E.zeros([1, 3, 8, 8]);
      const tryShape = (shape: number[]): string => {
        const x = E.zeros(shape);
        const before = E.memoryStats().dispatches;
        try {
          H.noLeak(E, () => m.forward(x));
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message} | dispatches ${E.memoryStats().dispatches - before}`;
        } finally {
          x.dispose();
        }
      };
      const out = {
        gray: tryShape([1, 1, 64, 64]),
        rgba: tryShape([1, 4, 64, 64]),
        small: tryShape([2, 3, 16, 40]),
        rank: tryShape([3, 64, 64]),
        option: (() => {
          try {
            H.noLeak(E, () => E.models.resnet18({ numclasses: 5 } as unknown as { numClasses: number }));
            return 'no error';
          } catch (e) {
            return (e as Error).message;
          }
        })(),
        feats: (() => {
          try {
            H.noLeak(E, () => m.forwardFeatures(small, 'features.3'));
            return 'no error';
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      };
      m.dispose();
      small.dispose();
      return out;
    });
    expect(got.gray).toMatch(
      new RegExp(
        /^ShapeError: mobilenet_v2 \(widthMult 0\.35\): expected input \[N, 3, H, W\] \(RGB images, H and W ≥ 32\), /.source +
          /got 1 channels in .*\[1,1,64,64\].*grayscale.*\| dispatches 0$/.source,
      ),
    );
    expect(got.rgba).toMatch(/got 4 channels .*RGBA: drop the alpha channel.*\| dispatches 0$/);
    expect(got.small).toMatch(/got .*\[2,3,16,40\].*: the trunk downsamples by 32, so a 16×40 image .*\| dispatches 0$/);
    expect(got.rank).toMatch(/expected input \[N, 3, H, W\].*got .*\[3,64,64\]/);
    expect(got.feats).toMatch(/H and W ≥ 32/);
    expect(got.option).toMatch(/resnet18: unknown option "numclasses" \(known: numClasses, weights, onProgress, signal, cache\)/);
  });
});
