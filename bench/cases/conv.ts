// conv2d rows: the conv layers of a ResNet-18 (the 7×7/2 stem, the 3×3 layers of each stage, the stride-2 3×3
// and 1×1 downsampling convs), of the small MNIST CNN, and MobileNetV2's pointwise 1×1 convs (nearly all of its
// FLOPs), forward and backward (input + weight gradients).
// Ours: the default kernels (v2, implicit GEMM); --versions also times v1 (naive) and v2 forced. TF.js:
// tf.conv2d and the Conv2DBackpropInput / Conv2DBackpropFilter kernels (what tf.grads of a conv2d runs) on NHWC
// data with HWIO filters.
//
// Layouts stay outside the timed region: the NHWC/HWIO copies are made on the CPU in setup, and both sides'
// outputs are brought to one comparable layout only on the first call, the one the harness validates
// (bench/harness.ts calls each run function once to validate before it warms up and times). That first call
// transposes TF.js's NHWC result to NCHW, and for the backward rows both sides return [dx, dw] flattened and
// concatenated; timed calls return dx alone and drop dw (its kernels still run). A backward row times dgrad +
// wgrad, no bias gradient, no forward.
//
// jax-js: lax.convGeneralDilated in NCHW / OIHW (its own layout, and ours), the backward as the vjp of the
// forward with the output gradient (bench/jaxjs.ts, jaxConv), jit-compiled.
//
// Quick rows (the default on a CPU adapter such as SwiftShader; about 2 minutes there): the MNIST layers at
// N=2, ResNet 128→128 28² and 256→512 14²/2 at N=1, and an untuned layer (N3 17→40 13², 3×3 stride 2 pad 1).
// The other rows use the batch sizes of the reference figures in /work/shared/gpu/README.md: ResNet layers at
// N=64, MNIST layers at N=256.

import { cpuConvReference, oursConv, tfConv } from '../conv-setup.ts';
import { JaxScope, jaxConv } from '../jaxjs.ts';
import { nchwToNhwc, toTfFilter } from '../tf-layout.ts';
import { defineBenchCases, type BenchCase, type BenchContext, type BenchInstance, type EngineTensor, type TfTensor } from '../registry.ts';

/** One conv layer: square kernel k, stride s, padding p, no dilation, no groups. */
interface Layer {
  net: 'resnet18' | 'mnist' | 'mobilenet_v2' | 'untuned' | 'resnet-s';
  label: string;
  N: number;
  C: number;
  H: number;
  O: number;
  k: number;
  s: number;
  p: number;
  quick: boolean;
}

/** CPU references validate rows up to this many flops (float64 JS manages a few hundred MFLOP/s). */
const CPU_REFERENCE_MAX_FLOPS = 3e8;

const outSize = (l: Layer): number => Math.floor((l.H + 2 * l.p - l.k) / l.s) + 1;
const forwardFlops = (l: Layer): number => 2 * l.N * l.O * outSize(l) ** 2 * l.C * l.k * l.k;

