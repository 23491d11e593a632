// GPU image preprocessing and augmentation (src/engine/ops/image-prep.ts, image_resize.wgsl, image_jitter.wgsl)
// against torchvision 0.14 on float tensors with antialias=True: tests/fixtures/images/images.json, made by
// tools/gen_image_fixtures.py from skimage's photos (several sizes and aspect ratios, a gray one). Parity is
// max |gpu − torchvision| ≤ 1/255 on every value in [0, 1] before normalizing; normalizing is checked on top.
// Also: the trace of a batch (the resize kernel, the jitter kernel only when a jitter step is drawn), seeded
// draws applied end to end, and bad input rejected before any GPU work with nothing leaked.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

interface Spec { size: [number, number]; channels: 1 | 3; resizeShorter: number | null; mean: number[]; std: number[] }
interface Augment {
  box: [number, number, number, number];
  flip: boolean;
  order: Array<'brightness' | 'contrast' | 'saturation'>;
  brightness: number;
  contrast: number;
  saturation: number;
}
interface Call { name: string; images: string[]; spec: Spec; augment?: Augment[]; shape: number[]; expected_u16: string }
const fx = JSON.parse(readFileSync(new URL('../fixtures/images/images.json', import.meta.url), 'utf8')) as {
  images: Record<string, { height: number; width: number; rgb: string }>;
  calls: Call[];
};

interface Rgba { data: number[]; width: number; height: number }
/** A fixture photo as RGBA bytes (alpha 255), as plain numbers to cross into the page. */
function rgba(name: string): Rgba {
  const im = fx.images[name]!;
  const rgb = Buffer.from(im.rgb, 'base64');
  const data: number[] = new Array<number>(im.width * im.height * 4);
  for (let p = 0; p < im.width * im.height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = rgb[p * 3 + c]!;
    data[p * 4 + 3] = 255;
  }
  return { data, width: im.width, height: im.height };
}
const expected = (c: Call): Float64Array => Float64Array.from(new Uint16Array(new Uint8Array(Buffer.from(c.expected_u16, 'base64')).buffer), (v) => v / 65535);

const worst = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!));
  return w;
};

