// Matmul rows: square products n × n × n (ours: the default dispatch; --versions also times every kernel
// version), and Linear layers with the bias + relu epilogue (TF.js: fused matMul with bias and relu).

import { defineBenchCases, type BenchContext, type BenchInstance } from '../registry.ts';

const SQUARE = [256, 512, 1024, 2048, 4096];
/** Up to this size the CPU reference validates the result too (TF.js always does). */
const CPU_REFERENCE_MAX = 512;

function cpuMatmul(a: Float32Array, b: Float32Array, M: number, K: number, N: number): Float32Array {
  const out = new Float32Array(M * N);
  const row = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k]!;
      const off = k * N;
      for (let n = 0; n < N; n++) row[n]! += av * b[off + n]!;
    }
    out.set(row, m * N);
  }
  return out;
}

function square(n: number, { E, tf, random }: BenchContext): BenchInstance {
  const a = random(n * n, 1);
  const b = random(n * n, 2);
  const A = E.tensor(a, [n, n]);
  const B = E.tensor(b, [n, n]);
  const tA = tf?.tensor2d(a, [n, n]);
  const tB = tf?.tensor2d(b, [n, n]);
  const variants = Object.fromEntries(
    E.extend.kernelVersions.get('matmul').versionNames.map((v) => [v, () => E.extend.kernelVersions.using({ matmul: v }, () => E.matmul(A, B))]),
  );
  return {
    ours: () => E.matmul(A, B),
    oursLabel: `auto → ${E.extend.chooseMatmulVersion({ M: n, N: n, K: n, batch: 1 })}`,
    variants,
    tfjs: tf ? () => tf.matMul(tA!, tB!) : null,
    reference: n <= CPU_REFERENCE_MAX ? () => cpuMatmul(a, b, n, n, n) : null,
    tolerance: { atol: 1e-3 * Math.sqrt(n / 256), rtol: 1e-3 },
    dispose() {
      A.dispose();
      B.dispose();
      tA?.dispose();
      tB?.dispose();
    },
  };
}

/** y = relu(x · Wᵀ + b), x [batch, in], W [out, in]. */
function linearRelu(batch: number, inF: number, outF: number, { E, tf, random }: BenchContext): BenchInstance {
  const x = random(batch * inF, 3);
  const w = random(outF * inF, 4);
  const bias = random(outF, 5);
  const X = E.tensor(x, [batch, inF]);
  const W = E.tensor(w, [outF, inF]);
  const Bv = E.tensor(bias, [outF]);
  const tX = tf?.tensor2d(x, [batch, inF]);
  const tW = tf?.tensor2d(w, [outF, inF]);
  const tb = tf?.tensor1d(bias);
  return {
    ours: () => E.internal.linearAct(X, W, Bv, 'relu'),
    oursLabel: `linear+relu, ${E.extend.chooseMatmulVersion({ M: batch, N: outF, K: inF, batch: 1 })}`,
    tfjs: tf ? () => tf.fused.matMul({ a: tX!, b: tW!, transposeB: true, bias: tb!, activation: 'relu' }) : null,
    tolerance: { atol: 1e-3 * Math.sqrt(inF / 256), rtol: 1e-3 },
    dispose() {
      for (const t of [X, W, Bv]) t.dispose();
      for (const t of [tX, tW, tb]) t?.dispose();
    },
  };
}

export default defineBenchCases('matmul', [
  ...SQUARE.map((n) => ({
    name: `matmul ${n}`,
    shape: `${n}×${n}×${n}`,
    flops: 2 * n ** 3,
    quick: n <= 512,
    setup: (ctx: BenchContext) => square(n, ctx),
  })),
  ...[
    [256, 3136, 128],
    [4096, 1024, 1024],
  ].map(([batch, inF, outF]) => ({
    name: `linear+relu ${batch}×${inF}→${outF}`,
    shape: `x [${batch},${inF}], W [${outF},${inF}]`,
    flops: 2 * batch! * inF! * outF!,
    quick: batch! <= 256,
    setup: (ctx: BenchContext) => linearRelu(batch!, inF!, outF!, ctx),
  })),
]);