function setupLayer(l: Layer, pass: 'forward' | 'backward', { E, tf, jax, random }: BenchContext): BenchInstance {
  const OH = outSize(l);
  const xs = random(l.N * l.C * l.H * l.H, 1);
  const ws = random(l.O * l.C * l.k * l.k, 2);
  const gs = random(l.N * l.O * OH * OH, 3);
  const x = E.tensor(xs, [l.N, l.C, l.H, l.H]);
  const w = E.tensor(ws, [l.O, l.C, l.k, l.k]);
  const g = E.tensor(gs, [l.N, l.O, OH, OH]);
  const options = { stride: l.s, padding: l.p };
  const { runner, forced } = oursConv(E, x, w, g, options, pass);
  // The conv2d kernels' own versions (not `depthwise`, which the depthwise cases time), and the matmul path (the
  // CPU rules' choice for dense layers: im2col · matmul v7 / v6 forward; wᵀ · gy then col2im, and gy · colsᵀ, backward).
  const variants = Object.fromEntries([
    ...E.extend.kernelVersions.get('conv2d.forward').versionNames.filter((v) => /^v\d+$/.test(v)).map((v) => [v, forced({ conv2d: v })]),
    ['matmul', forced({ conv2d: 'matmul' })],
    // The backward's matmul path one pass at a time (the other on v3), to choose per pass.
    ...(pass === 'forward' ? [] : [
      ['dgrad matmul + wgrad v3', forced({ 'conv2d.dgrad': 'matmul', 'conv2d.wgrad': 'v3' })],
      ['dgrad v3 + wgrad matmul', forced({ 'conv2d.dgrad': 'v3', 'conv2d.wgrad': 'matmul' })],
    ]),
  ]);

  // TF.js: NHWC activations, HWIO filter, explicit symmetric padding.
  let tfjs: (() => TfTensor) | null = null;
  const tfTensors: TfTensor[] = [];
  if (tf) {
    const tx = tf.tensor4d(nchwToNhwc(xs, [l.N, l.C, l.H, l.H]), [l.N, l.H, l.H, l.C]);
    const tw = toTfFilter(tf, { shape: [l.O, l.C, l.k, l.k], data: ws });
    const tg = tf.tensor4d(nchwToNhwc(gs, [l.N, l.O, OH, OH]), [l.N, OH, OH, l.O]);
    tfTensors.push(tx, tw, tg);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [l.p, l.p], [l.p, l.p], [0, 0]];
    const fwd = (): TfTensor => tf.conv2d(tx, tw as Parameters<typeof tf.conv2d>[1], l.s, pad);
    // The kernels tf.grads of a conv2d runs; tfjs-core exports no op for the filter gradient, so both go
    // through runKernel with the attributes its gradient functions pass.
    const attrs = { strides: [l.s, l.s], pad, dataFormat: 'NHWC' };
    const dgrad = (): TfTensor =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tg, filter: tw }, { ...attrs, inputShape: [l.N, l.H, l.H, l.C] }) as TfTensor;
    const wgrad = (): TfTensor =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tx, dy: tg }, { ...attrs, filterShape: [l.k, l.k, l.C, l.O] }) as TfTensor;
    tfjs = tfConv(tf, pass, fwd, dgrad, wgrad, [3, 2, 0, 1]);
  }

  const scope = jax ? new JaxScope(jax) : null;
  const jaxjs = scope
    ? jaxConv(scope, xs, [l.N, l.C, l.H, l.H], ws, [l.O, l.C, l.k, l.k], gs, [l.N, l.O, OH, OH], { stride: l.s, padding: l.p, groups: 1 }, pass)
    : null;

  const flops = pass === 'forward' ? forwardFlops(l) : 2 * forwardFlops(l);
  const cpuGeo = {
    input: [l.N, l.C, l.H, l.H] as const,
    weight: [l.O, l.C, l.k, l.k] as const,
    stride: [l.s, l.s] as [number, number],
    padding: [l.p, l.p] as [number, number],
  };
  const reference = cpuConvReference(xs, ws, gs, cpuGeo, pass, flops, CPU_REFERENCE_MAX_FLOPS);
  // Sums run over K = C·k² (forward, dgrad ~ O·k²) and N·OH·OW (wgrad) products of values in [-1, 1).
  const longest = Math.max(l.C * l.k * l.k, l.O * l.k * l.k, pass === 'backward' ? l.N * OH * OH : 0);
  return {
    ours: runner(),
    oursLabel: 'auto', // the version depends on the adapter's rules (CPU: the matmul forward, v3 backward); --versions times each
    variants,
    tfjs,
    jaxjs,
    reference,
    tolerance: { atol: 1e-3 * Math.sqrt(longest / 256), rtol: 1e-3 },
    dispose() {
      for (const t of [x, w, g]) t.dispose();
      for (const t of tfTensors) t.dispose();
      scope?.dispose();
    },
  };
}

const resnet = (label: string, C: number, H: number, O: number, k: number, s: number, p: number, N = 64, quick = false): Layer =>
  ({ net: 'resnet18', label, N, C, H, O, k, s, p, quick });
const mnist = (label: string, C: number, H: number, O: number, N: number, quick: boolean): Layer =>
  ({ net: 'mnist', label, N, C, H, O, k: 3, s: 1, p: 1, quick });
/** MobileNetV2's pointwise (1×1) convs, nearly all of its FLOPs. */
const pointwise = (label: string, C: number, H: number, O: number, N: number, quick = false): Layer =>
  ({ net: 'mobilenet_v2', label, N, C, H, O, k: 1, s: 1, p: 0, quick });

