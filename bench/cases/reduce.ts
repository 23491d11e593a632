// Reduction rows: reduce.wgsl (sum over the last axis, and over everything: the split-row path, a second
// launch reducing the partials) and softmax.wgsl over the rows of a [batch, classes] matrix. TF.js: tf.sum,
// tf.softmax on the same data. `flops` counts one operation per input element (softmax: 5: max, subtract,
// exp, sum, divide). jax-js: a jit of np.sum, nn.softmax.

import { JaxScope, type JaxArray } from '../jaxjs.ts';
import { defineBenchCases, type BenchContext, type BenchInstance, type EngineTensor, type TfTensor } from '../registry.ts';

type Op = 'sum rows' | 'sum all' | 'softmax';

function setup(op: Op, rows: number, cols: number, { E, tf, jax, random }: BenchContext): BenchInstance {
  const xv = random(rows * cols, 21);
  const X = E.tensor(xv, [rows, cols]);
  const tX = tf?.tensor2d(xv, [rows, cols]);
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const { numpy: np, nn } = scope.jax;
    const jX = scope.array(xv, [rows, cols]);
    const f = scope.jit((a: JaxArray) => (op === 'sum rows' ? np.sum(a, 1) : op === 'sum all' ? np.sum(a) : nn.softmax(a, 1)));
    jaxjs = () => f(jX.ref);
  }
  const reference = (): Float64Array => {
    if (op === 'sum all') return Float64Array.of(xv.reduce((s, v) => s + v, 0));
    const y = new Float64Array(op === 'sum rows' ? rows : rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = xv.subarray(r * cols, (r + 1) * cols);
      if (op === 'sum rows') {
        y[r] = row.reduce((s, v) => s + v, 0);
        continue;
      }
      const m = row.reduce((a, v) => Math.max(a, v), -Infinity);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp(row[c]! - m) / z;
    }
    return y;
  };
  const cpu = E.internal.onCpuAdapter();
  const ours = (): EngineTensor => (op === 'sum rows' ? E.sum(X, 1) : op === 'sum all' ? E.sum(X) : E.softmax(X, 1));
  const tfjs = (): TfTensor => (op === 'sum rows' ? tf!.sum(tX!, 1) : op === 'sum all' ? tf!.sum(tX!) : tf!.softmax(tX!, 1));
  // With --versions: the CPU rules' reduce versions (v1, the GPU rules' tree, takes tens of ms on the rows here).
  const K = E.extend.kernelVersions;
  const variants = op === 'softmax' ? {} : Object.fromEntries(['v2', 'v3', 'v4'].map((v) => [v, () => K.using({ reduce: v }, ours)]));
  return {
    ours,
    variants,
    // The registered passes' auto choice: the CPU rules run softmax v3 and reduce v4 (threads with no barrier),
    // the GPU rules softmax v1 / v2 and reduce v1 (a workgroup tree, rows split into ranges for a sum of everything).
    oursLabel: `auto (${op === 'softmax' ? (cpu ? 'softmax_rows_vec4' : 'softmax') : cpu ? 'reduce_strided_vec4' : 'reduce'}.wgsl)`,
    tfjs: tf ? tfjs : null,
    jaxjs,
    reference,
    // Sums of 1M values in [-1, 1) in float32, in a different order than the float64 reference.
    tolerance: { atol: op === 'sum all' ? 5e-2 : 1e-3, rtol: 1e-4 },
    dispose() {
      X.dispose();
      tX?.dispose();
      scope?.dispose();
    },
  };
}

export default defineBenchCases('reduce', [
  {
    name: 'sum rows [1024,1024]', shape: '[1024,1024] → [1024]', flops: 1 << 20, quick: true,
    setup: (ctx: BenchContext) => setup('sum rows', 1024, 1024, ctx),
  },
  { name: 'sum all [1024,1024]', shape: '[1024,1024] → []', flops: 1 << 20, quick: true, setup: (ctx: BenchContext) => setup('sum all', 1024, 1024, ctx) },
  {
    name: 'softmax [256,1000]', shape: '[256,1000] over the classes', flops: 5 * 256 * 1000, quick: true,
    setup: (ctx: BenchContext) => setup('softmax', 256, 1000, ctx),
  },
  {
    name: 'softmax [4096,1000]', shape: '[4096,1000] over the classes', flops: 5 * 4096 * 1000,
    setup: (ctx: BenchContext) => setup('softmax', 4096, 1000, ctx),
  },
]);
