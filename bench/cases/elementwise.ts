// Elementwise rows: unary.wgsl and the binary kernels, memory-bound (one or two reads and one write per element).
// Ours: relu, add on equal shapes (binary_vec4.wgsl's BROADCAST = false path: word i of both) and add with a
// row broadcast (binary_vec4.wgsl through broadcast.wgsl); TF.js: tf.relu, tf.add on the same data. `flops` counts one operation per
// output element, so the GFLOP/s column reads as G elements/s. jax-js: a jit of nn.relu, np.add.

import { JaxScope, type JaxArray } from '../jaxjs.ts';
import { defineBenchCases, type BenchContext, type BenchInstance, type EngineTensor, type TfTensor } from '../registry.ts';

interface Shapes {
  a: number[];
  b: number[] | null;
}

const size = (s: readonly number[]): number => s.reduce((x, y) => x * y, 1);

function setup(op: 'relu' | 'add', shapes: Shapes, { E, tf, jax, random }: BenchContext): BenchInstance {
  const out = shapes.a;
  const av = random(size(shapes.a), 11);
  const bv = shapes.b ? random(size(shapes.b), 12) : null;
  const A = E.tensor(av, shapes.a);
  const B = bv ? E.tensor(bv, shapes.b!) : null;
  const tA = tf?.tensor(av, shapes.a);
  const tB = bv && tf ? tf.tensor(bv, shapes.b!) : null;
  const scope = jax ? new JaxScope(jax) : null;
  let jaxjs: BenchInstance['jaxjs'] = null;
  if (scope) {
    const { numpy: np, nn } = scope.jax;
    const jA = scope.array(av, shapes.a);
    if (op === 'relu') {
      const f = scope.jit((a: JaxArray) => nn.relu(a));
      jaxjs = () => f(jA.ref);
    } else {
      const jB = scope.array(bv!, shapes.b!);
      const f = scope.jit((a: JaxArray, b: JaxArray) => np.add(a, b));
      jaxjs = () => f(jA.ref, jB.ref);
    }
  }
  const reference = (): Float32Array => {
    const y = new Float32Array(size(out));
    const inner = shapes.b ? size(shapes.b) : 1;
    for (let i = 0; i < y.length; i++) y[i] = op === 'relu' ? Math.max(av[i]!, 0) : av[i]! + bv![i % inner]!;
    return y;
  };
  const ours = (): EngineTensor => (op === 'relu' ? E.relu(A) : E.add(A, B!));
  const variants = op === 'relu'
    ? Object.fromEntries(E.extend.kernelVersions.get('unary').versionNames.map((v) => [v, () => E.extend.kernelVersions.using({ unary: v }, ours)]))
    : undefined;
  return {
    ours,
    ...(variants ? { variants } : {}),
    oursLabel: op === 'relu'
      ? `unary auto → ${E.internal.unaryVersions.choose({ x: A })} relu`
      : `binary_vec4.wgsl add${shapes.b && size(shapes.b) !== size(shapes.a) ? ', broadcast row' : ''}`,
    tfjs: tf ? (): TfTensor => (op === 'relu' ? tf.relu(tA!) : tf.add(tA!, tB!)) : null,
    jaxjs,
    reference,
    tolerance: { atol: 1e-6, rtol: 1e-6 },
    dispose() {
      for (const t of [A, B]) t?.dispose();
      for (const t of [tA, tB]) t?.dispose();
      scope?.dispose();
    },
  };
}

const M = 1 << 20;

export default defineBenchCases('elementwise', [
  { name: 'relu 1M', shape: '[1048576]', flops: M, quick: true, setup: (ctx: BenchContext) => setup('relu', { a: [M], b: null }, ctx) },
  { name: 'add 1M', shape: '[1048576] + [1048576]', flops: M, quick: true, setup: (ctx: BenchContext) => setup('add', { a: [M], b: [M] }, ctx) },
  {
    name: 'add broadcast [1024,1024] + [1024]', shape: '[1024,1024] + [1024]', flops: M, quick: true,
    setup: (ctx: BenchContext) => setup('add', { a: [1024, 1024], b: [1024] }, ctx),
  },
  { name: 'add 16M', shape: '[16777216] + [16777216]', flops: 16 * M, setup: (ctx: BenchContext) => setup('add', { a: [16 * M], b: [16 * M] }, ctx) },
]);
