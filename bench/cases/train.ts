// Training-step rows: one whole step (zero grads, forward, loss, backward, Adam update, loss read back) of two
// small models, ours against TF.js 4.22 WebGPU with the same weights, data, optimizer and loss, timed by the
// wall clock as a real loop sees it (bench/harness.ts, runTrainStep).
//
// Models
//   mnist-cnn   the GPU reference's MNIST CNN (/work/shared/gpu/README.md): conv 1→32 3×3 same · ReLU ·
//               maxpool 2 · conv 32→64 3×3 same · ReLU · maxpool 2 · flatten · dense 3136→128 · ReLU
//               (the trunk) · dense 128→10 (the head) · softmax cross-entropy, on [N, 1, 28, 28].
//   resnet-s    a small ResNet on [N, 3, 32, 32]: conv 3→16 3×3 (no bias) · BN · ReLU · BasicBlock(16→16) ·
//               BasicBlock(16→32, stride 2, 1×1 downsample) · global average pool · flatten (the trunk) ·
//               dense 32→10 (the head); the blocks are src/models' BasicBlock (torchvision's).
// Modes
//   full        every parameter trained;
//   frozen      trunk frozen (requiresGrad false; BatchNorm held in eval mode, running statistics), head trained;
//   two-heads   two dense heads on one trunk, loss = CE(head0, y0) + CE(head1, y1), everything trained.
//
// Settings that differ between the libraries, all set explicitly here:
//   Adam         lr 1e-3, betas (0.9, 0.999), eps 1e-8 on both sides (TF.js's default eps is 1e-7, ours and
//                PyTorch's 1e-8); both apply PyTorch's update m̂ / (sqrt(v̂) + eps).
//   BatchNorm    eps 1e-5 on both (TF.js/Keras default 1e-3); normalization by the biased batch variance;
//                running stats with PyTorch's momentum 0.1 (new = 0.9·old + 0.1·batch, running_var from the
//                unbiased variance), which is Keras's momentum 0.9; TF.js updates them with assign() in the step.
//   Layouts      ours NCHW / OIHW, TF.js NHWC / HWIO (bench/tf-layout.ts); the first dense layer after a
//                flatten gets its columns permuted from (c, h, w) to (h, w, c) order (denseAfterNhwcFlatten);
//                dense weights ours [out, in] (Linear), TF.js [in, out] (Keras's kernel layout).
//   Loss         mean softmax cross-entropy over the batch: ours crossEntropy(logits, int32 labels), TF.js
//                tf.losses.softmaxCrossEntropy(oneHot labels, logits) (its default reduction is the mean).
// Data: one seeded batch, resident on the GPU on both sides (no upload per step).
//
// jax-js (bench/jaxjs-train.ts): the same model, weights, batch, loss and Adam written in jax-js, one jit over
// the whole step, NCHW / OIHW as ours, dense weights [in, out]. No side caches the frozen trunk's features: each
// step runs the trunk's forward and reads the loss back. Before timing, 5 steps of each: the losses agree, and
// on the frozen rows the trained weights within 1e-4 (bench/harness.ts, validateJaxSteps; rows that train the
// trunk report their largest weight difference: Adam turns rounding in a near-zero gradient into a step of up to
// lr either way).

import { BasicBlock } from '../../src/models/resnet.ts';
import { jaxTrainStep } from '../jaxjs-train.ts';
import { denseAfterNhwcFlatten, nchwToNhwc, toTfFilter, type HostArray } from '../tf-layout.ts';
import {
  defineBenchCases, type BenchCase, type BenchContext, type Engine, type EngineTensor, type Tf, type TfTensor, type TrainStepInstance,
} from '../registry.ts';

type ModelName = 'mnist-cnn' | 'resnet-s';
type Mode = 'full' | 'frozen' | 'two-heads';

