// MobileNetV2's channel widths as torchvision 0.14 computes them from widthMult (round_nearest = 8).

/** torchvision's _make_divisible: round `v` to the nearest multiple of `divisor`, never below `divisor` nor 10% below `v`. */
export function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** The inverted-residual settings: expansion t, output channels c, repeats n, first stride s (torchvision's table). */
export const INVERTED_RESIDUAL_SETTING: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Width multipliers torchvision ships or papers use, for recognizing a checkpoint. */
export const WIDTH_MULTS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;

/** Output channels of features.0 … features.18 for `widthMult`. */
export function mobilenetV2Widths(widthMult: number): number[] {
  const out = [makeDivisible(32 * widthMult)];
  for (const [, c, n] of INVERTED_RESIDUAL_SETTING) for (let i = 0; i < n; i++) out.push(makeDivisible(c * widthMult));
  out.push(makeDivisible(1280 * Math.max(1.0, widthMult)));
  return out;
}
