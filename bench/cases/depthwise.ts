// Depthwise conv2d rows: MobileNetV2's depthwise 3×3 layers (groups = C), forward and backward (input +
// weight gradients), ours (src/engine/ops/depthwise.ts) against TF.js's depthwiseConv2d and the
// DepthwiseConv2dNativeBackpropInput / BackpropFilter kernels (what tf.grads of a depthwise conv runs) on NHWC
// data with [kH, kW, C, 1] filters. --versions also times each kernel version forced (v1 naive, v2 workgroup
// tiles, v3 register rows, the forward's v4 vec4 loads; the weight gradient has v1 and v2) and the generic
// grouped conv2d kernels.
//
// As in conv.ts, layouts stay outside the timed region and the first call (the validated one) brings both
// outputs to NCHW / OIHW; a backward row times dgrad + wgrad.
//
// jax-js: lax.convGeneralDilated with featureGroupCount = C, the backward as its vjp (bench/jaxjs.ts, jaxConv).
//
// Quick rows (--quick, the default on SwiftShader): features.2 (C96 112²/2) and features.4 (C144 56²) at N1.
// The others are every distinct depthwise shape of MobileNetV2 at 224², batch 16.

import { cpuConvReference, oursConv, tfConv } from '../conv-setup.ts';
import { JaxScope, jaxConv } from '../jaxjs.ts';
import { nchwToNhwc, toTfFilter } from '../tf-layout.ts';
import { defineBenchCases, type BenchCase, type BenchContext, type BenchInstance, type EngineTensor, type TfTensor } from '../registry.ts';

interface Layer {
  label: string;
  N: number;
  C: number;
  H: number;
  s: number;
  quick: boolean;
}

const CPU_REFERENCE_MAX_FLOPS = 3e8;
const outSize = (l: Layer): number => Math.floor((l.H + 2 - 3) / l.s) + 1;
const forwardFlops = (l: Layer): number => 2 * l.N * l.C * outSize(l) ** 2 * 9;

