// Probe (issue 21): skinny products (few rows: a Linear at batch 2–8) by matmul version, GPU-bound wall time of
// one run and its read-back, versions interleaved, median. `node bench/probe/run-probe.mjs skinny REPS`.
import * as E from '../../src/index.ts';
import { kernelVersions } from '../../src/engine/runtime/kernel-registry.ts';

export async function skinnyProbe(reps = 15): Promise<Record<string, string>> {
  await E.init();
  const out: Record<string, string> = {};
  const given = (globalThis as Record<string, unknown>).__shapes as [number, number, number][] | undefined;
  for (const [M, K, N] of given ?? [[4, 3136, 128], [2, 3136, 128], [16, 3136, 128], [4, 128, 10], [4, 512, 1000]]) {
    const x = E.tensor(Float32Array.from({ length: M * K }, (_, i) => Math.sin(i) * 0.5), [M, K]);
    const w = E.tensor(Float32Array.from({ length: N * K }, (_, i) => Math.cos(i) * 0.1), [N, K]);
    const b = E.tensor(Float32Array.from({ length: N }, (_, i) => i * 0.01), [N]);
    const vs = ['auto', 'v1', 'v5', 'v6', 'v7'];
    const times: Record<string, number[]> = {};
    const ref = await E.linear(x, w, b).data();
    for (const v of vs) {
      try {
        const y = v === 'auto' ? E.linear(x, w, b) : await kernelVersions.using({ matmul: v }, async () => E.linear(x, w, b));
        const d = await y.data();
        let err = 0;
        for (let i = 0; i < d.length; i++) err = Math.max(err, Math.abs(d[i]! - ref[i]!));
        y.dispose();
        times[v] = [];
        if (err > 1e-3) out[`${M}×${K}→${N} ${v}`] = `max err ${err}`;
      } catch (e) {
        out[`${M}×${K}→${N} ${v}`] = `rejected: ${(e as Error).message.slice(0, 80)}`;
      }
    }
    for (let r = 0; r < reps; r++) {
      for (const v of Object.keys(times)) {
        const t0 = performance.now();
        const y = v === 'auto' ? E.linear(x, w, b) : await kernelVersions.using({ matmul: v }, async () => E.linear(x, w, b));
        await y.data();
        times[v]!.push(performance.now() - t0);
        y.dispose();
      }
    }
    for (const [v, t] of Object.entries(times)) out[`${M}×${K}→${N} ${v}`] ??= `med ${[...t].sort((a, c) => a - c)[t.length >> 1]!.toFixed(2)} ms`;
    for (const t of [x, w, b]) t.dispose();
  }
  return out;
}
