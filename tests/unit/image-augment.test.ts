// Augmentation parameters (src/engine/ops/image-augment.ts), pure host code: torchvision 0.14's
// RandomResizedCrop.get_params step by step on fixed draws (an accepted try, the 10 misses and the centre-crop
// fallback), then Kolmogorov–Smirnov tests on 10,000 seeded draws against the analytic distributions: the
// accepted crop's area fraction and log aspect ratio (uniform on the part of scale × log-ratio whose box fits the
// image), its position (uniform; discrete, made continuous by a randomized probability transform), the jitter
// factors (uniform on [max(0, 1 − s), 1 + s]); the flip count and the step orders against their binomial and
// uniform laws. A negative control shows the KS test rejects a wrong law at this sample size.

import { describe, expect, it } from 'vitest';
import { drawAugmentations, randomResizedCropBox, manualSeed, seededUniform } from '../../src/engine/internal.ts';

const N = 10_000;
/** KS critical value at α = 0.001. */
const D_CRIT = 1.949 / Math.sqrt(N);

/** The KS statistic of `samples` against the CDF `F`. */
function ks(samples: number[], F: (x: number) => number): number {
  const s = [...samples].sort((a, b) => a - b);
  let d = 0;
  s.forEach((x, i) => {
    const f = F(x);
    d = Math.max(d, f - i / s.length, (i + 1) / s.length - f);
  });
  return d;
}

/** The CDF of a density given on [lo, hi] (trapezoid rule on a fine grid, linear in between). */
function cdfOf(density: (x: number) => number, lo: number, hi: number, steps = 20_000): (x: number) => number {
  const h = (hi - lo) / steps;
  const cum = [0];
  for (let k = 0; k < steps; k++) cum.push(cum[k]! + ((density(lo + k * h) + density(lo + (k + 1) * h)) * h) / 2);
  const total = cum[steps]!;
  return (x) => {
    if (x <= lo) return 0;
    if (x >= hi) return 1;
    const k = Math.min(Math.floor((x - lo) / h), steps - 1);
    const t = (x - lo) / h - k;
    return (cum[k]! + t * (cum[k + 1]! - cum[k]!)) / total;
  };
}

const uniformCdf = (lo: number, hi: number) => (x: number) => Math.min(1, Math.max(0, (x - lo) / (hi - lo)));