const CLASSES = 10;
const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const BN = { eps: 1e-5, momentum: 0.1 };
const INPUT: Record<ModelName, [number, number, number]> = { 'mnist-cnn': [1, 28, 28], 'resnet-s': [3, 32, 32] };
/** Multiply-adds of one sample's forward pass; a step counts as 3 forwards (forward, dgrad, wgrad). */
const FORWARD_MACS: Record<ModelName, number> = {
  'mnist-cnn': 784 * 32 * 9 + 196 * 64 * 32 * 9 + 3136 * 128 + 128 * 10,
  'resnet-s': 1024 * (16 * 3 * 9 + 4 * 16 * 16 * 9) + 256 * (32 * 16 * 9 + 32 * 32 * 9 + 32 * 16) + 32 * 10,
};

type Nn = Engine['nn'];
type Module = InstanceType<Nn['Module']>;

/** Our model: the trunk (features) and one or two heads. */
function buildOurs(E: Engine, model: ModelName, heads: number): { trunk: Module; heads: Module[] } {
  const { nn } = E;
  const trunk =
    model === 'mnist-cnn'
      ? new nn.Sequential({
          conv1: new nn.Conv2d(1, 32, 3, { padding: 1 }),
          relu1: new nn.ReLU(),
          pool1: new nn.MaxPool2d(2),
          conv2: new nn.Conv2d(32, 64, 3, { padding: 1 }),
          relu2: new nn.ReLU(),
          pool2: new nn.MaxPool2d(2),
          flatten: new nn.Flatten(),
          fc1: new nn.Linear(3136, 128),
          relu3: new nn.ReLU(),
        })
      : new nn.Sequential({
          conv1: new nn.Conv2d(3, 16, 3, { padding: 1, bias: false }),
          bn1: new nn.BatchNorm2d(16, BN),
          relu: new nn.ReLU(),
          layer1: new BasicBlock(16, 16, 1),
          layer2: new BasicBlock(16, 32, 2),
          pool: new nn.AdaptiveAvgPool2d(1),
          flatten: new nn.Flatten(),
        });
  const features = model === 'mnist-cnn' ? 128 : 32;
  return { trunk, heads: Array.from({ length: heads }, () => new nn.Linear(features, CLASSES)) };
}

/** Seeded initial weights for every entry of a state dict (uniform ±1/sqrt(fan-in); BN 1/0; running 0/1). */
function initialState(m: Module, random: BenchContext['random'], seed: number): Map<string, HostArray> {
  const state = new Map<string, HostArray>();
  let s = seed;
  const dict = m.stateDict();
  for (const [key, t] of dict) {
    const shape = [...t.shape];
    const n = shape.reduce((a, b) => a * b, 1);
    const leaf = key.slice(key.lastIndexOf('.') + 1);
    const isBn = /(^|\.)(bn\d|downsample\.1)\./.test(key);
    let data: Float32Array | Int32Array;
    if (leaf === 'num_batches_tracked') data = new Int32Array(n);
    else if (leaf === 'running_var' || (isBn && leaf === 'weight')) data = new Float32Array(n).fill(1);
    else if (leaf === 'running_mean' || (isBn && leaf === 'bias')) data = new Float32Array(n);
    else {
      const wKey = key.replace(/bias$/, 'weight');
      const wShape = dict.get(wKey)?.shape ?? shape;
      const fanIn = wShape.slice(1).reduce((a, b) => a * b, 1);
      const bound = 1 / Math.sqrt(fanIn);
      data = random(n, s++).map((v) => v * bound);
    }
    state.set(key, { shape, data });
  }
  return state;
}

