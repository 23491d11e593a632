// The problem shapes the kernel-rule tests choose versions for, as plain sizes (no tensors, no GPU): the bench
// cases (bench/cases/*.ts) and every layer of ResNet-18 and MobileNetV2 at 224² for batches 1, 16 and 64,
// forward and backward (the backward's products and conv passes are the same shapes seen from the gradient).

import type { Conv2dGeometry } from '../../../src/engine/ops/conv-geometry.ts';

export interface MatmulShape { label: string; M: number; N: number; K: number; batch: number }
export interface ConvLayer { label: string; d: Conv2dGeometry }
export interface PoolShape { label: string; N: number; C: number; H: number; W: number; k: number; s: number; p: number; OH: number; OW: number }

export const BATCHES = [1, 16, 64] as const;

const out = (size: number, k: number, s: number, p: number): number => Math.floor((size + 2 * p - k) / s) + 1;

/** A square-input conv2d geometry (dilation 1). */
export function conv(N: number, C: number, H: number, O: number, k: number, s: number, p: number, groups = 1): Conv2dGeometry {
  const OH = out(H, k, s, p);
  return { N, C, H, W: H, O, Cg: C / groups, Og: O / groups, kH: k, kW: k, sH: s, sW: s, pH: p, pW: p, dH: 1, dW: 1, groups, OH, OW: OH };
}

/** ResNet-18's convs at 224² for batch N (the repeated blocks once each). */
function resnet18(N: number): ConvLayer[] {
  const l = (label: string, C: number, H: number, O: number, k: number, s: number, p: number): ConvLayer => ({
    label: `resnet18 ${label} N${N}`,
    d: conv(N, C, H, O, k, s, p),
  });
  return [
    l('conv1 3→64 7×7/2 224²', 3, 224, 64, 7, 2, 3),
    l('layer1 64→64 56²', 64, 56, 64, 3, 1, 1),
    l('layer2.0 64→128 56²/2', 64, 56, 128, 3, 2, 1),
    l('layer2.0 down 64→128 1×1/2', 64, 56, 128, 1, 2, 0),
    l('layer2 128→128 28²', 128, 28, 128, 3, 1, 1),
    l('layer3.0 128→256 28²/2', 128, 28, 256, 3, 2, 1),
    l('layer3.0 down 128→256 1×1/2', 128, 28, 256, 1, 2, 0),
    l('layer3 256→256 14²', 256, 14, 256, 3, 1, 1),
    l('layer4.0 256→512 14²/2', 256, 14, 512, 3, 2, 1),
    l('layer4.0 down 256→512 1×1/2', 256, 14, 512, 1, 2, 0),
    l('layer4 512→512 7²', 512, 7, 512, 3, 1, 1),
  ];
}

/** MobileNetV2's convs at 224² for batch N: the stem, each block's expand, depthwise and project, the head. */
function mobilenetV2(N: number): ConvLayer[] {
  const layers: ConvLayer[] = [];
  const add = (label: string, d: Conv2dGeometry): void => {
    layers.push({ label: `mobilenet_v2 ${label} N${N}`, d });
  };
  add('features.0 3→32 3×3/2 224²', conv(N, 3, 224, 32, 3, 2, 1));
  // (expansion t, channels c, blocks n, first stride s), as torchvision's MobileNetV2.
  const settings: Array<[number, number, number, number]> = [
    [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
  ];
  let C = 32;
  let H = 112;
  let index = 1;
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++, index++) {
      const stride = i === 0 ? s : 1;
      const hidden = C * t;
      if (t !== 1) add(`features.${index} expand ${C}→${hidden} 1×1 ${H}²`, conv(N, C, H, hidden, 1, 1, 0));
      add(`features.${index} depthwise C${hidden} ${H}²/${stride}`, conv(N, hidden, H, hidden, 3, stride, 1, hidden));
      const OH = out(H, 3, stride, 1);
      add(`features.${index} project ${hidden}→${c} 1×1 ${OH}²`, conv(N, hidden, OH, c, 1, 1, 0));
      C = c;
      H = OH;
    }
  }
  add(`features.18 ${C}→1280 1×1 ${H}²`, conv(N, C, H, 1280, 1, 1, 0));
  return layers;
}

