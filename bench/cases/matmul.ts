// Matmul rows: square products n × n × n and one untuned rectangle, 300×700×200 (ours: the default dispatch;
// --versions also times every kernel version), and Linear layers: with the bias + relu epilogue (TF.js: fused
// matMul with bias and relu), and a plain Linear forward at an untuned batch, 37×3136→128.
// TF.js and jax-js get the Linear's weight in [in, out] (the layout their users keep; TF.js 4.22's matMul with
// transposeB gives wrong values for [37, 3136] × [128, 3136]ᵀ on SwiftShader). jax-js: a jit of np.matmul, the
// Linear as x · W + b.

import { JaxScope } from '../jaxjs.ts';
import { defineBenchCases, type BenchContext, type BenchInstance } from '../registry.ts';

const SQUARE = [256, 512, 1024, 2048, 4096];
/** v7's knob settings timed beside the versions with --versions (label: knobs). */
const V7_KNOBS: Record<string, Record<string, unknown>> = {
  'r4': { regRows: 4 },
  'r8': { regRows: 8 },
  '8×8': { regTile: { wgX: 8, wgY: 8 } },
  '16×8': { regTile: { wgX: 16, wgY: 8 } },
  '8×16': { regTile: { wgX: 8, wgY: 16 } },
  '16×4': { regTile: { wgX: 16, wgY: 4 } },
  'k2': { splits: 2 },
  '16×6 r4': { regTile: { wgX: 16, wgY: 6 }, regRows: 4 },
  '32×6 r4': { regTile: { wgX: 32, wgY: 6 }, regRows: 4 },
  '8×6 r4': { regTile: { wgX: 8, wgY: 6 }, regRows: 4 },
  '16×3 r8': { regTile: { wgX: 16, wgY: 3 }, regRows: 8 },
};
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

/** [M, K] · [K, N]. */
function product(M: number, K: number, N: number, { E, tf, jax, random }: BenchContext): BenchInstance {
  const a = random(M * K, 1);
  const b = random(K * N, 2);
  const A = E.tensor(a, [M, K]);
  const B = E.tensor(b, [K, N]);
  const tA = tf?.tensor2d(a, [M, K]);
  const tB = tf?.tensor2d(b, [K, N]);
  const kv = E.extend.kernelVersions;
  const variants: Record<string, () => ReturnType<typeof E.matmul>> = Object.fromEntries(
    kv.get('matmul').versionNames.map((v) => [v, () => kv.using({ matmul: v }, () => E.matmul(A, B))]),
  );
  // v7's knobs (regTile: threads along N × M; regRows: rows of C per thread; splits: K ranges), forced one at a time.
  for (const [name, knobs] of Object.entries(V7_KNOBS)) {
    variants[`v7 ${name}`] = () => kv.using({ matmul: 'v7' }, () => {
      kv.tune('matmul', knobs);
      return E.matmul(A, B);
    });
  }
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const [jA, jB] = [scope.array(a, [M, K]), scope.array(b, [K, N])];
    const f = scope.jit((x: typeof jA, y: typeof jB) => scope.jax.numpy.matmul(x, y));
    jaxjs = () => f(jA.ref, jB.ref);
  }
  return {
    ours: () => E.matmul(A, B),
    oursLabel: `auto → ${E.extend.chooseMatmulVersion({ M, N, K, batch: 1 })}`,
    variants,
    tfjs: tf ? () => tf.matMul(tA!, tB!) : null,
    jaxjs,
    reference: M * N * K <= CPU_REFERENCE_MAX ** 3 ? () => cpuMatmul(a, b, M, K, N) : null,
    tolerance: { atol: 1e-3 * Math.sqrt(K / 256), rtol: 1e-3 },
    dispose() {
      A.dispose();
      B.dispose();
      tA?.dispose();
      tB?.dispose();
      scope?.dispose();
    },
  };
}

