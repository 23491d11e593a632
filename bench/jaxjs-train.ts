// The training-step rows written in jax-js (bench/cases/train.ts has the models, modes and settings): one jit
// over the whole step (forward, loss, valueAndGrad, Adam, BatchNorm running statistics), as a jax-js user
// writes it, from the same initial weights and batch as ours.
//
// Layouts: NCHW activations and OIHW filters (lax.convGeneralDilated's, and ours); dense weights in [in, out]
// (x · W + b), so ours' [out, in] is transposed on the way in and back in weights(). The flatten after the
// MNIST trunk is NCHW's (c, h, w) order, as ours. Max pool 2×2 is a reshape and a max over the window axes.
// State: the trained parameters, the frozen ones, the BatchNorm running statistics and Adam's moments and
// step count are jax-js arrays the step consumes and returns (the jit's arguments are owned: the step hands
// back the new state, the host keeps it for the next call). The loss is read back every step.
// Adam as PyTorch's (and ours): m̂ / (sqrt(v̂) + eps), bias corrections from the step count inside the jit.

import { JaxScope, type Jax, type JaxArray } from './jaxjs.ts';
import type { HostArray } from './tf-layout.ts';

type Params = Record<string, JaxArray>;

export interface JaxTrainSpec {
  model: 'mnist-cnn' | 'resnet-s';
  mode: 'full' | 'frozen' | 'two-heads';
  /** Our initial state dicts (OIHW, dense [out, in]); heads are keyed head<i>.<leaf> in the jax-js params. */
  trunk: Map<string, HostArray>;
  heads: Array<Map<string, HostArray>>;
  /** The batch, NCHW, and one label vector per head. */
  x: { data: Float32Array; shape: [number, number, number, number] };
  labels: Int32Array[];
  classes: number;
  adam: { lr: number; beta1: number; beta2: number; eps: number };
  bn: { eps: number; momentum: number };
}

export interface JaxTrainStep {
  step(): Promise<number>;
  /** The trained parameters in our layout, keyed as ours (trunk state-dict keys, head<i>.weight / .bias). */
  weights(): Promise<Map<string, Float32Array>>;
  dispose(): void;
}

const isStat = (key: string): boolean => /(running_mean|running_var|num_batches_tracked)$/.test(key);

