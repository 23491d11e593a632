// Inference rows of the model zoo: torchvision's ResNet-18 and MobileNetV2 forward (eval mode, 1000 classes)
// at 224², batch 1 and 16. TF.js has no torchvision models, so the same architectures are built here from
// tfjs-core ops (conv2d, depthwiseConv2d, batchNorm, relu / relu6, maxPool, mean, matMul) in NHWC with the
// same weights: the seeded weights of the parity tests (tests/harness/zoo-seed.ts), copied into HWIO / [kH, kW,
// C, 1] filters in setup. Not part of --quick (a 224² batch-16 ResNet-18 forward is 58 GFLOP).
//
// Both sides return the logits [N, 1000]; the harness validates ours against TF.js before timing. jax-js: the
// same forward in jax-js over the same state dict (bench/jaxjs-models.ts).

import { seededValues } from '../../tests/harness/zoo-seed.ts';
import { JaxScope } from '../jaxjs.ts';
import { jaxModel } from '../jaxjs-models.ts';
import { nchwToNhwc, toTfFilter } from '../tf-layout.ts';
import { defineBenchCases, type BenchCase, type BenchContext, type BenchInstance, type EngineTensor, type Tf, type TfTensor } from '../registry.ts';

type Arch = 'resnet18' | 'mobilenet_v2';
/** Multiply-adds per 224² image (torchvision's figures: 1.814 G and 0.301 G). */
const MACS: Record<Arch, number> = { resnet18: 1.814e9, mobilenet_v2: 0.301e9 };

type HostState = Map<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** The TF.js model: a forward function over NHWC input, and the tensors it holds. */
function tfModel(tf: Tf, arch: Arch, state: HostState): { forward: (x: TfTensor) => TfTensor; tensors: TfTensor[] } {
  const tensors: TfTensor[] = [];
  // Weights are uploaded lazily on the first (validation) call, inside tf.tidy: tf.keep saves them from it.
  const keep = (t: TfTensor): TfTensor => (tensors.push(t), tf.keep(t));
  const get = (k: string) => {
    const t = state.get(k);
    if (!t) throw new Error(`bench models: no ${k}`);
    return t;
  };
  const vec = (k: string): TfTensor => keep(tf.tensor1d(get(k).data as Float32Array));
  const filters = new Map<string, TfTensor>();
  const filter = (k: string, depthwise = false): TfTensor => {
    if (!filters.has(k)) filters.set(k, keep(toTfFilter(tf, get(k), depthwise)));
    return filters.get(k)!;
  };
  // BatchNorm vectors are uploaded once, on the first (validation) call.
  const bnCache = new Map<string, TfTensor[]>();
  const bnOf = (x: TfTensor, p: string): TfTensor => {
    if (!bnCache.has(p)) bnCache.set(p, [vec(`${p}.running_mean`), vec(`${p}.running_var`), vec(`${p}.bias`), vec(`${p}.weight`)]);
    const [m, v, b, w] = bnCache.get(p)!;
    return tf.batchNorm(x, m!, v!, b!, w!, 1e-5);
  };
  const conv = (x: TfTensor, k: string, stride: number, pad: number): TfTensor =>
    tf.conv2d(x as Parameters<typeof tf.conv2d>[0], filter(k) as Parameters<typeof tf.conv2d>[1], stride, pad);
  const dwConv = (x: TfTensor, k: string, stride: number): TfTensor =>
    tf.depthwiseConv2d(x as Parameters<typeof tf.depthwiseConv2d>[0], filter(k, true) as Parameters<typeof tf.depthwiseConv2d>[1], stride, 1);
  const linear = (x: TfTensor, p: string): TfTensor => {
    const w = get(`${p}.weight`);
    if (!filters.has(p)) filters.set(p, keep(tf.tensor2d(w.data as Float32Array, w.shape as [number, number])));
    if (!filters.has(`${p}.bias`)) filters.set(`${p}.bias`, vec(`${p}.bias`));
    return tf.add(tf.matMul(x, filters.get(p)!, false, true), filters.get(`${p}.bias`)!);
  };
  let forward: (x: TfTensor) => TfTensor;
  if (arch === 'resnet18') {
    forward = (x) =>
      tf.tidy(() => {
        let y = tf.relu(bnOf(conv(x, 'conv1.weight', 2, 3), 'bn1'));
        y = tf.maxPool(y as Parameters<typeof tf.maxPool>[0], 3, 2, 1);
        for (let l = 1; l <= 4; l++) {
          for (let b = 0; b < 2; b++) {
            const p = `layer${l}.${b}`;
            const stride = b === 0 && l > 1 ? 2 : 1;
            const a = tf.relu(bnOf(conv(y, `${p}.conv1.weight`, stride, 1), `${p}.bn1`));
            const c = bnOf(conv(a, `${p}.conv2.weight`, 1, 1), `${p}.bn2`);
            const id = state.has(`${p}.downsample.0.weight`) ? bnOf(conv(y, `${p}.downsample.0.weight`, stride, 0), `${p}.downsample.1`) : y;
            y = tf.relu(tf.add(c, id));
          }
        }
        return linear(tf.mean(y, [1, 2]), 'fc');
      });
  } else {
    // features.i blocks: read their layout from the keys (expand conv present or not, stride from the table).
    const strides = [2, 1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1];
    forward = (x) =>
      tf.tidy(() => {
        let y = tf.relu6(bnOf(conv(x, 'features.0.0.weight', 2, 1), 'features.0.1'));
        for (let i = 1; i <= 17; i++) {
          const p = `features.${i}.conv`;
          const expand = state.has(`${p}.0.0.weight`) && get(`${p}.0.0.weight`).shape[1] !== 1;
          let h = y;
          let j = 0;
          if (expand) h = tf.relu6(bnOf(conv(h, `${p}.0.0.weight`, 1, 0), `${p}.0.1`)), (j = 1);
          h = tf.relu6(bnOf(dwConv(h, `${p}.${j}.0.weight`, strides[i]!), `${p}.${j}.1`));
          h = bnOf(conv(h, `${p}.${j + 1}.weight`, 1, 0), `${p}.${j + 2}`);
          y = h.shape[3] === y.shape[3] && strides[i] === 1 ? tf.add(y, h) : h;
        }
        y = tf.relu6(bnOf(conv(y, 'features.18.0.weight', 1, 0), 'features.18.1'));
        return linear(tf.mean(y, [1, 2]), 'classifier.1');
      });
  }
  return { forward, tensors };
}