/** y = relu(x · Wᵀ + b) (or without the relu), x [batch, in], W [out, in]. */
function linear(batch: number, inF: number, outF: number, relu: boolean, { E, tf, jax, random }: BenchContext): BenchInstance {
  const x = random(batch * inF, 3);
  const w = random(outF * inF, 4);
  const bias = random(outF, 5);
  const X = E.tensor(x, [batch, inF]);
  const W = E.tensor(w, [outF, inF]);
  const Bv = E.tensor(bias, [outF]);
  const wT = new Float32Array(inF * outF);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wT[i * outF + o] = w[o * inF + i]!;
  const tX = tf?.tensor2d(x, [batch, inF]);
  const tW = tf?.tensor2d(wT, [inF, outF]);
  const tb = tf?.tensor1d(bias);
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const { numpy: np, nn } = scope.jax;
    const [jX, jW, jb] = [scope.array(x, [batch, inF]), scope.array(wT, [inF, outF]), scope.array(bias, [outF])];
    const f = scope.jit((xx: typeof jX, ww: typeof jW, bb: typeof jb) => {
      const y = np.matmul(xx, ww).add(bb);
      return relu ? nn.relu(y) : y;
    });
    jaxjs = () => f(jX.ref, jW.ref, jb.ref);
  }
  return {
    ours: () => E.internal.linearAct(X, W, Bv, relu ? 'relu' : 'none'),
    oursLabel: `linear${relu ? '+relu' : ''}, ${E.extend.chooseMatmulVersion({ M: batch, N: outF, K: inF, batch: 1 })}`,
    tfjs: tf ? () => tf.fused.matMul({ a: tX!, b: tW!, bias: tb!, ...(relu ? { activation: 'relu' as const } : {}) }) : null,
    jaxjs,
    reference: () => cpuMatmul(x, wT, batch, inF, outF).map((v, i) => (relu ? Math.max(v + bias[i % outF]!, 0) : v + bias[i % outF]!)),
    tolerance: { atol: 1e-3 * Math.sqrt(inF / 256), rtol: 1e-3 },
    dispose() {
      for (const t of [X, W, Bv]) t.dispose();
      for (const t of [tX, tW, tb]) t?.dispose();
      scope?.dispose();
    },
  };
}

export default defineBenchCases('matmul', [
  ...SQUARE.map((n) => ({
    name: `matmul ${n}`,
    shape: `${n}×${n}×${n}`,
    flops: 2 * n ** 3,
    quick: n <= 512,
    setup: (ctx: BenchContext) => product(n, n, n, ctx),
  })),
  {
    name: 'matmul 24×144×3136',
    shape: '[24,144] · [144,3136] (the 1×1 conv 144→24 56²)',
    flops: 2 * 24 * 144 * 3136,
    quick: false,
    setup: (ctx: BenchContext) => product(24, 144, 3136, ctx),
  },
  {
    name: 'matmul 300×700×200',
    shape: '[300,700] · [700,200] (untuned)',
    flops: 2 * 300 * 700 * 200,
    quick: true,
    setup: (ctx: BenchContext) => product(300, 700, 200, ctx),
  },
  ...[
    [256, 3136, 128],
    [4096, 1024, 1024],
  ].map(([batch, inF, outF]) => ({
    name: `linear+relu ${batch}×${inF}→${outF}`,
    shape: `x [${batch},${inF}], W [${outF},${inF}]`,
    flops: 2 * batch! * inF! * outF!,
    quick: batch! <= 256,
    setup: (ctx: BenchContext) => linear(batch!, inF!, outF!, true, ctx),
  })),
  {
    name: 'linear 37×3136→128',
    shape: 'x [37,3136], W [128,3136] + bias (untuned)',
    flops: 2 * 37 * 3136 * 128,
    quick: true,
    setup: (ctx: BenchContext) => linear(37, 3136, 128, false, ctx),
  },
]);
