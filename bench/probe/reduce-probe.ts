// Probe (issue 21): the reduce pass's versions (v1 workgroup tree, v2 a thread per output, v3 its vec4 form) on
// [1024,1024]: the rows (sum over the last dim), everything, the columns (a leading dim); and softmax v1 / v3 on [256,1000]. Wall time of one run
// and its read-back, versions interleaved, median. `node bench/probe/run-probe.mjs reduce REPS`.
import * as E from '../../src/index.ts';
import { kernelVersions } from '../../src/engine/runtime/kernel-registry.ts';
import type { Tensor } from '../../src/engine/tensor.ts';

export async function reduceProbe(reps = 15): Promise<Record<string, string>> {
  await E.init();
  const n = 1024;
  const x = E.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) * 0.5), [n, n]);
  const ops: Record<string, () => Tensor> = { rows: () => E.sum(x, 1), all: () => E.sum(x), cols: () => E.sum(x, 0) };
  const variants: Record<string, () => Promise<Tensor>> = {};
  for (const [name, op] of Object.entries(ops)) {
    for (const v of ['v1', 'v2', 'v3']) {
      if (v === 'v3' && name === 'cols') continue; // v3 reads rows only
      variants[`${name} ${v}`] = () => kernelVersions.using({ reduce: v }, async () => op());
    }
  }
  const sm = E.tensor(Float32Array.from({ length: 256 * 1000 }, (_, i) => Math.cos(i) * 3), [256, 1000]);
  for (const v of ['v1', 'v3', 'v4']) variants[`softmax [256,1000] ${v}`] = () => kernelVersions.using({ softmax: v }, async () => E.softmax(sm, 1));
  const long = E.tensor(Float32Array.from({ length: 300000 }, (_, i) => Math.cos(i) * 3), [1, 300000]);
  const one = E.tensor(Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i) * 3), [1, 1000]);
  for (const v of ['v1', 'v3']) variants[`softmax [1,300000] ${v}`] = () => kernelVersions.using({ softmax: v }, async () => E.softmax(long, 1));
  for (const v of ['v1', 'v3']) variants[`softmax [1,1000] ${v}`] = () => kernelVersions.using({ softmax: v }, async () => E.softmax(one, 1));
  const times: Record<string, number[]> = {};
  for (const [name, f] of Object.entries(variants)) {
    times[name] = [];
    (await f()).dispose();
    await E.sync();
  }
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(variants)) {
      const t0 = performance.now();
      const y = await f();
      await y.data();
      times[name]!.push(performance.now() - t0);
      y.dispose();
    }
  }
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(times)) out[name] = `med ${[...t].sort((a, b) => a - b)[t.length >> 1]!.toFixed(2)} ms`;
  x.dispose();
  sm.dispose();
  long.dispose();
  one.dispose();
  return out;
}