/** [rows, cols] → [cols, rows] (host). */
function transposed(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

function load(m: Module, state: Map<string, HostArray>): void {
  m.loadStateDict(new Map([...state].map(([k, v]) => [k, {
    dtype: v.data instanceof Int32Array ? ('int32' as const) : ('float32' as const), shape: [...v.shape], data: v.data,
  }])));
}

/** TF.js twin of buildOurs over NHWC input: forward functions over variables made from the same state. */
function buildTf(tf: Tf, model: ModelName, trunkState: Map<string, HostArray>, headStates: Array<Map<string, HostArray>>, frozen: boolean) {
  const vars: TfTensor[] = [];
  const trunkVars: InstanceType<Tf['Variable']>[] = [];
  const variable = (t: TfTensor, trainable: boolean, list: InstanceType<Tf['Variable']>[] | null): InstanceType<Tf['Variable']> => {
    const v = tf.variable(t, trainable);
    t.dispose();
    vars.push(v);
    list?.push(v);
    return v;
  };
  const get = (state: Map<string, HostArray>, k: string): HostArray => {
    const t = state.get(k);
    if (!t) throw new Error(`bench train: no ${k}`);
    return t;
  };
  const tv = (k: string, make: (h: HostArray) => TfTensor) => variable(make(get(trunkState, k)), !frozen, frozen ? null : trunkVars);
  const filter = (k: string) => tv(k, (h) => toTfFilter(tf, h));
  const vec = (k: string) => tv(k, (h) => tf.tensor1d(h.data as Float32Array));
  // Dense kernels in Keras's [in, out] layout, multiplied without transposeB: TF.js 4.22 WebGPU's matMul with
  // transposeB gave wrong values for [16, 3136] × [128, 3136]ᵀ on SwiftShader (max error 0.58 against its CPU
  // backend, Dawn in Node), and [in, out] is the layout a TF.js user has anyway.
  const dense = (
    state: Map<string, HostArray>, p: string, list: InstanceType<Tf['Variable']>[] | null, trainable: boolean, flattenFrom?: [number, number, number],
  ) => {
    const key = (leaf: string) => (p ? `${p}.${leaf}` : leaf);
    const w = get(state, key('weight'));
    const [out, inF] = w.shape as [number, number];
    const wData = flattenFrom ? denseAfterNhwcFlatten(w.data, out, flattenFrom) : w.data;
    return {
      w: variable(tf.tensor2d(transposed(wData, out, inF), [inF, out]), trainable, list),
      b: variable(tf.tensor1d(get(state, key('bias')).data as Float32Array), trainable, list),
    };
  };
  const linear = (x: TfTensor, d: { w: TfTensor; b: TfTensor }) => tf.add(tf.matMul(x, d.w), d.b);

  // BatchNorm: batch statistics and a running-average update in training, running statistics when frozen.
  const bn = (p: string) => {
    const gamma = vec(`${p}.weight`);
    const beta = vec(`${p}.bias`);
    const mean = variable(tf.tensor1d(get(trunkState, `${p}.running_mean`).data as Float32Array), false, null);
    const variance = variable(tf.tensor1d(get(trunkState, `${p}.running_var`).data as Float32Array), false, null);
    return (x: TfTensor): TfTensor => {
      if (frozen) return tf.batchNorm(x, mean, variance, beta, gamma, BN.eps);
      const m = tf.moments(x, [0, 1, 2]);
      const count = x.size / x.shape[3]!;
      mean.assign(tf.add(tf.mul(mean, 1 - BN.momentum), tf.mul(m.mean, BN.momentum)));
      variance.assign(tf.add(tf.mul(variance, 1 - BN.momentum), tf.mul(m.variance, (BN.momentum * count) / (count - 1))));
      return tf.batchNorm(x, m.mean, m.variance, beta, gamma, BN.eps);
    };
  };
  type T4 = Parameters<Tf['conv2d']>[0];
  type F4 = Parameters<Tf['conv2d']>[1];
  const conv = (x: TfTensor, w: TfTensor, stride: number, pad: 'same' | 'valid' | number) => tf.conv2d(x as T4, w as F4, stride, pad);

  let trunk: (x: TfTensor) => TfTensor;
  if (model === 'mnist-cnn') {
    const w1 = filter('conv1.weight');
    const b1 = vec('conv1.bias');
    const w2 = filter('conv2.weight');
    const b2 = vec('conv2.bias');
    const fc1 = dense(trunkState, 'fc1', frozen ? null : trunkVars, !frozen, [64, 7, 7]);
    const pool = (x: TfTensor) => tf.maxPool(x as T4, 2, 2, 'valid');
    trunk = (x) => {
      let y = pool(tf.relu(tf.add(conv(x, w1, 1, 'same'), b1)));
      y = pool(tf.relu(tf.add(conv(y, w2, 1, 'same'), b2)));
      return tf.relu(linear(tf.reshape(y, [y.shape[0]!, 3136]), fc1));
    };
  } else {
    const stem = filter('conv1.weight');
    const bn1 = bn('bn1');
    const block = (p: string, stride: number) => {
      const c1 = filter(`${p}.conv1.weight`);
      const n1 = bn(`${p}.bn1`);
      const c2 = filter(`${p}.conv2.weight`);
      const n2 = bn(`${p}.bn2`);
      const down = trunkState.has(`${p}.downsample.0.weight`) ? { w: filter(`${p}.downsample.0.weight`), n: bn(`${p}.downsample.1`) } : null;
      return (x: TfTensor): TfTensor => {
        const a = tf.relu(n1(conv(x, c1, stride, 1)));
        const b = n2(conv(a, c2, 1, 1));
        return tf.relu(tf.add(b, down ? down.n(conv(x, down.w, stride, 0)) : x));
      };
    };
    const l1 = block('layer1', 1);
    const l2 = block('layer2', 2);
    trunk = (x) => tf.mean(l2(l1(tf.relu(bn1(conv(x, stem, 1, 1))))), [1, 2]);
  }
  const headVars: InstanceType<Tf['Variable']>[] = [];
  const heads = headStates.map((s) => dense(s, '', headVars, true));
  return { trunk, heads: heads.map((h) => (f: TfTensor) => linear(f, h)), trainable: [...trunkVars, ...headVars], vars };
}

async function setup(model: ModelName, mode: Mode, N: number, { E, tf, jax, random }: BenchContext): Promise<TrainStepInstance> {
  const nHeads = mode === 'two-heads' ? 2 : 1;
  const ours = buildOurs(E, model, nHeads);
  const trunkState = initialState(ours.trunk, random, 100);
  const headStates = ours.heads.map((h, i) => initialState(h, random, 200 + 10 * i));
  load(ours.trunk, trunkState);
  ours.heads.forEach((h, i) => load(h, headStates[i]!));
  if (mode === 'frozen') ours.trunk.freeze(undefined, { batchNorm: 'eval' });
  const params = [...(mode === 'frozen' ? [] : ours.trunk.parameters()), ...ours.heads.flatMap((h) => h.parameters())];
  const opt = new E.optim.Adam(params, { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });

  const [C, H, W] = INPUT[model];
  const xs = random(N * C * H * W, 7);
  const labels = Array.from({ length: nHeads }, (_, h) => Int32Array.from({ length: N }, (_, i) => (i * 7 + h * 3 + (h ? i >> 2 : 0)) % CLASSES));
  const x = E.tensor(xs, [N, C, H, W]);
  const ys = labels.map((l) => E.tensor(l, [N], { dtype: 'int32' }));

  const oursStep = async (): Promise<number> => {
    const loss: EngineTensor = E.tidy(() => {
      opt.zeroGrad();
      const f = ours.trunk.forward(x);
      let l = E.crossEntropy(ours.heads[0]!.forward(f), ys[0]!);
      for (let h = 1; h < nHeads; h++) l = l.add(E.crossEntropy(ours.heads[h]!.forward(f), ys[h]!));
      l.backward();
      opt.step();
      return l;
    });
    try {
      return await loss.item();
    } finally {
      loss.dispose();
    }
  };

  let tfjs: (() => Promise<number>) | null = null;
  let tfLogits: (() => TfTensor) | null = null;
  let tfDispose = (): void => {};
  if (tf) {
    const m = buildTf(tf, model, trunkState, headStates, mode === 'frozen');
    const tx = tf.tensor4d(nchwToNhwc(xs, [N, C, H, W]), [N, H, W, C]);
    const tys = labels.map((l) => tf.oneHot(tf.tensor1d(l, 'int32'), CLASSES));
    const adam = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
    tfjs = async () => {
      const cost = adam.minimize(
        () => {
          const f = m.trunk(tx);
          let l = tf.losses.softmaxCrossEntropy(tys[0]!, m.heads[0]!(f));
          for (let h = 1; h < nHeads; h++) l = tf.add(l, tf.losses.softmaxCrossEntropy(tys[h]!, m.heads[h]!(f)));
          return l as ReturnType<Tf['scalar']>;
        },
        true,
        m.trainable,
      )!;
      try {
        return (await cost.data())[0]!;
      } finally {
        cost.dispose();
      }
    };
    tfLogits = () => tf.tidy(() => m.heads[0]!(m.trunk(tx)));
    tfDispose = () => {
      for (const t of [tx, ...tys, ...m.vars]) t.dispose();
      adam.dispose();
    };
  }

  const jaxjs = jax
    ? jaxTrainStep(jax, {
        model, mode, trunk: trunkState, heads: headStates, x: { data: xs, shape: [N, C, H, W] }, labels, classes: CLASSES, adam: ADAM, bn: BN,
      })
    : null;
  const trained = (): Array<[string, EngineTensor]> => [
    ...(mode === 'frozen' ? [] : ours.trunk.namedParameters()),
    ...ours.heads.flatMap((h, i) => h.namedParameters().map(([k, t]): [string, EngineTensor] => [`head${i}.${k}`, t])),
  ];
  const weights = async (): Promise<Map<string, Float32Array>> => {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of trained()) out.set(k, (await t.data()) as Float32Array);
    return out;
  };

  return {
    kind: 'train-step',
    batch: N,
    ours: oursStep,
    tfjs,
    jaxjs,
    weights,
    weightsRequired: mode === 'frozen',
    logits: { ours: () => E.noGrad(() => E.tidy(() => ours.heads[0]!.forward(ours.trunk.forward(x)))), tfjs: tfLogits },
    oursLabel: `Adam lr ${ADAM.lr} eps ${ADAM.eps}${model === 'resnet-s' ? `, BN eps ${BN.eps} momentum ${BN.momentum}` : ''}`,
    dispose() {
      opt.dispose();
      x.dispose();
      for (const y of ys) y.dispose();
      ours.trunk.dispose();
      for (const h of ours.heads) h.dispose();
      tfDispose();
      jaxjs?.dispose();
    },
  };
}