/** bench/cases/conv.ts and depthwise.ts (their layer tables, restated as geometry). */
const BENCH_CONV: ConvLayer[] = [
  ...[2, 256].flatMap((N) => [
    { label: `bench mnist conv1 1→32 28² N${N}`, d: conv(N, 1, 28, 32, 3, 1, 1) },
    { label: `bench mnist conv2 32→64 14² N${N}`, d: conv(N, 32, 14, 64, 3, 1, 1) },
  ]),
  { label: 'bench features.3 expand 24→144 1×1 56² N1', d: conv(1, 24, 56, 144, 1, 1, 0) },
  { label: 'bench features.3 project 144→24 1×1 56² N1', d: conv(1, 144, 56, 24, 1, 1, 0) },
  { label: 'bench features.14 expand 160→960 1×1 7² N16', d: conv(16, 160, 7, 960, 1, 1, 0) },
  { label: 'bench features.17 project 960→320 1×1 7² N16', d: conv(16, 960, 7, 320, 1, 1, 0) },
  ...([[1, 96, 112, 2], [1, 144, 56, 1], [16, 32, 112, 1], [16, 96, 112, 2], [16, 144, 56, 1], [16, 144, 56, 2], [16, 192, 28, 1], [16, 192, 28, 2],
    [16, 384, 14, 1], [16, 576, 14, 1], [16, 576, 14, 2], [16, 960, 7, 1]] as const).map(([N, C, H, s]) => ({
    label: `bench depthwise C${C} ${H}²/${s} N${N}`,
    d: conv(N, C, H, C, 3, s, 1, C),
  })),
];

export const CONV_LAYERS: ConvLayer[] = [...BENCH_CONV, ...BATCHES.flatMap((N) => [...resnet18(N), ...mobilenetV2(N)])];

/** Every product: bench/cases/matmul.ts and the classifiers' Linear layers, forward and both gradients. */
export const MATMULS: MatmulShape[] = [
  ...[256, 512, 1024, 2048, 4096].map((n) => ({ label: `bench matmul ${n}`, M: n, N: n, K: n, batch: 1 })),
  ...([[256, 3136, 128], [4096, 1024, 1024]] as const).map(([b, i, o]) => ({ label: `bench linear ${b}×${i}→${o}`, M: b, N: o, K: i, batch: 1 })),
  ...BATCHES.flatMap((N) =>
    ([['resnet18 fc', 512, 1000], ['mobilenet_v2 classifier', 1280, 1000]] as const).flatMap(([name, i, o]) => [
      { label: `${name} forward N${N}`, M: N, N: o, K: i, batch: 1 },
      { label: `${name} grad_x N${N}`, M: N, N: i, K: o, batch: 1 },
      { label: `${name} grad_w N${N}`, M: o, N: i, K: N, batch: 1 },
    ])),
];

/** ResNet-18's max pool and both nets' global average pool, and bench/cases/pool.ts. */
export const POOLS: PoolShape[] = [
  ...BATCHES.map((N) => ({ label: `maxpool 3×3/2 C64 112² N${N}`, N, C: 64, H: 112, W: 112, k: 3, s: 2, p: 1, OH: 56, OW: 56 })),
  ...BATCHES.flatMap((N) => [
    { label: `resnet18 avgpool C512 7² N${N}`, N, C: 512, H: 7, W: 7, k: 7, s: 1, p: 0, OH: 1, OW: 1 },
    { label: `mobilenet_v2 avgpool C1280 7² N${N}`, N, C: 1280, H: 7, W: 7, k: 7, s: 1, p: 0, OH: 1, OW: 1 },
  ]),
];

/** Reductions (sum, max, min) as [outputs, reduce] rows: bench/cases/reduce.ts, losses and BatchNorm-style statistics. */
export const REDUCTIONS: Array<{ label: string; outputs: number; reduce: number }> = [
  { label: 'bench sum rows [1024,1024]', outputs: 1024, reduce: 1024 },
  { label: 'bench sum all [1024,1024]', outputs: 1, reduce: 1024 * 1024 },
  ...BATCHES.flatMap((N) => [
    { label: `resnet18 loss mean N${N}`, outputs: 1, reduce: N },
    { label: `per-channel sum over H·W C64 112² N${N}`, outputs: N * 64, reduce: 112 * 112 },
    { label: `sum of everything [${N},64,112,112]`, outputs: 1, reduce: N * 64 * 112 * 112 },
    { label: `per-channel sum over N C512 N${N}`, outputs: 512, reduce: N },
  ]),
];

/**
 * Row problems ([rows, length], the op over each row): softmax, layerNorm and cross-entropy. The bench cases
 * (softmax [256,1000] and [4096,1000], the MNIST step's [256,10] logits), the zoo's 1,000-class logits at batch
 * 1, 16 and 64, and one row longer than 64 threads × 4,096 (a 300,000-word vocabulary).
 */
export const ROWS: Array<{ label: string; rows: number; length: number }> = [
  { label: 'bench softmax [256,1000]', rows: 256, length: 1000 },
  { label: 'bench softmax [4096,1000]', rows: 4096, length: 1000 },
  { label: 'bench MNIST logits [256,10]', rows: 256, length: 10 },
  ...BATCHES.map((N) => ({ label: `zoo logits [${N},1000]`, rows: N, length: 1000 })),
  { label: 'vocabulary row [1,300000]', rows: 1, length: 300000 },
  { label: 'vocabulary rows [8,300000]', rows: 8, length: 300000 },
];
