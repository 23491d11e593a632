// The zoo models' inference rows (bench/cases/models.ts) written in jax-js: torchvision's ResNet-18 and
// MobileNetV2 forward in eval mode over the same seeded state dict, one jit over the whole forward, NCHW /
// OIHW as ours (lax.convGeneralDilated; depthwise with featureGroupCount = C), BatchNorm from its running
// statistics, the classifier as x · W + b with W in [in, out]. ResNet-18's stem max pool (3×3/2, padding 1)
// pads with zeros: its input is a ReLU's output, so zero padding gives the same maxima as -inf.

import { JaxScope, type JaxArray } from './jaxjs.ts';
import type { HostArray } from './tf-layout.ts';

type Params = Record<string, JaxArray>;
export type JaxArch = 'resnet18' | 'mobilenet_v2';

/** A jit-compiled forward over the state dict `state` (our keys and layouts); the returned run takes x as `.ref`. */
export function jaxModel(scope: JaxScope, arch: JaxArch, state: Map<string, HostArray>): (x: JaxArray) => JaxArray {
  const { lax, nn, numpy: np, tree } = scope.jax;
  const params: Params = {};
  for (const [k, h] of state) {
    if (k.endsWith('num_batches_tracked')) continue;
    if (h.shape.length === 2) {
      const [out, inF] = h.shape as [number, number];
      const t = new Float32Array(out * inF);
      for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) t[i * out + o] = h.data[o * inF + i]!;
      params[k] = scope.array(t, [inF, out]);
    } else params[k] = scope.array(h.data, [...h.shape]);
  }
  const has = (k: string): boolean => state.has(k);
  const forward = (p: Params, x: JaxArray): JaxArray => {
    const chan = (v: JaxArray): JaxArray => v.reshape([1, -1, 1, 1]);
    const conv = (a: JaxArray, k: string, s: number, pad: number, groups = 1): JaxArray =>
      lax.convGeneralDilated(a, p[k]!, [s, s], [[pad, pad], [pad, pad]], { featureGroupCount: groups });
    const bn = (a: JaxArray, n: string): JaxArray =>
      a.sub(chan(p[`${n}.running_mean`]!)).div(np.sqrt(chan(p[`${n}.running_var`]!).add(1e-5))).mul(chan(p[`${n}.weight`]!)).add(chan(p[`${n}.bias`]!));
    const linear = (a: JaxArray, n: string): JaxArray => np.matmul(a, p[`${n}.weight`]!).add(p[`${n}.bias`]!);
    const relu6 = (a: JaxArray): JaxArray => np.clip(a, 0, 6);
    if (arch === 'resnet18') {
      let y = nn.relu(bn(conv(x, 'conv1.weight', 2, 3), 'bn1'));
      y = lax.reduceWindow(np.pad(y, [[0, 0], [0, 0], [1, 1], [1, 1]]), (w: JaxArray) => np.max(w), [3, 3], [2, 2]);
      for (let l = 1; l <= 4; l++) {
        for (let b = 0; b < 2; b++) {
          const n = `layer${l}.${b}`;
          const s = b === 0 && l > 1 ? 2 : 1;
          const a = nn.relu(bn(conv(y.ref, `${n}.conv1.weight`, s, 1), `${n}.bn1`));
          const c = bn(conv(a, `${n}.conv2.weight`, 1, 1), `${n}.bn2`);
          const id = has(`${n}.downsample.0.weight`) ? bn(conv(y, `${n}.downsample.0.weight`, s, 0), `${n}.downsample.1`) : y;
          y = nn.relu(c.add(id));
        }
      }
      return linear(y.mean([2, 3]), 'fc');
    }
    const strides = [2, 1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1];
    let y = relu6(bn(conv(x, 'features.0.0.weight', 2, 1), 'features.0.1'));
    for (let i = 1; i <= 17; i++) {
      const n = `features.${i}.conv`;
      const expand = has(`${n}.0.0.weight`) && state.get(`${n}.0.0.weight`)!.shape[1] !== 1;
      const residual = strides[i] === 1 && state.get(`${n}.${expand ? 2 : 1}.weight`)!.shape[0] === y.shape[1];
      let h = residual ? y.ref : y;
      let j = 0;
      if (expand) {
        h = relu6(bn(conv(h, `${n}.0.0.weight`, 1, 0), `${n}.0.1`));
        j = 1;
      }
      const channels = state.get(`${n}.${j}.0.weight`)!.shape[0]!;
      h = relu6(bn(conv(h, `${n}.${j}.0.weight`, strides[i]!, 1, channels), `${n}.${j}.1`));
      h = bn(conv(h, `${n}.${j + 1}.weight`, 1, 0), `${n}.${j + 2}`);
      y = residual ? y.add(h) : h;
    }
    y = relu6(bn(conv(y, 'features.18.0.weight', 1, 0), 'features.18.1'));
    return linear(y.mean([2, 3]), 'classifier.1');
  };
  const f = scope.jit(forward);
  return (x) => f(tree.ref(params), x);
}