const SHAPE: Record<ModelName, string> = { 'mnist-cnn': '[N,1,28,28], 2 conv + 2 dense', 'resnet-s': '[N,3,32,32], stem + 2 BasicBlocks' };

function row(model: ModelName, mode: Mode, N: number, quick: boolean): Omit<BenchCase, 'family'> {
  return {
    name: `train ${model} ${mode} N${N}`,
    shape: `${SHAPE[model]}, ${mode === 'frozen' ? 'trunk frozen' : mode === 'two-heads' ? 'two heads' : 'full'}, batch ${N}`,
    flops: 2 * 3 * FORWARD_MACS[model] * N,
    quick,
    setup: (ctx: BenchContext) => setup(model, mode, N, ctx),
  };
}

const MODES: Mode[] = ['full', 'frozen', 'two-heads'];
/**
 * Batches: 4 in --quick (the CPU adapter: a batch-16 MNIST step takes seconds on SwiftShader), 16 for the
 * CPU-adapter goals (--full --filter "N16"), 64 and 256 for a GPU.
 */
const QUICK_BATCH = 4;
const FULL_BATCHES = [16, 64, 256];

export default defineBenchCases(
  'train',
  (['mnist-cnn', 'resnet-s'] as ModelName[]).flatMap((model) => [
    ...MODES.map((mode) => row(model, mode, QUICK_BATCH, true)),
    ...FULL_BATCHES.flatMap((N) => MODES.map((mode) => row(model, mode, N, false))),
  ]),
);
