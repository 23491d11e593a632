// What the conv2d and depthwise bench rows share: our side of a layer (the forward, or dgrad + wgrad with the
// first, validated call returning both gradients flattened), the same for TF.js (brought to NCHW / OIHW on the
// validated call only), and the CPU reference. Layouts and data stay outside the timed region.

import type * as tfNamespace from '@tensorflow/tfjs-core';
import { conv2dBackward, conv2dForward, type Conv2dGeometry as CpuGeometry } from '../tests/harness/cpu-conv.ts';
import type { Engine, EngineTensor, TfTensor } from './registry.ts';

type Tf = typeof tfNamespace;
export type ConvPass = 'forward' | 'backward';

/** Returns `validate` on the first call and `timed` on every later one (the harness validates the first). */
export function firstCallThen<T>(validate: () => T, timed: () => T): () => T {
  let calls = 0;
  return () => (calls++ === 0 ? validate() : timed());
}

/**
 * Our side of a conv row: `runner()` makes a fresh run function (forward, or dgrad + wgrad), `forced(versions)`
 * the same run with kernel versions forced through `kernelVersions.using`.
 */
export function oursConv(E: Engine, x: EngineTensor, w: EngineTensor, g: EngineTensor, options: Parameters<Engine['conv2d']>[3], pass: ConvPass) {
  const geo = E.extend.conv2dPasses.geometry(x, w, options);
  const flat = (t: EngineTensor): EngineTensor => E.reshape(t, [t.size]);
  const both = (dx: EngineTensor, dw: EngineTensor): EngineTensor => {
    const [a, b] = [flat(dx), flat(dw)];
    const out = E.concat([a, b]);
    for (const t of [a, b, dx, dw]) t.dispose();
    return out;
  };
  const backward = (validate: boolean): EngineTensor => {
    const dx = E.extend.conv2dPasses.inputGrad(g, w, geo);
    const dw = E.extend.conv2dPasses.weightGrad(g, x, geo);
    if (validate) return both(dx, dw);
    dw.dispose();
    return dx;
  };
  const runner = (): (() => EngineTensor) =>
    pass === 'forward' ? () => E.conv2d(x, w, null, options) : firstCallThen(() => backward(true), () => backward(false));
  const forced = (versions: Record<string, string>): (() => EngineTensor) => {
    const body = runner();
    return () => E.extend.kernelVersions.using(versions, body);
  };
  return { runner, forced };
}

/**
 * TF.js's side: `fwd`, or `dgrad` + `wgrad` (the kernels tf.grads runs). The validated first call transposes
 * NHWC to NCHW and the filter gradient by `filterPerm` to OIHW.
 */
export function tfConv(tf: Tf, pass: ConvPass, fwd: () => TfTensor, dgrad: () => TfTensor, wgrad: () => TfTensor, filterPerm: number[]): () => TfTensor {
  const flatT = (t: TfTensor, perm: number[]): TfTensor => tf.reshape(tf.transpose(t, perm), [-1]);
  return pass === 'forward'
    ? firstCallThen(() => tf.tidy(() => tf.transpose(fwd(), [0, 3, 1, 2])), fwd)
    : firstCallThen(
        () => tf.tidy(() => tf.concat([flatT(dgrad(), [0, 3, 1, 2]), flatT(wgrad(), filterPerm)])),
        () => {
          wgrad().dispose();
          return dgrad();
        },
      );
}

/** The CPU reference of a row (dx then dw for a backward row), or null above `maxFlops`. */
export function cpuConvReference(
  xs: Float32Array, ws: Float32Array, gs: Float32Array, geo: CpuGeometry, pass: ConvPass, flops: number, maxFlops: number,
): (() => ArrayLike<number>) | null {
  if (flops > maxFlops) return null;
  if (pass === 'forward') return () => conv2dForward(xs, ws, null, geo);
  return () => {
    const r = conv2dBackward(xs, ws, gs, geo);
    const out = new Float64Array(r.dx.length + r.dw.length);
    out.set(r.dx);
    out.set(r.dw, r.dx.length);
    return out;
  };
}
