// Pooling rows: pool_max.wgsl, the ResNet stem's max-pool (3×3, stride 2, padding 1) at 112², forward in
// inference (no argmax written) against tf.maxPool on NHWC data (its first, validated call is brought back to
// NCHW, outside the timed calls, as the conv rows do). `flops` counts one operation per window tap.
// jax-js has no padded max pool (lax.reduceWindow takes no padding and np.pad pads zeros): its row pads with
// zeros, puts -inf on the border through a constant mask (np.where), then reduces 3×3 windows with stride 2.

import { firstCallThen } from '../conv-setup.ts';
import { nchwToNhwc } from '../tf-layout.ts';
import { JaxScope, type JaxArray } from '../jaxjs.ts';
import { defineBenchCases, type BenchContext, type BenchInstance, type EngineTensor, type TfTensor } from '../registry.ts';

function maxPool(N: number, C: number, H: number, { E, tf, jax, random }: BenchContext): BenchInstance {
  const xv = random(N * C * H * H, 31);
  const X = E.tensor(xv, [N, C, H, H]);
  const tX = tf?.tensor4d(nchwToNhwc(xv, [N, C, H, H]), [N, H, H, C]);
  const OH = Math.floor((H + 2 - 3) / 2) + 1;
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const { numpy: np, lax } = scope.jax;
    const jX = scope.array(xv, [N, C, H, H]);
    const inside = new Int32Array((H + 2) * (H + 2));
    for (let i = 1; i <= H; i++) inside.fill(1, i * (H + 2) + 1, i * (H + 2) + 1 + H);
    const mask = scope.array(inside, [H + 2, H + 2]);
    const pad: Array<[number, number]> = [[0, 0], [0, 0], [1, 1], [1, 1]];
    const f = scope.jit((a: JaxArray, m: JaxArray) =>
      lax.reduceWindow(np.where(m.astype(np.bool), np.pad(a, pad), -Infinity), (w: JaxArray) => np.max(w), [3, 3], [2, 2]));
    jaxjs = () => f(jX.ref, mask.ref);
  }
  const reference = (): Float32Array => {
    const y = new Float32Array(N * C * OH * OH);
    for (let p = 0; p < N * C; p++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OH; ow++) {
          let m = -Infinity;
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh * 2 - 1 + kh;
              const iw = ow * 2 - 1 + kw;
              if (ih >= 0 && ih < H && iw >= 0 && iw < H) m = Math.max(m, xv[(p * H + ih) * H + iw]!);
            }
          y[(p * OH + oh) * OH + ow] = m;
        }
    return y;
  };
  const ours = (): EngineTensor => E.noGrad(() => E.maxPool2d(X, 3, { stride: 2, padding: 1 }));
  const pass = 'maxPool2d.forward';
  const variants = Object.fromEntries(E.extend.kernelVersions.get(pass).versionNames.map((v) => [v, () => E.extend.kernelVersions.using({ [pass]: v }, ours)]));
  const d = { N, C, H, W: H, kH: 3, kW: 3, sH: 2, sW: 2, pH: 1, pW: 1, dH: 1, dW: 1, OH, OW: OH };
  return {
    ours,
    oursLabel: `auto → ${E.internal.pool2dVersions.maxForward.choose({ d } as never)}, no argmax (inference)`,
    variants,
    tfjs: tf
      ? firstCallThen(
          () => tf.tidy(() => tf.transpose(tf.maxPool(tX!, 3, 2, 1), [0, 3, 1, 2])),
          (): TfTensor => tf.maxPool(tX!, 3, 2, 1),
        )
      : null,
    jaxjs,
    reference,
    tolerance: { atol: 0, rtol: 0 },
    dispose() {
      X.dispose();
      tX?.dispose();
      scope?.dispose();
    },
  };
}

export default defineBenchCases('pool', [
  {
    name: 'maxPool2d 3×3/2 p1 [1,64,112,112]', shape: 'x [1,64,112,112] → [1,64,56,56]', flops: 9 * 64 * 56 * 56, quick: true,
    setup: (ctx: BenchContext) => maxPool(1, 64, 112, ctx),
  },
  {
    name: 'maxPool2d 3×3/2 p1 [16,64,112,112]', shape: 'x [16,64,112,112] → [16,64,56,56]', flops: 9 * 16 * 64 * 56 * 56,
    setup: (ctx: BenchContext) => maxPool(16, 64, 112, ctx),
  },
]);
