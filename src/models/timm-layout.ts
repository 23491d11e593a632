// timm's key layouts, mapped to torchvision's so one model loads checkpoints from either.
//
// timm's ResNets (resnet18, resnet34, e.g. `timm/resnet18.tv_in1k` on the Hugging Face Hub) use torchvision's
// names already: conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc. Nothing to map.
//
// timm builds MobileNetV2 (mobilenetv2_050 / _100 / _140) with its EfficientNet class, whose names differ:
//
//   timm                               torchvision
//   conv_stem, bn1                     features.0.0, features.0.1          stem conv · BN
//   blocks.0.0  (DepthwiseSeparable)   features.1                          the t = 1 row
//     conv_dw, bn1, conv_pw, bn2         conv.0.0, conv.0.1, conv.1, conv.2
//   blocks.i.j  (InvertedResidual)     features.(1 + blocks before stage i + j)
//     conv_pw, bn1                       conv.0.0, conv.0.1                expand 1×1 · BN
//     conv_dw, bn2                       conv.1.0, conv.1.1                depthwise 3×3 · BN
//     conv_pwl, bn3                      conv.2, conv.3                    project 1×1 · BN
//   conv_head, bn2                     features.18.0, features.18.1        last 1×1 conv · BN
//   classifier                         classifier.1                        (torchvision's classifier.0 is Dropout)
//
// The tables below are that mapping as data; stage sizes come from torchvision's inverted-residual table
// (widths.ts). timm's variants with other depths (mobilenetv2_110d, _120d) have no torchvision counterpart and
// are left unmapped, so loading one says which keys did not fit.

import { INVERTED_RESIDUAL_SETTING } from './widths.ts';

/** Index in torchvision's `features` of the first block of each stage: 1, 2, 4, 7, 11, 14, 17. */
const STAGE_START: readonly number[] = INVERTED_RESIDUAL_SETTING.map((_row, i) => 1 + INVERTED_RESIDUAL_SETTING.slice(0, i).reduce((a, [, , n]) => a + n, 0));
/** Index of the last 1×1 conv in `features` (18). */
const HEAD = 1 + INVERTED_RESIDUAL_SETTING.reduce((a, [, , n]) => a + n, 0);

/** Names outside the blocks: timm prefix → torchvision prefix. */
export const TIMM_MOBILENETV2_OUTER: ReadonlyArray<readonly [string, string]> = [
  ['conv_stem.', 'features.0.0.'],
  ['bn1.', 'features.0.1.'],
  ['conv_head.', `features.${HEAD}.0.`],
  ['bn2.', `features.${HEAD}.1.`],
  ['classifier.', 'classifier.1.'],
];

/** Inside timm's DepthwiseSeparableConv (stage 0, expansion 1): timm module → torchvision module under features.1. */
export const TIMM_DS_BLOCK: ReadonlyArray<readonly [string, string]> = [
  ['conv_dw.', 'conv.0.0.'],
  ['bn1.', 'conv.0.1.'],
  ['conv_pw.', 'conv.1.'],
  ['bn2.', 'conv.2.'],
];

/** Inside timm's InvertedResidual (stages 1–6): timm module → torchvision module. */
export const TIMM_IR_BLOCK: ReadonlyArray<readonly [string, string]> = [
  ['conv_pw.', 'conv.0.0.'],
  ['bn1.', 'conv.0.1.'],
  ['conv_dw.', 'conv.1.0.'],
  ['bn2.', 'conv.1.1.'],
  ['conv_pwl.', 'conv.2.'],
  ['bn3.', 'conv.3.'],
];

function renamePrefix(key: string, table: ReadonlyArray<readonly [string, string]>, to = ''): string | null {
  for (const [from, into] of table) if (key.startsWith(from)) return `${to}${into}${key.slice(from.length)}`;
  return null;
}

/** torchvision's name for one key of timm's MobileNetV2, or null when the key has no counterpart. */
export function timmMobileNetV2Key(key: string): string | null {
  const m = /^blocks\.(\d+)\.(\d+)\.(.*)$/.exec(key);
  if (!m) return renamePrefix(key, TIMM_MOBILENETV2_OUTER);
  const [stage, block] = [Number(m[1]), Number(m[2])];
  const row = INVERTED_RESIDUAL_SETTING[stage];
  if (row === undefined || block >= row[2]) return null;
  return renamePrefix(m[3]!, stage === 0 ? TIMM_DS_BLOCK : TIMM_IR_BLOCK, `features.${STAGE_START[stage]! + block}.`);
}

/** Which layout a state dict's keys are in. */
export type KeyLayout = 'torchvision' | 'timm';

/** True when the keys are timm's EfficientNet-class layout (conv_stem, blocks.i.j, conv_head). */
export function isTimmEfficientNetLayout(keys: Iterable<string>): boolean {
  let stem = false;
  let blocks = false;
  for (const k of keys) {
    if (k.startsWith('conv_stem.')) stem = true;
    else if (k.startsWith('blocks.')) blocks = true;
  }
  return stem && blocks;
}

/**
 * The state dict with timm's MobileNetV2 names renamed to torchvision's, order kept; any other layout comes back
 * as it is (a timm ResNet already has torchvision's names). A timm layout with a key that has no torchvision
 * counterpart is left as it is too, so the strict load lists what does not fit.
 */
export function toTorchvisionLayout<V>(state: Map<string, V>): { state: Map<string, V>; layout: KeyLayout } {
  if (!isTimmEfficientNetLayout(state.keys())) return { state, layout: 'torchvision' };
  const out = new Map<string, V>();
  for (const [k, v] of state) {
    const tv = timmMobileNetV2Key(k);
    if (tv === null || out.has(tv)) return { state, layout: 'timm' };
    out.set(tv, v);
  }
  return { state: out, layout: 'timm' };
}