/** The layers, quick ones first. */
export const CONV_LAYERS: Layer[] = [
  mnist('conv1 1→32 28²', 1, 28, 32, 2, true),
  mnist('conv2 32→64 14²', 32, 14, 64, 2, true),
  resnet('layer2 128→128 28²', 128, 28, 128, 3, 1, 1, 1, true),
  resnet('layer4.0 256→512 14²/2', 256, 14, 512, 3, 2, 1, 1, true),
  pointwise('features.3 expand 24→144 1×1 56²', 24, 56, 144, 1, true),
  pointwise('features.3 project 144→24 1×1 56²', 144, 56, 24, 1, true),
  { net: 'untuned', label: '17→40 13²/2', N: 3, C: 17, H: 13, O: 40, k: 3, s: 2, p: 1, quick: true },
  mnist('conv2 32→64 14²', 32, 14, 64, 4, false), // the issue-21 comparison's batch
  // The training rows' layers (bench/cases/train.ts): MNIST-CNN at batch 16, the small ResNet at batch 4.
  mnist('conv1 1→32 28²', 1, 28, 32, 16, false),
  mnist('conv2 32→64 14²', 32, 14, 64, 16, false),
  { net: 'resnet-s', label: 'conv1 3→16 32²', N: 4, C: 3, H: 32, O: 16, k: 3, s: 1, p: 1, quick: false },
  { net: 'resnet-s', label: 'layer1 16→16 32²', N: 4, C: 16, H: 32, O: 16, k: 3, s: 1, p: 1, quick: false },
  { net: 'resnet-s', label: 'layer2.0 16→32 32²/2', N: 4, C: 16, H: 32, O: 32, k: 3, s: 2, p: 1, quick: false },
  { net: 'resnet-s', label: 'layer2 32→32 16²', N: 4, C: 32, H: 16, O: 32, k: 3, s: 1, p: 1, quick: false },
  { net: 'resnet-s', label: 'layer2.0 down 16→32 1×1/2', N: 4, C: 16, H: 32, O: 32, k: 1, s: 2, p: 0, quick: false },
  mnist('conv1 1→32 28²', 1, 28, 32, 256, false),
  mnist('conv2 32→64 14²', 32, 14, 64, 256, false),
  resnet('stem 3→64 7×7/2 224²', 3, 224, 64, 7, 2, 3),
  resnet('layer1 64→64 56²', 64, 56, 64, 3, 1, 1),
  resnet('layer2.0 64→128 56²/2', 64, 56, 128, 3, 2, 1),
  resnet('layer2.0 down 64→128 1×1/2', 64, 56, 128, 1, 2, 0),
  resnet('layer2 128→128 28²', 128, 28, 128, 3, 1, 1),
  resnet('layer3.0 128→256 28²/2', 128, 28, 256, 3, 2, 1),
  resnet('layer3 256→256 14²', 256, 14, 256, 3, 1, 1),
  resnet('layer3.0 down 128→256 1×1/2', 128, 28, 256, 1, 2, 0),
  resnet('layer4.0 256→512 14²/2', 256, 14, 512, 3, 2, 1),
  resnet('layer4 512→512 7²', 512, 7, 512, 3, 1, 1),
  resnet('layer4.0 down 256→512 1×1/2', 256, 14, 512, 1, 2, 0),
  pointwise('features.3 expand 24→144 1×1 56²', 24, 56, 144, 16),
  pointwise('features.14 expand 160→960 1×1 7²', 160, 7, 960, 16),
  pointwise('features.17 project 960→320 1×1 7²', 960, 7, 320, 16),
];

function caseFor(l: Layer, pass: 'forward' | 'backward'): Omit<BenchCase, 'family'> {
  return {
    name: `conv2d ${l.net} ${l.label} N${l.N} ${pass === 'forward' ? 'fwd' : 'bwd'}`,
    shape: `x [${l.N},${l.C},${l.H},${l.H}] w [${l.O},${l.C},${l.k},${l.k}] s${l.s} p${l.p}${pass === 'backward' ? ' → dx, dw' : ''}`,
    flops: pass === 'forward' ? forwardFlops(l) : 2 * forwardFlops(l),
    quick: l.quick,
    setup: (ctx: BenchContext) => setupLayer(l, pass, ctx),
  };
}

export default defineBenchCases(
  'conv2d',
  CONV_LAYERS.flatMap((l) => [caseFor(l, 'forward'), caseFor(l, 'backward')]),
);