describe('RandomResizedCrop.get_params as torchvision', () => {
  it('an accepted try: area 0.08 of 100×200, ratio 1 → a 40×40 box at top floor(.25·61), left floor(.75·161)', () => {
    const draws = [0, 0.5, 0.25, 0.75];
    let k = 0;
    expect(randomResizedCropBox(100, 200, () => draws[k++]!)).toEqual([15, 120, 40, 40]);
  });

  it('ten misses, then the centre crop clamped to the ratio range (10 × 2 draws)', () => {
    let calls = 0;
    const next = () => (calls++, 0.5);
    // 10 high, 1000 wide: h = √(area/ratio) ≥ 24 never fits; in_ratio 100 > 4/3 → h = 10, w = round(10·4/3) = 13.
    expect(randomResizedCropBox(10, 1000, next)).toEqual([0, 493, 10, 13]);
    expect(calls).toBe(20);
    // Tall: w = 10, h = round(10 / (3/4)) = 13, top (1000 − 13) // 2.
    expect(randomResizedCropBox(1000, 10, () => 0.5)).toEqual([493, 0, 13, 10]);
  });

  it('KS on 10,000 draws: area fraction, log aspect ratio and position follow the analytic laws', () => {
    const [H, W] = [800, 1000];
    const lnLo = Math.log(3 / 4);
    const lnHi = Math.log(4 / 3);
    // A try (s, r) is accepted when √(sA·e^r) ≤ W and √(sA/e^r) ≤ H: ln(sW/H) ≤ r ≤ ln(W/(sH)) (rounding aside).
    const rLength = (s: number) => Math.max(0, Math.min(lnHi, Math.log(W / (s * H))) - Math.max(lnLo, Math.log((s * W) / H)));
    const sLength = (r: number) => Math.max(0, Math.min(1, W / (H * Math.exp(r)), (H * Math.exp(r)) / W) - 0.08);
    const scaleCdf = cdfOf(rLength, 0.08, 1);
    const ratioCdf = cdfOf(sLength, lnLo, lnHi);
    const next = seededUniform(11);
    const jitter = seededUniform(12);
    const scales: number[] = [];
    const ratios: number[] = [];
    const tops: number[] = [];
    const lefts: number[] = [];
    for (let i = 0; i < N; i++) {
      const [top, left, h, w] = randomResizedCropBox(H, W, next);
      scales.push((h * w) / (H * W));
      ratios.push(Math.log(w / h));
      tops.push((top + jitter()) / (H - h + 1));
      lefts.push((left + jitter()) / (W - w + 1));
    }
    const d = {
      scale: ks(scales, scaleCdf), ratio: ks(ratios, ratioCdf), top: ks(tops, uniformCdf(0, 1)), left: ks(lefts, uniformCdf(0, 1)),
    };
    console.log(`RandomResizedCrop KS D (critical ${D_CRIT.toFixed(4)}): ${Object.entries(d).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    for (const [name, v] of Object.entries(d)) expect(v, `KS D of ${name}: ${v.toFixed(4)} vs ${D_CRIT.toFixed(4)}`).toBeLessThan(D_CRIT);
    // Negative control: the accepted area fraction is not the raw U(0.08, 1) of each try.
    expect(ks(scales, uniformCdf(0.08, 1))).toBeGreaterThan(4 * D_CRIT);
  });
});

describe('drawAugmentations', () => {
  const sizes = Array.from({ length: N }, () => ({ width: 640, height: 480 }));

  it('jitter factors ~ U(max(0, 1 − s), 1 + s) (KS), flips ~ Binomial(N, p), the 6 step orders equally likely', () => {
    const draws = drawAugmentations(sizes, { seed: 5, brightness: 0.4, contrast: 1.5, saturation: 0.2 });
    const d = {
      brightness: ks(draws.map((a) => a.brightness), uniformCdf(0.6, 1.4)),
      contrast: ks(draws.map((a) => a.contrast), uniformCdf(0, 2.5)),
      saturation: ks(draws.map((a) => a.saturation), uniformCdf(0.8, 1.2)),
    };
    console.log(`ColorJitter KS D: ${Object.entries(d).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    for (const [name, v] of Object.entries(d)) expect(v, `KS D of ${name}: ${v.toFixed(4)}`).toBeLessThan(D_CRIT);
    expect(ks(draws.map((a) => a.brightness), uniformCdf(0.5, 1.5))).toBeGreaterThan(4 * D_CRIT); // negative control
    const flips = draws.filter((a) => a.flip).length;
    expect(Math.abs(flips - N / 2)).toBeLessThan(4 * Math.sqrt(N / 4));
    const counts = new Map<string, number>();
    for (const a of draws) counts.set(a.order.join(','), (counts.get(a.order.join(',')) ?? 0) + 1);
    expect(counts.size).toBe(6);
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - N / 6) ** 2 / (N / 6), 0);
    expect(chi2, 'χ² of the orders, 5 degrees of freedom, α = 0.001').toBeLessThan(20.52);
    const boxes = draws.filter((a) => a.box[2] > 480 || a.box[3] > 640 || a.box[0] + a.box[2] > 480 || a.box[1] + a.box[3] > 640);
    expect(boxes).toEqual([]);
  });

  it('strength 0 leaves a step out, flip 0 and 1 are never and always, crop false keeps the whole image', () => {
    const few = sizes.slice(0, 200);
    const a = drawAugmentations(few, { seed: 1, contrast: 0, flip: 0, crop: false });
    expect(a.every((x) => x.order.length === 2 && !x.order.includes('contrast') && !x.flip && x.box.join() === '0,0,480,640')).toBe(true);
    expect(drawAugmentations(few, { seed: 1, flip: 1 }).every((x) => x.flip)).toBe(true);
  });

  it('is seeded: the same seed or the same manualSeed repeats the draws, another differs', () => {
    const few = sizes.slice(0, 50);
    expect(drawAugmentations(few, { seed: 9 })).toEqual(drawAugmentations(few, { seed: 9 }));
    manualSeed(4);
    const first = drawAugmentations(few);
    manualSeed(4);
    expect(drawAugmentations(few)).toEqual(first);
    expect(drawAugmentations(few)).not.toEqual(first);
  });

  it('rejects bad configs naming the option', () => {
    expect(() => drawAugmentations(sizes.slice(0, 1), { scale: [0.5, 0.1] })).toThrow(/drawAugmentations: scale must be \[low, high\]/);
    expect(() => drawAugmentations(sizes.slice(0, 1), { flip: 2 })).toThrow(/flip must be a number in \[0, 1\], got 2/);
    expect(() => drawAugmentations([{ width: 0, height: 3 }])).toThrow(/image 0 is 0×3/);
    expect(() => drawAugmentations(sizes.slice(0, 1), { hue: 0.1 } as never)).toThrow(/hue/);
  });
});