describe('prepareImages on the GPU vs torchvision', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  const run = (images: Rgba[], spec: Spec, augment?: Augment[]) =>
    gpu.run(async (E, _H, images, spec, augment) => {
      const imgs = images.map((im) => ({ data: Uint8Array.from(im.data), width: im.width, height: im.height }));
      const y = E.internal.prepareImages(imgs, spec, augment ? { augment } : {});
      const out = { shape: [...y.shape], data: Array.from(await y.data()) };
      y.dispose();
      return out;
    }, images, spec, augment);

  const figures: string[] = [];
  for (const call of fx.calls) {
    it(`${call.name}: max error ≤ 1/255`, async () => {
      const got = await run(call.images.map(rgba), call.spec, call.augment);
      expect(got.shape).toEqual(call.shape);
      const err = worst(got.data, expected(call));
      figures.push(`${call.name}: ${err.toExponential(2)}`);
      expect(err, `max |gpu − torchvision| for ${call.name}`).toBeLessThanOrEqual(1 / 255);
    });
  }

  it('normalizes by mean and std after the resize (the first call with ImageNet statistics)', async () => {
    const call = fx.calls[0]!;
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const got = await run(call.images.map(rgba), { ...call.spec, mean, std });
    const ref = expected(call);
    const [, C, H, W] = call.shape as [number, number, number, number];
    const want = Array.from(ref, (v, i) => (v - mean[Math.floor(i / (H * W)) % C]!) / std[Math.floor(i / (H * W)) % C]!);
    expect(worst(got.data, want)).toBeLessThanOrEqual(1 / 255 / 0.224);
    console.log(`image parity (max |gpu − torchvision| in [0, 1]): ${figures.join('; ')}`);
  });

  it('a batch goes through the GPU resize; the jitter kernel runs only when a jitter step is drawn', async () => {
    const imgs = [rgba('astronaut'), rgba('coffee')];
    const got = await gpu.run(async (E, _H, images) => {
      const px = images.map((im) => ({ data: Uint8Array.from(im.data), width: im.width, height: im.height }));
      const spec = { size: [32, 32] as [number, number], channels: 3 as const, resizeShorter: 36, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
      const trace = async (augment?: ReturnType<typeof E.internal.drawAugmentations>) => {
        let y: InstanceType<typeof E.Tensor> | undefined;
        const log = await E.internal.traceLaunches(() => {
          y = E.internal.prepareImages(px, spec, augment ? { augment } : {});
        });
        const values = Array.from(await y!.data());
        y!.dispose();
        return { log: log.map((l) => `${l.op}:${l.kernel}`), finite: values.every(Number.isFinite) };
      };
      E.manualSeed(7);
      const plain = await trace();
      const drawn = await trace(E.internal.drawAugmentations(px));
      const cropOnly = await trace(E.internal.drawAugmentations(px, { brightness: 0, contrast: 0, saturation: 0 }));
      return { plain, drawn, cropOnly };
    }, imgs);
    expect(got.plain.log).toEqual(['prepareImages:image_resize']);
    expect(got.drawn.log).toEqual(['prepareImages:image_resize', 'prepareImages.jitter:image_jitter']);
    expect(got.cropOnly.log).toEqual(['prepareImages:image_resize']);
    expect([got.plain.finite, got.drawn.finite, got.cropOnly.finite]).toEqual([true, true, true]);
  });

  it('augment: true draws from the engine stream (manualSeed repeats it), a config with a seed as drawAugmentations', async () => {
    const got = await gpu.run(async (E, _H, im) => {
      const px = [{ data: Uint8Array.from(im.data), width: im.width, height: im.height }];
      const spec = { size: [24, 24] as [number, number], channels: 3 as const, resizeShorter: null, mean: [0, 0, 0], std: [1, 1, 1] };
      const batch = async (seed: number, augment: NonNullable<Parameters<typeof E.internal.prepareImages>[2]>['augment']) => {
        E.manualSeed(seed);
        const y = E.internal.prepareImages(px, spec, { augment });
        const v = Array.from(await y.data());
        y.dispose();
        return v;
      };
      const drawn = E.internal.drawAugmentations(px, { seed: 5 });
      return [await batch(1, true), await batch(1, drawn), await batch(2, true), await batch(9, { seed: 5 }), await batch(1, true)];
    }, rgba('chelsea'));
    expect(got[4]).toEqual(got[0]);
    expect(got[1]).toEqual(got[3]); // a config's seed draws what drawAugmentations draws with it
    expect(worst(got[0]!, got[2]!)).toBeGreaterThan(0.05);
  });

  it('bad input is rejected before any GPU work, naming the op and the shapes, nothing leaked', async () => {
    const errors = await gpu.run((E, H) => {
      const ok = { data: new Uint8Array(4 * 6 * 4), width: 6, height: 4 };
      const spec = { size: [4, 4] as [number, number], channels: 3 as const, resizeShorter: null, mean: [0, 0, 0], std: [1, 1, 1] };
      const aug = { box: [0, 0, 4, 6] as [number, number, number, number], flip: false, order: [] as never[], brightness: 1, contrast: 1, saturation: 1 };
      const cases: Array<() => unknown> = [
        () => E.internal.prepareImages([], spec),
        () => E.internal.prepareImages([{ data: new Uint8Array(10), width: 6, height: 4 }], spec),
        () => E.internal.prepareImages([ok], { ...spec, channels: 2 as 3 }),
        () => E.internal.prepareImages([ok], { ...spec, mean: [0] }),
        () => E.internal.prepareImages([ok], { ...spec, resizeShorter: 3 }),
        () => E.internal.prepareImages([ok], spec, { augment: [{ ...aug, box: [1, 0, 4, 6] }] }),
        () => E.internal.prepareImages([ok], spec, { augment: [aug, aug] }),
      ];
      return cases.map((c) => {
        try {
          H.noLeak(E, c);
          return 'no error';
        } catch (e) {
          return (e as Error).message;
        }
      });
    });
    expect(errors[0]).toMatch(/prepareImages: expected a non-empty array/);
    expect(errors[1]).toMatch(/prepareImages: image 0 has 10 bytes, 4×6 RGBA needs 96/);
    expect(errors[2]).toMatch(/input.channels must be 1 or 3, got 2/);
    expect(errors[3]).toMatch(/input.mean must hold 3 finite numbers/);
    expect(errors[4]).toMatch(/a 4×4 centre crop does not fit image 0 resized to 3×4 \(resizeShorter 3\)/);
    expect(errors[5]).toMatch(/augment\[0\].box \[1,0,4,6\] .* does not lie in image 0 \(4×6\)/);
    expect(errors[6]).toMatch(/augment must hold one entry per image \(1\), got 2/);
  });

  it('times a batch (32 photos 96×96 → 64×64 RGB, normalized): a log line, not an assertion', async () => {
    const im = rgba('astronaut');
    const ms = await gpu.run(async (E, _H, im) => {
      const px = Array.from({ length: 32 }, () => ({ data: Uint8Array.from(im.data), width: im.width, height: im.height }));
      const spec = { size: [64, 64] as [number, number], channels: 3 as const, resizeShorter: null, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
      const once = async () => {
        const y = E.internal.prepareImages(px, spec);
        await y.data();
        y.dispose();
      };
      await once();
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) await once();
      return (performance.now() - t0) / 5;
    }, im);
    console.log(`prepareImages: ${ms.toFixed(1)} ms a batch of 32 (96×96 → 64×64, incl. upload and readback)`);
    expect(ms).toBeGreaterThan(0);
  });
});