function setupLayer(l: Layer, pass: 'forward' | 'backward', { E, tf, jax, random }: BenchContext): BenchInstance {
  const OH = outSize(l);
  const xs = random(l.N * l.C * l.H * l.H, 1);
  const ws = random(l.C * 9, 2);
  const gs = random(l.N * l.C * OH * OH, 3);
  const x = E.tensor(xs, [l.N, l.C, l.H, l.H]);
  const w = E.tensor(ws, [l.C, 1, 3, 3]);
  const g = E.tensor(gs, [l.N, l.C, OH, OH]);
  const options = { stride: l.s, padding: 1, groups: l.C };
  const { runner, forced } = oursConv(E, x, w, g, options, pass);
  // Forward rows time each forward version; backward rows time dgrad + wgrad pairs.
  const variants: Record<string, () => EngineTensor> =
    pass === 'forward'
      ? {
          v1: forced({ 'depthwise.forward': 'v1' }),
          v2: forced({ 'depthwise.forward': 'v2' }),
          v3: forced({ 'depthwise.forward': 'v3' }),
          v4: forced({ 'depthwise.forward': 'v4' }),
          'generic conv2d': forced({ conv2d: 'v2' }),
        }
      : {
          v1: forced({ 'depthwise.dgrad': 'v1', 'depthwise.wgrad': 'v1' }),
          v2: forced({ 'depthwise.dgrad': 'v2', 'depthwise.wgrad': 'v2' }),
          'dgrad v3 + wgrad v1': forced({ 'depthwise.dgrad': 'v3', 'depthwise.wgrad': 'v1' }),
          'dgrad v3 + wgrad v3': forced({ 'depthwise.dgrad': 'v3', 'depthwise.wgrad': 'v3' }),
          // The input gradient's v4 takes stride 1, and stride 2 on widths divisible by 8.
          ...(l.s === 1 || l.H % 8 === 0 ? { 'dgrad v4 + wgrad v3': forced({ 'depthwise.dgrad': 'v4', 'depthwise.wgrad': 'v3' }) } : {}),
          'generic conv2d': forced({ conv2d: 'v2' }),
        };

  let tfjs: (() => TfTensor) | null = null;
  const tfTensors: TfTensor[] = [];
  if (tf) {
    const tx = tf.tensor4d(nchwToNhwc(xs, [l.N, l.C, l.H, l.H]), [l.N, l.H, l.H, l.C]);
    const tw = toTfFilter(tf, { shape: [l.C, 1, 3, 3], data: ws }, true);
    const tg = tf.tensor4d(nchwToNhwc(gs, [l.N, l.C, OH, OH]), [l.N, OH, OH, l.C]);
    tfTensors.push(tx, tw, tg);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
    const fwd = (): TfTensor => tf.depthwiseConv2d(tx, tw as TfTensor as Parameters<typeof tf.depthwiseConv2d>[1], l.s, pad);
    const attrs = { strides: [l.s, l.s], pad, dilations: [1, 1] };
    const dgrad = (): TfTensor =>
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: tg, filter: tw }, { ...attrs, inputShape: [l.N, l.H, l.H, l.C] }) as TfTensor;
    const wgrad = (): TfTensor =>
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: tx, dy: tg }, { ...attrs, filterShape: [3, 3, l.C, 1] }) as TfTensor;
    tfjs = tfConv(tf, pass, fwd, dgrad, wgrad, [2, 3, 0, 1]);
  }

  const scope = jax ? new JaxScope(jax) : null;
  const jaxjs = scope
    ? jaxConv(scope, xs, [l.N, l.C, l.H, l.H], ws, [l.C, 1, 3, 3], gs, [l.N, l.C, OH, OH], { stride: l.s, padding: 1, groups: l.C }, pass)
    : null;

  const flops = pass === 'forward' ? forwardFlops(l) : 2 * forwardFlops(l);
  const cpuGeo = {
    input: [l.N, l.C, l.H, l.H] as const,
    weight: [l.C, 1, 3, 3] as const,
    stride: [l.s, l.s] as [number, number],
    padding: [1, 1] as [number, number],
    groups: l.C,
  };
  const reference = cpuConvReference(xs, ws, gs, cpuGeo, pass, flops, CPU_REFERENCE_MAX_FLOPS);
  const longest = pass === 'backward' ? l.N * OH * OH : 9;
  return {
    ours: runner(),
    oursLabel: pass === 'forward' ? 'auto (depthwise forward v4)' : `auto (depthwise dgrad ${l.s === 1 || l.H % 8 === 0 ? 'v4' : 'v3'}, wgrad v3)`,
    variants,
    tfjs,
    jaxjs,
    reference,
    tolerance: { atol: 1e-3 * Math.sqrt(longest / 64), rtol: 1e-3 },
    dispose() {
      for (const t of [x, w, g]) t.dispose();
      for (const t of tfTensors) t.dispose();
      scope?.dispose();
    },
  };
}

const layer = (label: string, N: number, C: number, H: number, s: number, quick = false): Layer => ({ label, N, C, H, s, quick });

export const DEPTHWISE_LAYERS: Layer[] = [
  layer('features.2 C96 112²/2', 1, 96, 112, 2, true),
  layer('features.4 C144 56²', 1, 144, 56, 1, true),
  layer('features.1 C32 112²', 16, 32, 112, 1),
  layer('features.2 C96 112²/2', 16, 96, 112, 2),
  layer('features.3 C144 56²', 16, 144, 56, 1),
  layer('features.4 C144 56²/2', 16, 144, 56, 2),
  layer('features.5 C192 28²', 16, 192, 28, 1),
  layer('features.7 C192 28²/2', 16, 192, 28, 2),
  layer('features.8 C384 14²', 16, 384, 14, 1),
  layer('features.12 C576 14²', 16, 576, 14, 1),
  layer('features.14 C576 14²/2', 16, 576, 14, 2),
  layer('features.15 C960 7²', 16, 960, 7, 1),
];

function caseFor(l: Layer, pass: 'forward' | 'backward'): Omit<BenchCase, 'family'> {
  return {
    name: `depthwise mobilenet_v2 ${l.label} N${l.N} ${pass === 'forward' ? 'fwd' : 'bwd'}`,
    shape: `x [${l.N},${l.C},${l.H},${l.H}] w [${l.C},1,3,3] s${l.s} p1${pass === 'backward' ? ' → dx, dw' : ''}`,
    flops: pass === 'forward' ? forwardFlops(l) : 2 * forwardFlops(l),
    quick: l.quick,
    setup: (ctx: BenchContext) => setupLayer(l, pass, ctx),
  };
}

export default defineBenchCases(
  'depthwise',
  DEPTHWISE_LAYERS.flatMap((l) => [caseFor(l, 'forward'), caseFor(l, 'backward')]),
);
