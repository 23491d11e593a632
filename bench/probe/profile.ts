// Probe: where a bench row's GPU time goes, kernel by kernel. Each dispatch of one run (a kernel row's run, or
// a training step) is recorded into a timestamped compute pass of its own (recorder.setDispatchTimer); the times
// are summed by op label over REPS runs and printed per run, largest first, beside the run's wall time.
// `node bench/probe/run-probe.mjs profile REPS 0 "row;row"`. A pass per dispatch adds a little per kernel, so the
// sum is an upper bound; it answers "which kernels", not "how fast".
import * as jax from '@jax-js/jax';
import * as E from '../../src/index.ts';
import * as internal from '../../src/engine/internal.ts';
import { gpuDevice } from '../../src/engine/runtime/device.ts';
import { setDispatchTimer } from '../../src/engine/runtime/recorder.ts';
import { allCases } from '../cases/index.ts';
import { initJax } from '../jaxjs.ts';
import { randomArray } from '../../tests/harness/random.ts';
import type { BenchContext, BenchInstance, Engine, TrainStepInstance } from '../registry.ts';

const MAX_DISPATCHES = 2048;

export async function profile(names: string[], reps = 5): Promise<Record<string, string>> {
  await E.init();
  await initJax(jax);
  const Eng = { ...E, internal } as unknown as Engine;
  const device = gpuDevice();
  const out: Record<string, string> = {};
  for (const name of names) {
    const c = allCases().find((k) => k.name === name);
    if (!c) throw new Error(`no case ${name}`);
    const ctx: BenchContext = { E: Eng, tf: null, jax, quick: true, random: randomArray };
    const inst = (await c.setup(ctx)) as BenchInstance | TrainStepInstance;
    const once = async (): Promise<void> => {
      if ('kind' in inst && inst.kind === 'train-step') await inst.ours();
      else await (inst as BenchInstance).ours().data();
    };
    for (let i = 0; i < 3; i++) await once();
    let wall = 0;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await once();
      wall += performance.now() - t0;
    }
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_DISPATCHES });
    const labels: string[] = [];
    setDispatchTimer((op) => {
      if (labels.length >= MAX_DISPATCHES) return null;
      labels.push(op);
      return { querySet, beginningOfPassWriteIndex: 2 * labels.length - 2, endOfPassWriteIndex: 2 * labels.length - 1 };
    });
    try {
      for (let i = 0; i < reps; i++) await once();
    } finally {
      setDispatchTimer(null);
    }
    const n = labels.length;
    const resolve = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.resolveQuerySet(querySet, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, staging, 0, 16 * n);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    for (const b of [resolve, staging]) b.destroy();
    querySet.destroy();
    const byOp = new Map<string, { ms: number; count: number }>();
    let total = 0;
    for (let i = 0; i < n; i++) {
      const ms = Number(t[2 * i + 1]! - t[2 * i]!) / 1e6 / reps;
      total += ms;
      const e = byOp.get(labels[i]!) ?? { ms: 0, count: 0 };
      e.ms += ms;
      e.count += 1 / reps;
      byOp.set(labels[i]!, e);
    }
    out[`${name}: per run`] = `wall ${(wall / reps).toFixed(2)} ms, GPU sum ${total.toFixed(2)} ms over ${(n / reps).toFixed(0)} dispatches`;
    for (const [op, e] of [...byOp].sort((a, b) => b[1].ms - a[1].ms)) out[`${names.indexOf(name)} ${op}`] = `${e.ms.toFixed(2)} ms (${e.count.toFixed(0)}×)`;
    inst.dispose();
  }
  return out;
}
