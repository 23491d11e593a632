// Seeded-weight .safetensors files for the weights tests (Node side), in torchvision's and timm's key layouts,
// and timm's MobileNetV2 key list generated from timm's own architecture definition (its `mobilenetv2_*` arch
// strings and channel rounding), written here independently of src/models/timm-layout.ts so a test can check
// the mapping against torchvision's keys in tests/fixtures/torch/zoo.json.

import { readFileSync } from 'node:fs';
import { serializeSafetensors, type HostTensor } from '../../src/nn/safetensors.ts';
import { seededValues } from './zoo-seed.ts';

/** [key, shape, dtype] as the fixture lists a state dict (torchvision's order). */
export type Entry = [string, number[], string];

export const zooFixture = JSON.parse(readFileSync(new URL('../fixtures/torch/zoo.json', import.meta.url), 'utf8')) as {
  architectures: Array<{ name: string; entries: Entry[] }>;
  parity: Array<{ name: string; input: { shape: number[]; seed: number }; eval_logits: { b64: string } }>;
};

/** torchvision's state-dict entries of a fixture architecture ('resnet18', 'mobilenet_v2 widthMult 0.5 numClasses 10', ...). */
export function torchvisionEntries(name: string): Entry[] {
  const arch = zooFixture.architectures.find((a) => a.name === name);
  if (!arch) throw new Error(`no fixture architecture "${name}"`);
  return arch.entries;
}

/** timm's round_channels: make_divisible(c · multiplier, 8) never below 90% of it. */
function roundChannels(v: number): number {
  let out = Math.max(8, Math.floor((v + 4) / 8) * 8);
  if (out < 0.9 * v) out += 8;
  return out;
}

/** timm's MobileNetV2 arch definition: block type, repeats, output channels, expansion (ds_r1_k3_s1_c16, ir_r2_k3_s2_e6_c24, ...). */
const TIMM_ARCH: ReadonlyArray<readonly ['ds' | 'ir', number, number, number]> = [
  ['ds', 1, 16, 1], ['ir', 2, 24, 6], ['ir', 3, 32, 6], ['ir', 4, 64, 6], ['ir', 3, 96, 6], ['ir', 3, 160, 6], ['ir', 1, 320, 6],
];

/** The state-dict entries of timm's mobilenetv2 at `multiplier` with `numClasses`, in timm's order. */
export function timmMobileNetV2Entries(multiplier: number, numClasses: number): Entry[] {
  const out: Entry[] = [];
  const conv = (name: string, shape: number[]): void => void out.push([`${name}.weight`, shape, 'float32']);
  const bn = (name: string, c: number): void => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) out.push([`${name}.${p}`, [c], 'float32']);
    out.push([`${name}.num_batches_tracked`, [], 'int64']);
  };
  const stem = roundChannels(32 * multiplier);
  conv('conv_stem', [stem, 3, 3, 3]);
  bn('bn1', stem);
  let inC = stem;
  TIMM_ARCH.forEach(([type, repeats, c, e], i) => {
    const outC = roundChannels(c * multiplier);
    for (let j = 0; j < repeats; j++) {
      const p = `blocks.${i}.${j}`;
      if (type === 'ds') {
        conv(`${p}.conv_dw`, [inC, 1, 3, 3]);
        bn(`${p}.bn1`, inC);
        conv(`${p}.conv_pw`, [outC, inC, 1, 1]);
        bn(`${p}.bn2`, outC);
      } else {
        const mid = roundChannels(inC * e);
        conv(`${p}.conv_pw`, [mid, inC, 1, 1]);
        bn(`${p}.bn1`, mid);
        conv(`${p}.conv_dw`, [mid, 1, 3, 3]);
        bn(`${p}.bn2`, mid);
        conv(`${p}.conv_pwl`, [outC, mid, 1, 1]);
        bn(`${p}.bn3`, outC);
      }
      inC = outC;
    }
  });
  const head = Math.max(1280, roundChannels(1280 * multiplier));
  conv('conv_head', [head, inC, 1, 1]);
  bn('bn2', head);
  out.push(['classifier.weight', [numClasses, head], 'float32'], ['classifier.bias', [numClasses], 'float32']);
  return out;
}

/**
 * A .safetensors file of seeded weights (zoo-seed.ts, the values the PyTorch fixtures were computed with) for the
 * torchvision entries `entries`, stored under `names` (default: the same keys; timm's names for its layout).
 */
export function seededFile(entries: readonly Entry[], names?: readonly string[], metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const seeds = entries.map(([key, shape]) => ({ key, shape }));
  const tensors = new Map<string, HostTensor>();
  entries.forEach(([key, shape], i) => {
    const data = seededValues(seeds, i);
    tensors.set(names?.[i] ?? key, { dtype: data instanceof Int32Array ? 'int32' : 'float32', shape: [...shape], data });
  });
  return serializeSafetensors(tensors, metadata ?? { format: 'pt' });
}