function transposed(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

export function jaxTrainStep(jax: Jax, spec: JaxTrainSpec): JaxTrainStep {
  const { lax, nn, numpy: np, tree, valueAndGrad } = jax;
  const scope = new JaxScope(jax);
  const N = spec.x.shape[0];
  const frozen = spec.mode === 'frozen';
  const { beta1: b1, beta2: b2, eps, lr } = spec.adam;

  // ---- the state, in jax-js layouts
  const upload = (h: HostArray): JaxArray => {
    if (h.shape.length !== 2) return scope.array(h.data, [...h.shape]);
    const [out, inF] = h.shape as [number, number];
    return scope.array(transposed(h.data, out, inF), [inF, out]);
  };
  const trunkParams: Params = {};
  const stats: Params = {};
  for (const [k, h] of spec.trunk) {
    if (k.endsWith('num_batches_tracked')) continue;
    if (isStat(k)) stats[k] = scope.array(h.data, [...h.shape]);
    else trunkParams[k] = upload(h);
  }
  const headParams: Params = {};
  spec.heads.forEach((h, i) => {
    for (const [k, v] of h) headParams[`head${i}.${k}`] = upload(v);
  });
  // Frozen: the trunk and its running statistics are constants of the step; else all of it is trained and the
  // statistics are updated.
  let train: Params = frozen ? headParams : { ...trunkParams, ...headParams };
  const fixed: Params = frozen ? { ...trunkParams, ...stats } : {};
  let runStats: Params = frozen ? {} : stats;
  const zeros = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, a]) => [k, np.zerosLike(a.ref)]));
  let opt = { m: zeros(train), v: zeros(train), count: np.array(0) };
  const x = scope.array(spec.x.data, [...spec.x.shape]);
  const ys = spec.labels.map((l) => {
    const oneHot = new Float32Array(l.length * spec.classes);
    l.forEach((c, i) => (oneHot[i * spec.classes + c] = 1));
    return scope.array(oneHot, [l.length, spec.classes]);
  });

  // ---- the model
  const conv = (a: JaxArray, w: JaxArray, s: number, p: number): JaxArray => lax.convGeneralDilated(a, w, [s, s], [[p, p], [p, p]]);
  const chan = (v: JaxArray): JaxArray => v.reshape([1, -1, 1, 1]);
  const pool2 = (y: JaxArray): JaxArray => {
    const [n, c, h, w] = y.shape as [number, number, number, number];
    return y.reshape([n, c, h / 2, 2, w / 2, 2]).max([3, 5]);
  };
  /** BatchNorm2d: batch statistics (biased variance) and new running statistics in training, else running. */
  const batchNorm = (y: JaxArray, p: Params, s: Params, name: string, out: Params): JaxArray => {
    const gamma = chan(p[`${name}.weight`]!);
    const beta = chan(p[`${name}.bias`]!);
    if (frozen) {
      // Held in eval: the running statistics are constants of the step, with the frozen parameters.
      const m = chan(p[`${name}.running_mean`]!);
      const v = chan(p[`${name}.running_var`]!);
      return y.sub(m).div(np.sqrt(v.add(spec.bn.eps))).mul(gamma).add(beta);
    }
    const count = y.size / y.shape[1]!;
    const mean = y.ref.mean([0, 2, 3], { keepdims: true });
    const centered = y.sub(mean.ref);
    const variance = np.square(centered.ref).mean([0, 2, 3], { keepdims: true });
    const mom = spec.bn.momentum;
    out[`${name}.running_mean`] = s[`${name}.running_mean`]!.mul(1 - mom).add(lax.stopGradient(mean).reshape([-1]).mul(mom));
    out[`${name}.running_var`] = s[`${name}.running_var`]!.mul(1 - mom)
      .add(lax.stopGradient(variance.ref).reshape([-1]).mul((mom * count) / (count - 1)));
    return centered.div(np.sqrt(variance.add(spec.bn.eps))).mul(gamma).add(beta);
  };
  const trunk = (p: Params, s: Params, input: JaxArray, out: Params): JaxArray => {
    if (spec.model === 'mnist-cnn') {
      let y = pool2(nn.relu(conv(input, p['conv1.weight']!, 1, 1).add(chan(p['conv1.bias']!))));
      y = pool2(nn.relu(conv(y, p['conv2.weight']!, 1, 1).add(chan(p['conv2.bias']!))));
      return nn.relu(np.matmul(y.reshape([N, -1]), p['fc1.weight']!).add(p['fc1.bias']!));
    }
    const block = (a: JaxArray, name: string, stride: number): JaxArray => {
      const h = nn.relu(batchNorm(conv(a.ref, p[`${name}.conv1.weight`]!, stride, 1), p, s, `${name}.bn1`, out));
      const b = batchNorm(conv(h, p[`${name}.conv2.weight`]!, 1, 1), p, s, `${name}.bn2`, out);
      const down = `${name}.downsample.0.weight` in p;
      const id = down ? batchNorm(conv(a, p[`${name}.downsample.0.weight`]!, stride, 0), p, s, `${name}.downsample.1`, out) : a;
      return nn.relu(b.add(id));
    };
    let y = nn.relu(batchNorm(conv(input, p['conv1.weight']!, 1, 1), p, s, 'bn1', out));
    y = block(y, 'layer1', 1);
    y = block(y, 'layer2', 2);
    return y.mean([2, 3]);
  };
  /** The mean softmax cross-entropy of each head, summed; the new running statistics as the aux output. */
  const lossFn = (t: Params, f: Params, s: Params, input: JaxArray, targets: JaxArray[]): [JaxArray, Params] => {
    const p = { ...t, ...f };
    const newStats: Params = {};
    const features = trunk(p, s, input, newStats);
    const losses = targets.map((target, i) => {
      const last = i === targets.length - 1;
      const logits = np.matmul(last ? features : features.ref, p[`head${i}.weight`]!).add(p[`head${i}.bias`]!);
      return nn.logSoftmax(logits, -1).mul(target).sum().mul(-1 / N);
    });
    return [losses.reduce((a, b) => a.add(b)), newStats];
  };
  const step = scope.jit((t: Params, f: Params, s: Params, o: typeof opt, input: JaxArray, targets: JaxArray[]) => {
    const [[loss, newStats], grads] = valueAndGrad(lossFn, { hasAux: true })(tree.ref(t), f, s, input, targets);
    const count = o.count.add(1);
    const bc1 = np.exp(count.ref.mul(Math.log(b1))).mul(-1).add(1);
    const bc2 = np.exp(count.ref.mul(Math.log(b2))).mul(-1).add(1);
    const next: Params = {};
    const m: Params = {};
    const v: Params = {};
    for (const key of Object.keys(t)) {
      const g = (grads as Params)[key]!;
      m[key] = o.m[key]!.mul(b1).add(g.ref.mul(1 - b1));
      v[key] = o.v[key]!.mul(b2).add(np.square(g).mul(1 - b2));
      const update = m[key]!.ref.div(bc1.ref).div(np.sqrt(v[key]!.ref.div(bc2.ref)).add(eps)).mul(lr);
      next[key] = t[key]!.sub(update);
    }
    bc1.dispose();
    bc2.dispose();
    return { train: next, stats: newStats, opt: { m, v, count }, loss };
  });

  return {
    async step() {
      const out = step(train, tree.ref(fixed), runStats, opt, x.ref, ys.map((y) => y.ref));
      train = out.train;
      runStats = out.stats;
      opt = out.opt;
      return ((await out.loss.data()) as Float32Array)[0]!;
    },
    async weights() {
      const result = new Map<string, Float32Array>();
      for (const [key, a] of Object.entries(train)) {
        const data = (await a.ref.data()) as Float32Array;
        const [inF, out] = a.shape as [number, number];
        result.set(key, a.ndim === 2 ? transposed(data, inF, out) : data);
      }
      return result;
    },
    dispose() {
      for (const t of [train, runStats, opt.m, opt.v, fixed]) tree.dispose(t);
      opt.count.dispose();
      scope.dispose();
    },
  };
}
