// jax-js (npm `@jax-js/jax`, pinned in package.json), the second peer of the benchmarks: its start-up, the
// helpers the cases write their jax-js rows with, and how the harness times them.
//
// Ownership. A jax-js Array is reference-counted and every function consumes its arguments: passing `a` to an op
// (or to a jit-compiled function) takes one reference, `a.ref` adds one first, `a.data()` reads and drops one. A
// case keeps its inputs alive across calls by passing `a.ref`, and `JaxScope.dispose()` drops what setup made.
//
// Laziness. jax-js records work and runs it only when a result is read (or waited for). Every timed jax-js
// repetition therefore reads its result back; so that both engines are timed alike for `ratioJax`, ours is timed
// the same way there: run, read the whole result back (`data()`), next (forcedOursSubject / jaxSubject).

import type * as JaxModule from '@jax-js/jax';
import type { EngineTensor } from './registry.ts';
import type { Subject } from './harness.ts';

export type Jax = typeof JaxModule;
export type JaxArray = JaxModule.Array;
/** What a jax-js row returns: its output, or several (a backward row's [dx, dw]); the first is compared. */
export type JaxResult = JaxArray | JaxArray[];

/** The pinned version (package.json devDependencies), recorded in each report. */
export const JAXJS_VERSION = '0.1.25';

/** Starts jax-js's WebGPU backend and makes it the default device; throws when it has none. */
export async function initJax(jax: Jax): Promise<void> {
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js: no webgpu device (it found ${devices.join(', ') || 'none'})`);
  jax.defaultDevice('webgpu');
}

/**
 * What a case's jax-js side holds: arrays made from host data and jit-compiled functions, all released by
 * dispose(). `array` uploads a copy (Float32Array or Int32Array) in the given shape.
 */
export class JaxScope {
  private readonly arrays: JaxArray[] = [];
  private readonly fns: Array<{ dispose(): void }> = [];
  constructor(readonly jax: Jax) {}

  array(data: Float32Array | Int32Array, shape: number[]): JaxArray {
    const np = this.jax.numpy;
    const a = np.array(data.slice(), { dtype: data instanceof Int32Array ? np.int32 : np.float32 }).reshape(shape);
    this.arrays.push(a);
    return a;
  }

  /** jax.jit(f), released with the scope; typed as f (its arguments are consumed as f's would be). */
  jit<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
    const fn = this.jax.jit(f as unknown as Parameters<Jax['jit']>[0]);
    this.fns.push(fn);
    return fn as unknown as (...args: A) => R;
  }

  /** Releases the held arrays (those still alive: an array passed without `.ref` was consumed). */
  dispose(): void {
    for (const a of this.arrays) if (a.refCount > 0) a.dispose();
    for (const f of this.fns) f.dispose();
    this.arrays.length = 0;
    this.fns.length = 0;
  }
}

/** Reads the first array of a run (the compared output) and drops the others. */
export async function readJax(run: () => JaxResult): Promise<Float32Array> {
  const [first, ...rest] = ([] as JaxArray[]).concat(run());
  for (const r of rest) r.dispose();
  return (await first!.data()) as Float32Array;
}

/** Waits for every array of a run (reads the first back, waits for the others), then drops them. */
async function forceJax(result: JaxResult): Promise<void> {
  const [first, ...rest] = ([] as JaxArray[]).concat(result);
  for (const r of rest) {
    await r.blockUntilReady();
    r.dispose();
  }
  await first!.data();
}

/** Wall ms per repetition, each one run and then read back. */
function forcedSubject(once: () => Promise<void>): Subject {
  const wall = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await once();
    return (performance.now() - t0) / n;
  };
  return {
    async warm(measure = true) {
      await once();
      return measure ? wall(1) : 0;
    },
    wall,
    gpu: async () => null,
  };
}

/** A jax-js row: each repetition runs the jit-compiled function and reads its result back. */
export function jaxSubject(run: () => JaxResult): Subject {
  return forcedSubject(() => forceJax(run()));
}

/** Ours timed as jaxSubject times jax-js: each repetition runs and reads the whole result back. */
export function forcedOursSubject(run: () => EngineTensor): Subject {
  return forcedSubject(async () => {
    const t = run();
    try {
      await t.data();
    } finally {
      t.dispose();
    }
  });
}

/** One conv layer in jax-js's (and our) NCHW / OIHW layout. */
export interface JaxConvGeometry {
  stride: number;
  padding: number;
  groups: number;
}

/**
 * A conv row's jax-js side (lax.convGeneralDilated, NCHW / OIHW as ours): the forward, or dgrad + wgrad as the
 * vector–Jacobian product of the forward with the output gradient g (what jax.grad runs; the forward itself is
 * not needed and jit drops it). Like conv-setup.ts's firstCallThen: the first (validated) call of a backward row
 * returns [dx, dw] flattened and concatenated, later calls return [dx, dw].
 */
export function jaxConv(
  scope: JaxScope, xs: Float32Array, xShape: number[], ws: Float32Array, wShape: number[], gs: Float32Array, gShape: number[],
  geo: JaxConvGeometry, pass: 'forward' | 'backward',
): () => JaxResult {
  const { lax, numpy: np, vjp } = scope.jax;
  const x = scope.array(xs, xShape);
  const w = scope.array(ws, wShape);
  const p = geo.padding;
  const conv = (a: JaxArray, b: JaxArray): JaxArray =>
    lax.convGeneralDilated(a, b, [geo.stride, geo.stride], [[p, p], [p, p]], { featureGroupCount: geo.groups });
  if (pass === 'forward') {
    const f = scope.jit((a: JaxArray, b: JaxArray) => conv(a, b));
    return () => f(x.ref, w.ref);
  }
  const g = scope.array(gs, gShape);
  const grads = (a: JaxArray, b: JaxArray, dy: JaxArray): [JaxArray, JaxArray] => {
    const [y, pullback] = vjp(conv, [a, b]);
    y.dispose();
    const [dx, dw] = pullback(dy) as [JaxArray, JaxArray];
    pullback.dispose();
    return [dx, dw];
  };
  const both = scope.jit((a: JaxArray, b: JaxArray, dy: JaxArray) => grads(a, b, dy));
  const flat = scope.jit((a: JaxArray, b: JaxArray, dy: JaxArray) => {
    const [dx, dw] = grads(a, b, dy);
    return np.concatenate([dx.reshape([-1]), dw.reshape([-1])]);
  });
  let calls = 0;
  return () => (calls++ === 0 ? flat(x.ref, w.ref, g.ref) : both(x.ref, w.ref, g.ref));
}
