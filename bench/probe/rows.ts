// Probe: bench rows under the jax-js protocol (run + read back per rep), ours and jax-js interleaved, with a
// breakdown of ours: record (run()), round trip (data()), and a GPU-only run timed with sync().
import * as jax from '@jax-js/jax';
import * as E from '../../src/index.ts';
import * as internal from '../../src/engine/internal.ts';
import { allCases } from '../cases/index.ts';
import { initJax, type JaxResult } from '../jaxjs.ts';
import { randomArray } from '../../tests/harness/random.ts';
import type { BenchContext, BenchInstance, Engine } from '../registry.ts';

export async function rows(names: string[], reps = 30): Promise<Record<string, string>> {
  await E.init();
  await initJax(jax);
  const Eng = { ...E, internal } as unknown as Engine;
  const out: Record<string, string> = {};
  for (const name of names) {
    const c = allCases().find((k) => k.name === name);
    if (!c) throw new Error(`no case ${name}`);
    const ctx: BenchContext = { E: Eng, tf: null, jax, quick: true, random: randomArray };
    const inst = (await c.setup(ctx)) as BenchInstance;
    const forceJax = async (r: JaxResult): Promise<void> => {
      const [first, ...rest] = ([] as jax.Array[]).concat(r);
      for (const a of rest) {
        await a.blockUntilReady();
        a.dispose();
      }
      await first!.data();
    };
    const acc = { ours: [] as number[], rec: [] as number[], rt: [] as number[], jax: [] as number[], sync: [] as number[] };
    for (let i = 0; i < reps + 3; i++) {
      let t0 = performance.now();
      const t = inst.ours();
      const t1 = performance.now();
      await t.data();
      const t2 = performance.now();
      t.dispose();
      if (i >= 3) {
        acc.ours.push(t2 - t0);
        acc.rec.push(t1 - t0);
        acc.rt.push(t2 - t1);
      }
      t0 = performance.now();
      await forceJax(inst.jaxjs!());
      if (i >= 3) acc.jax.push(performance.now() - t0);
      t0 = performance.now();
      const u = inst.ours();
      await E.sync();
      if (i >= 3) acc.sync.push(performance.now() - t0);
      u.dispose();
    }
    inst.dispose();
    const med = (a: number[]): string => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!.toFixed(2);
    const mean = (a: number[]): string => (a.reduce((p, q) => p + q, 0) / a.length).toFixed(2);
    out[name] = Object.entries(acc).map(([k, v]) => `${k} ${med(v)}/${mean(v)}`).join(' | ');
  }
  return out;
}