async function setup(arch: Arch, N: number, { E, tf, jax, random }: BenchContext): Promise<BenchInstance> {
  const model = arch === 'resnet18' ? E.models.resnet18() : E.models.mobilenetV2();
  const entries = [...model.stateDict()].map(([key, t]) => ({ key, shape: [...t.shape] }));
  const state: HostState = new Map(entries.map((e, i) => [e.key, { shape: e.shape, data: seededValues(entries, i) }]));
  model.loadStateDict(new Map([...state].map(([k, v]) => [k, {
    dtype: v.data instanceof Int32Array ? ('int32' as const) : ('float32' as const), shape: v.shape, data: v.data,
  }])));
  model.eval();
  const xs = random(N * 3 * 224 * 224, 11);
  const x = E.tensor(xs, [N, 3, 224, 224]);
  let tfjs: (() => TfTensor) | null = null;
  const tfTensors: TfTensor[] = [];
  if (tf) {
    const tx = tf.tensor4d(nchwToNhwc(xs, [N, 3, 224, 224]), [N, 224, 224, 3]);
    const m = tfModel(tf, arch, state);
    tfTensors.push(tx, ...m.tensors);
    tfjs = () => m.forward(tx);
  }
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const jx = scope.array(xs, [N, 3, 224, 224]);
    const run = jaxModel(scope, arch, state);
    jaxjs = () => run(jx.ref);
  }
  return {
    ours: (): EngineTensor => model.forward(x),
    jaxjs,
    oursLabel: 'models.' + (arch === 'resnet18' ? 'resnet18' : 'mobilenetV2') + '(), eval',
    tfjs,
    reference: null,
    tolerance: { atol: 1e-2, rtol: 1e-3 },
    dispose() {
      x.dispose();
      model.dispose();
      for (const t of tfTensors) t.dispose();
      scope?.dispose();
    },
  };
}

const row = (arch: Arch, N: number): Omit<BenchCase, 'family'> => ({
  name: `models ${arch} 224² N${N} fwd`,
  shape: `x [${N},3,224,224] → logits [${N},1000], eval`,
  flops: 2 * MACS[arch] * N,
  quick: false,
  setup: (ctx: BenchContext) => setup(arch, N, ctx),
});

export default defineBenchCases('models', [row('resnet18', 1), row('resnet18', 16), row('mobilenet_v2', 1), row('mobilenet_v2', 16)]);
